-- Video jobs on the same guard as image jobs: the same columns, indexes, partial unique index and RLS,
-- plus the video a job made (published to its story only when the job completes).

alter table stories add column if not exists video_key text;

create table if not exists video_generation_jobs (
  id uuid primary key default gen_random_uuid(),
  story_id uuid not null references stories (id) on delete cascade,
  user_id uuid not null,
  status varchar(20) not null default 'processing'
    check (status in ('processing', 'completed', 'failed')),
  progress integer not null default 0 check (progress between 0 and 100),
  error text,
  started_at timestamptz not null default now(),
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  worker_id text,
  lease_expires_at timestamptz,
  attempts integer not null default 0,
  style text,
  instructions text,
  -- The rendered file, recorded by a fenced write; stories.video_key points to it once the job completes.
  video_key text
);

create index if not exists idx_video_generation_jobs_story_id on video_generation_jobs (story_id, created_at desc);
create index if not exists idx_video_generation_jobs_status on video_generation_jobs (status);
create index if not exists idx_video_generation_jobs_created_at on video_generation_jobs (created_at desc);

create unique index if not exists one_processing_video_job_per_story
  on video_generation_jobs (story_id) where status = 'processing';

-- The scenes' images as they were when the job started: the video is made from these even if an image
-- job replaces the scenes' images meanwhile (image files are never deleted).
create table if not exists video_generation_job_scenes (
  job_id uuid not null references video_generation_jobs (id) on delete cascade,
  scene_id uuid not null references scenes (id) on delete cascade,
  position integer not null,
  image_key text not null,
  primary key (job_id, scene_id)
);

alter table video_generation_jobs enable row level security;
alter table video_generation_job_scenes enable row level security;

drop policy if exists "Users can view their own video generation jobs" on video_generation_jobs;
create policy "Users can view their own video generation jobs" on video_generation_jobs
  for select using (auth.uid() = user_id);
drop policy if exists "Users can create video generation jobs for their stories" on video_generation_jobs;
create policy "Users can create video generation jobs for their stories" on video_generation_jobs
  for insert with check (
    auth.uid() = user_id
    and exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
drop policy if exists "Users can update their own video generation jobs" on video_generation_jobs;
create policy "Users can update their own video generation jobs" on video_generation_jobs
  for update using (auth.uid() = user_id);

drop policy if exists "Users can view the scenes of their own video jobs" on video_generation_job_scenes;
create policy "Users can view the scenes of their own video jobs" on video_generation_job_scenes
  for select using (exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
