-- Walls the tables off from Supabase's public API. Runs unchanged in the Supabase SQL editor.
--
-- On Supabase, default privileges grant every table the project's login creates in public to anon and
-- authenticated, and the REST API serves them with the public anon key: Row Level Security is then the only wall,
-- and the policies of 0001-0006 named no role, so they let a user's own rows be changed through that API (a
-- finished job pointed at another user's story and revived, a processing job inserted around the service).
-- From here on:
--   * every policy names exactly the roles it is for;
--   * anon may do nothing; authenticated may read the user's own stories, scenes and jobs, and write nothing;
--   * a policy's auth.uid() is stored resolved, so the service's roles need no usage on Supabase's auth schema
--     (which the project's login may not be able to grant: 0005 then only warns);
--   * the request role may change a job only to fail it (the clear), and only its status, error and completion
--     time; no role but the owner may change a job's story_id or user_id.

-- Start from no policy at all, then create each one for the roles it is meant for.
do $$
declare
  p record;
begin
  for p in select policyname, tablename from pg_policies
            where schemaname = 'public'
              and tablename in ('stories', 'scenes', 'image_generation_jobs', 'image_generation_job_scenes',
                                'video_generation_jobs', 'video_generation_job_scenes', 'job_trace_parents') loop
    execute format('drop policy %I on %I', p.policyname, p.tablename);
  end loop;
end
$$;

-- The request role: the signed-in user's own rows, as the service's statements need them.
create policy "Requests read their user's stories" on stories
  for select to storymedia_api using (user_id = auth.uid());
create policy "Requests create stories for their user" on stories
  for insert to storymedia_api with check (user_id = auth.uid());
-- A start or a scene edit locks its story (select ... for update), which needs an update policy.
create policy "Requests lock their user's stories" on stories
  for update to storymedia_api using (user_id = auth.uid()) with check (user_id = auth.uid());

create policy "Requests read scenes of their user's stories" on scenes
  for select to storymedia_api using (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
create policy "Requests create scenes in their user's stories" on scenes
  for insert to storymedia_api with check (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
create policy "Requests edit scenes of their user's stories" on scenes
  for update to storymedia_api
  using (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()))
  with check (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));

create policy "Requests record the trace of their user's jobs" on job_trace_parents
  for insert to storymedia_api with check (
    exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid())
    or exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));

-- Both job tables alike: a job starts processing and unclaimed on the user's own story; the request role's only
-- change to a job is to fail it (a clear, or a stale job cleared by a start).
do $$
declare
  t text;
begin
  foreach t in array array['image_generation_jobs', 'video_generation_jobs'] loop
    execute format($p$create policy "Requests read their user's jobs" on %I
      for select to storymedia_api using (user_id = auth.uid())$p$, t);
    execute format($p$create policy "Requests start jobs on their user's stories" on %I
      for insert to storymedia_api with check (
        user_id = auth.uid() and status = 'processing' and worker_id is null and attempts = 0
        and exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()))$p$, t);
    execute format($p$create policy "Requests fail their user's jobs" on %I
      for update to storymedia_api using (user_id = auth.uid())
      with check (user_id = auth.uid() and status = 'failed')$p$, t);
    execute format('revoke update on %I from storymedia_api', t);
    execute format('grant update (status, error, completed_at) on %I to storymedia_api', t);
    -- Workers change a job's state, never whose it is or which story it is for.
    execute format('revoke update on %I from storymedia_worker', t);
    execute format('grant update (status, progress, error, completed_at, heartbeat_at, worker_id, lease_expires_at, attempts) on %I to storymedia_worker', t);
  end loop;
end
$$;
grant update (video_key) on video_generation_jobs to storymedia_worker;

create policy "Requests read images of their user's jobs" on image_generation_job_scenes
  for select to storymedia_api using (exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
create policy "Requests read the scenes of their user's video jobs" on video_generation_job_scenes
  for select to storymedia_api using (exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
create policy "Requests snapshot scenes into their user's starting video jobs" on video_generation_job_scenes
  for insert to storymedia_api with check (
    exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid() and j.status = 'processing'));

-- Workers act for every user (their writes are fenced by the guard's statements, and their grants are per column).
do $$
declare
  t text;
begin
  foreach t in array array['stories', 'scenes', 'image_generation_jobs', 'image_generation_job_scenes',
                           'video_generation_jobs', 'video_generation_job_scenes', 'job_trace_parents'] loop
    execute format($p$create policy "Workers run every user's jobs" on %I
      for all to storymedia_worker using (true) with check (true)$p$, t);
  end loop;
end
$$;

-- Supabase's API roles, where they exist: anon gets nothing; authenticated reads the user's own rows (the seed's
-- "users see their own jobs", which a host app may read through Supabase) and writes nothing.
do $$
declare
  t text;
  readable text[] := array['stories', 'scenes', 'image_generation_jobs', 'image_generation_job_scenes',
                           'video_generation_jobs', 'video_generation_job_scenes'];
begin
  foreach t in array readable || array['job_trace_parents'] loop
    execute format('revoke all on %I from public', t);
    if exists (select 1 from pg_roles where rolname = 'anon') then
      execute format('revoke all on %I from anon', t);
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
      execute format('revoke all on %I from authenticated', t);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    foreach t in array readable loop
      execute format('grant select on %I to authenticated', t);
    end loop;
    create policy "Users can view their own stories" on stories
      for select to authenticated using (user_id = auth.uid());
    create policy "Users can view scenes of their stories" on scenes
      for select to authenticated using (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
    create policy "Users can view their own image generation jobs" on image_generation_jobs
      for select to authenticated using (user_id = auth.uid());
    create policy "Users can view their own video generation jobs" on video_generation_jobs
      for select to authenticated using (user_id = auth.uid());
    create policy "Users can view images of their own jobs" on image_generation_job_scenes
      for select to authenticated using (exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
    create policy "Users can view the scenes of their own video jobs" on video_generation_job_scenes
      for select to authenticated using (exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
  end if;
end
$$;

