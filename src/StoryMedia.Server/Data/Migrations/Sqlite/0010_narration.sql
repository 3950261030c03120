-- Narration jobs and the video with sound (see the PostgreSQL migration of the same number).

alter table scenes add column audio_key text;
alter table scenes add column audio_seconds real;
alter table scenes add column audio_text text;

alter table stories add column subtitles_key text;
alter table video_generation_jobs add column subtitles_key text;

alter table video_generation_job_scenes add column audio_key text;
alter table video_generation_job_scenes add column audio_seconds real;
alter table video_generation_job_scenes add column text text;

create table if not exists narration_generation_jobs (
  id text primary key,
  story_id text not null references stories (id) on delete cascade,
  user_id text not null,
  status text not null default 'processing'
    check (status in ('processing', 'completed', 'failed')),
  progress integer not null default 0 check (progress between 0 and 100),
  error text,
  started_at text not null,
  completed_at text,
  created_at text not null,
  heartbeat_at text not null,
  worker_id text,
  lease_expires_at text,
  attempts integer not null default 0,
  style text,
  instructions text
);

create index if not exists idx_narration_generation_jobs_story_id on narration_generation_jobs (story_id, created_at desc);
create index if not exists idx_narration_generation_jobs_status on narration_generation_jobs (status);
create index if not exists idx_narration_generation_jobs_created_at on narration_generation_jobs (created_at desc);

-- The fair claim's and the start budget's indexes, as every job table has them (0008).
create index if not exists idx_narration_generation_jobs_processing on narration_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_narration_generation_jobs_user_created on narration_generation_jobs (user_id, created_at);

create unique index if not exists one_processing_narration_job_per_story
  on narration_generation_jobs (story_id) where status = 'processing';

create table if not exists narration_generation_job_scenes (
  job_id text not null references narration_generation_jobs (id) on delete cascade,
  scene_id text not null references scenes (id) on delete cascade,
  position integer not null,
  text text not null,
  audio_key text,
  audio_seconds real,
  primary key (job_id, scene_id)
);
