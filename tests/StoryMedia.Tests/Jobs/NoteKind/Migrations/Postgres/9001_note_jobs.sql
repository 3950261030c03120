-- The tests' throwaway third kind of job (Jobs/NoteKind): a job table like every kind's, the note a story shows, and the
-- grants and policies the request and worker roles need, written as 0007 writes them for the service's kinds: each
-- policy names its role, the request role may only fail a job, workers change only a job's state columns.

create table if not exists note_generation_jobs (
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
  note_key text
);

create index if not exists idx_note_generation_jobs_story_id on note_generation_jobs (story_id, created_at desc);

create unique index if not exists one_processing_note_job_per_story
  on note_generation_jobs (story_id) where status = 'processing';

-- Fair share (the service's 0008 and 0017): only processing jobs, a user's jobs of the window, a user's processing jobs.
create index if not exists idx_note_generation_jobs_processing on note_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_note_generation_jobs_user_created on note_generation_jobs (user_id, created_at);
create index if not exists idx_note_generation_jobs_user_status on note_generation_jobs (user_id, (status || ''));

create table if not exists story_notes (
  story_id uuid primary key references stories (id) on delete cascade,
  note_key text not null
);

alter table note_generation_jobs enable row level security;
alter table story_notes enable row level security;

grant select, insert on note_generation_jobs to storymedia_api;
grant update (status, error, completed_at) on note_generation_jobs to storymedia_api;
grant select on note_generation_jobs to storymedia_worker;
grant update (status, progress, error, completed_at, heartbeat_at, worker_id, lease_expires_at, attempts, note_key) on note_generation_jobs to storymedia_worker;
grant select, insert, update on story_notes to storymedia_worker;

create policy "Requests read their user's jobs" on note_generation_jobs
  for select to storymedia_api using (user_id = auth.uid());
create policy "Requests start jobs on their user's stories" on note_generation_jobs
  for insert to storymedia_api with check (
    user_id = auth.uid() and status = 'processing' and worker_id is null and attempts = 0
    and exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
create policy "Requests fail their user's jobs" on note_generation_jobs
  for update to storymedia_api using (user_id = auth.uid())
  with check (user_id = auth.uid() and status = 'failed');
create policy "Requests record the trace of their user's note jobs" on job_trace_parents
  for insert to storymedia_api with check (exists (select 1 from note_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
create policy "Workers run every user's jobs" on note_generation_jobs
  for all to storymedia_worker using (true) with check (true);
create policy "Workers run every user's jobs" on story_notes
  for all to storymedia_worker using (true) with check (true);

-- Fair share (the service's 0008): only processing jobs, and a user's jobs of the window.
create index if not exists idx_note_generation_jobs_processing on note_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_note_generation_jobs_user_created on note_generation_jobs (user_id, created_at);
