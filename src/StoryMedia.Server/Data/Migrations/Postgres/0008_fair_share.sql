-- Fair share between users (docs/fairness.md). Runs unchanged in the Supabase SQL editor.

-- When each user's last job was claimed: the fair claim's tie-break, so users with as many jobs running take turns.
-- One row per user who ever had a job claimed; only the workers read or write it.
create table if not exists job_turns (
  user_id uuid primary key,
  last_claimed_at timestamptz not null
);

alter table job_turns enable row level security;
drop policy if exists "Workers take turns for every user" on job_turns;
create policy "Workers take turns for every user" on job_turns
  for all to storymedia_worker using (true) with check (true);
grant select, insert on job_turns to storymedia_worker;
grant update (last_claimed_at) on job_turns to storymedia_worker;

do $$
begin
  revoke all on job_turns from public;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on job_turns from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on job_turns from authenticated;
  end if;
end
$$;

-- The claim, the queue position and the running count read only processing jobs: without this they walk every
-- job ever made. The start budget counts a user's jobs of the window.
create index if not exists idx_image_generation_jobs_processing on image_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_video_generation_jobs_processing on video_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_image_generation_jobs_user_created on image_generation_jobs (user_id, created_at);
create index if not exists idx_video_generation_jobs_user_created on video_generation_jobs (user_id, created_at);
