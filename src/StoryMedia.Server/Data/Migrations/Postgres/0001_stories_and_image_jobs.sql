-- StoryMedia schema for PostgreSQL / Supabase. Runs unchanged in the Supabase SQL editor.

-- Supabase provides auth.uid(); a plain PostgreSQL gets a shim that reads the request's JWT claims
-- the way Supabase does (request.jwt.claims, set per transaction by whoever runs the query).
create schema if not exists auth;

do $$
begin
  if to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
      language sql stable
      as $fn$
        select nullif(
          coalesce(
            current_setting('request.jwt.claim.sub', true),
            current_setting('request.jwt.claims', true)::jsonb ->> 'sub'),
          '')::uuid
      $fn$;
  end if;
end
$$;

create table if not exists stories (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  title text not null,
  style text not null default '',
  created_at timestamptz not null default now()
);

create index if not exists idx_stories_user_id on stories (user_id, created_at desc);

create table if not exists scenes (
  id uuid primary key default gen_random_uuid(),
  story_id uuid not null references stories (id) on delete cascade,
  position integer not null,
  text text not null,
  image_key text,
  unique (story_id, position)
);

create table if not exists image_generation_jobs (
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
  -- What the guard needs beyond the seed's columns.
  heartbeat_at timestamptz not null default now(),
  worker_id text,
  lease_expires_at timestamptz,
  attempts integer not null default 0,
  style text,
  instructions text
);

-- The seed's lookups: a story's jobs, jobs by status, newest first.
create index if not exists idx_image_generation_jobs_story_id on image_generation_jobs (story_id, created_at desc);
create index if not exists idx_image_generation_jobs_status on image_generation_jobs (status);
create index if not exists idx_image_generation_jobs_created_at on image_generation_jobs (created_at desc);

-- The guard: at most one processing job per story, enforced by the database across every instance.
create unique index if not exists one_processing_image_job_per_story
  on image_generation_jobs (story_id) where status = 'processing';

-- Images a job has made so far; they replace the scenes' images only when the job completes.
create table if not exists image_generation_job_scenes (
  job_id uuid not null references image_generation_jobs (id) on delete cascade,
  scene_id uuid not null references scenes (id) on delete cascade,
  image_key text not null,
  primary key (job_id, scene_id)
);

-- Row Level Security: a signed-in user sees and changes only their own stories and jobs.
alter table stories enable row level security;
alter table scenes enable row level security;
alter table image_generation_jobs enable row level security;
alter table image_generation_job_scenes enable row level security;

drop policy if exists "Users can view their own stories" on stories;
create policy "Users can view their own stories" on stories
  for select using (auth.uid() = user_id);
drop policy if exists "Users can create their own stories" on stories;
create policy "Users can create their own stories" on stories
  for insert with check (auth.uid() = user_id);

drop policy if exists "Users can view scenes of their stories" on scenes;
create policy "Users can view scenes of their stories" on scenes
  for select using (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
drop policy if exists "Users can create scenes in their stories" on scenes;
create policy "Users can create scenes in their stories" on scenes
  for insert with check (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));

drop policy if exists "Users can view their own image generation jobs" on image_generation_jobs;
create policy "Users can view their own image generation jobs" on image_generation_jobs
  for select using (auth.uid() = user_id);
drop policy if exists "Users can create image generation jobs for their stories" on image_generation_jobs;
create policy "Users can create image generation jobs for their stories" on image_generation_jobs
  for insert with check (
    auth.uid() = user_id
    and exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
drop policy if exists "Users can update their own image generation jobs" on image_generation_jobs;
create policy "Users can update their own image generation jobs" on image_generation_jobs
  for update using (auth.uid() = user_id);

drop policy if exists "Users can view images of their own jobs" on image_generation_job_scenes;
create policy "Users can view images of their own jobs" on image_generation_job_scenes
  for select using (exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
