-- Narration jobs (Narration/): a third kind on the same guard, and the video with sound. Runs unchanged in the Supabase
-- SQL editor. Policies and grants as 0007 writes them for the service's kinds: each policy names its role, the request
-- role may only fail a job, workers change only a job's state columns and the outputs they record.

-- A scene's published narration; audio_text is the text it speaks, so an edited scene's narration reads as out of date.
alter table scenes add column if not exists audio_key text;
alter table scenes add column if not exists audio_seconds double precision;
alter table scenes add column if not exists audio_text text;

-- The video's WebVTT subtitles, served beside it (Video:Subtitles = track).
alter table stories add column if not exists subtitles_key text;
alter table video_generation_jobs add column if not exists subtitles_key text;

-- A video takes the narration as it was when it started, like the images (null: the scene had no current narration).
alter table video_generation_job_scenes add column if not exists audio_key text;
alter table video_generation_job_scenes add column if not exists audio_seconds double precision;
alter table video_generation_job_scenes add column if not exists text text;

create table if not exists narration_generation_jobs (
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
  -- The voice (null: the provider's default).
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

-- The scenes a job narrates and their text, taken when it starts; each one's audio is recorded by a fenced write and
-- replaces the scene's narration only when the job completes.
create table if not exists narration_generation_job_scenes (
  job_id uuid not null references narration_generation_jobs (id) on delete cascade,
  scene_id uuid not null references scenes (id) on delete cascade,
  position integer not null,
  text text not null,
  audio_key text,
  audio_seconds double precision,
  primary key (job_id, scene_id)
);

alter table narration_generation_jobs enable row level security;
alter table narration_generation_job_scenes enable row level security;

grant select, insert on narration_generation_jobs to storymedia_api;
grant update (status, error, completed_at) on narration_generation_jobs to storymedia_api;
grant select, insert on narration_generation_job_scenes to storymedia_api;
grant select on narration_generation_jobs to storymedia_worker;
grant update (status, progress, error, completed_at, heartbeat_at, worker_id, lease_expires_at, attempts) on narration_generation_jobs to storymedia_worker;
grant select, update (audio_key, audio_seconds) on narration_generation_job_scenes to storymedia_worker;
grant update (audio_key, audio_seconds, audio_text) on scenes to storymedia_worker;
grant update (subtitles_key) on stories to storymedia_worker;
grant update (subtitles_key) on video_generation_jobs to storymedia_worker;

create policy "Requests read their user's jobs" on narration_generation_jobs
  for select to storymedia_api using (user_id = auth.uid());
create policy "Requests start jobs on their user's stories" on narration_generation_jobs
  for insert to storymedia_api with check (
    user_id = auth.uid() and status = 'processing' and worker_id is null and attempts = 0
    and exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
create policy "Requests fail their user's jobs" on narration_generation_jobs
  for update to storymedia_api using (user_id = auth.uid())
  with check (user_id = auth.uid() and status = 'failed');
create policy "Requests read the scenes of their user's narration jobs" on narration_generation_job_scenes
  for select to storymedia_api using (exists (select 1 from narration_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
create policy "Requests choose the scenes of their user's starting narration jobs" on narration_generation_job_scenes
  for insert to storymedia_api with check (
    audio_key is null
    and exists (select 1 from narration_generation_jobs j where j.id = job_id and j.user_id = auth.uid() and j.status = 'processing'));
create policy "Requests record the trace of their user's narration jobs" on job_trace_parents
  for insert to storymedia_api with check (exists (select 1 from narration_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
create policy "Workers run every user's jobs" on narration_generation_jobs
  for all to storymedia_worker using (true) with check (true);
create policy "Workers run every user's jobs" on narration_generation_job_scenes
  for all to storymedia_worker using (true) with check (true);

-- Supabase's API roles, where they exist: anon gets nothing; authenticated reads the user's own rows and writes nothing.
do $$
declare
  t text;
begin
  foreach t in array array['narration_generation_jobs', 'narration_generation_job_scenes'] loop
    execute format('revoke all on %I from public', t);
    if exists (select 1 from pg_roles where rolname = 'anon') then
      execute format('revoke all on %I from anon', t);
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
      execute format('revoke all on %I from authenticated', t);
      execute format('grant select on %I to authenticated', t);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    create policy "Users can view their own narration generation jobs" on narration_generation_jobs
      for select to authenticated using (user_id = auth.uid());
    create policy "Users can view the scenes of their own narration jobs" on narration_generation_job_scenes
      for select to authenticated using (exists (select 1 from narration_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
  end if;
end
$$;
