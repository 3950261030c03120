-- The tests' throwaway third kind of job (Jobs/NoteKind): a job table like every kind's, and the note a story shows.

create table if not exists note_generation_jobs (
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
  instructions text,
  note_key text
);

create index if not exists idx_note_generation_jobs_story_id on note_generation_jobs (story_id, created_at desc);

create unique index if not exists one_processing_note_job_per_story
  on note_generation_jobs (story_id) where status = 'processing';

create table if not exists story_notes (
  story_id text primary key references stories (id) on delete cascade,
  note_key text not null
);

-- Fair share (the service's 0008): only processing jobs, and a user's jobs of the window.
create index if not exists idx_note_generation_jobs_processing on note_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_note_generation_jobs_user_created on note_generation_jobs (user_id, created_at);
-- A user's processing jobs (the service's 0017): the index the user's lookups are made for.
create index if not exists idx_note_generation_jobs_user_status on note_generation_jobs (user_id, (status || ''));
