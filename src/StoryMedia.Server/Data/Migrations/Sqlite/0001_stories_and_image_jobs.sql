-- StoryMedia schema for embedded SQLite. Ids are canonical UUID text; instants are fixed-width
-- UTC ISO-8601 text written by the application, so text order is time order.

create table if not exists stories (
  id text primary key,
  user_id text not null,
  title text not null,
  style text not null default '',
  created_at text not null
);

create index if not exists idx_stories_user_id on stories (user_id, created_at desc);

create table if not exists scenes (
  id text primary key,
  story_id text not null references stories (id) on delete cascade,
  position integer not null,
  text text not null,
  image_key text,
  unique (story_id, position)
);

create table if not exists image_generation_jobs (
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

create index if not exists idx_image_generation_jobs_story_id on image_generation_jobs (story_id, created_at desc);
create index if not exists idx_image_generation_jobs_status on image_generation_jobs (status);
create index if not exists idx_image_generation_jobs_created_at on image_generation_jobs (created_at desc);

create unique index if not exists one_processing_image_job_per_story
  on image_generation_jobs (story_id) where status = 'processing';

create table if not exists image_generation_job_scenes (
  job_id text not null references image_generation_jobs (id) on delete cascade,
  scene_id text not null references scenes (id) on delete cascade,
  image_key text not null,
  primary key (job_id, scene_id)
);
