-- Roles the service's transactions run as, and exactly what each may do. Runs unchanged in the Supabase
-- SQL editor (where roles anon, authenticated and service_role already exist and keep their own grants).
--
-- The service logs in as one role that owns the tables (it runs these migrations) and, inside every
-- transaction, switches to one of these with set_config('role', ..., true), as PostgREST does:
--   storymedia_api     a user's request. Not the owner and no BYPASSRLS, so Row Level Security applies;
--                      request.jwt.claims carries the user's claims and auth.uid() reads them.
--                      May read and create stories and scenes, lock its story, read, start and clear
--                      (update) jobs, snapshot a video job's scenes, record a job's trace context, read a
--                      job's scene images. No delete anywhere.
--   storymedia_worker  job runners. Sees every job (its own policies below), may claim, heartbeat and
--                      finish jobs (update), record scene images, publish them to scenes and a video to
--                      its story (update), read stories, scenes and trace contexts. It cannot create
--                      stories or jobs and deletes nothing.
-- Neither role can log in. Roles are cluster-wide: creating one that another database created already is fine.

do $$
declare
  r text;
begin
  foreach r in array array['storymedia_api', 'storymedia_worker'] loop
    if not exists (select 1 from pg_roles where rolname = r) then
      begin
        execute format('create role %I nologin nobypassrls', r);
      exception when duplicate_object or unique_violation then
        null; -- created meanwhile by a migration of another database in the same cluster
      end;
    end if;
    -- The service's login switches to the role, so it must be a member (a superuser already is). 'usage' and not
    -- 'member': on PostgreSQL 16+ the creator of a role holds it with admin option but without the right to SET it.
    if not pg_has_role(current_user, r, 'usage') then
      execute format('grant %I to %I', r, current_user);
    end if;
    execute format('grant usage on schema public to %I', r);
    -- The policies call auth.uid(). On Supabase the auth schema belongs to supabase_admin; where the login may not
    -- grant it, the migration goes on and docs/security.md says what to do (or use authenticated and service_role).
    if not has_schema_privilege(r, 'auth', 'usage') then
      begin
        execute format('grant usage on schema auth to %I', r);
      exception when insufficient_privilege then
        raise warning 'Could not grant usage on schema auth to %: run "grant usage on schema auth to %" as the schema owner.', r, r;
      end;
    end if;
  end loop;
end
$$;

grant select, insert on stories, scenes to storymedia_api;
-- A start locks its story (select ... for no key update), which PostgreSQL allows only with an update right.
grant update (title, style) on stories to storymedia_api;
grant select, insert, update on image_generation_jobs, video_generation_jobs to storymedia_api;
grant select on image_generation_job_scenes to storymedia_api;
grant select, insert on video_generation_job_scenes to storymedia_api;
grant insert on job_trace_parents to storymedia_api;

grant select, update (video_key) on stories to storymedia_worker;
grant select, update (image_key) on scenes to storymedia_worker;
grant select, update on image_generation_jobs, video_generation_jobs to storymedia_worker;
grant select, insert, update on image_generation_job_scenes to storymedia_worker;
grant select on video_generation_job_scenes, job_trace_parents to storymedia_worker;

-- What the users' policies of 0001 and 0002 leave out for the request role: locking (updating) their own story,
-- the scene snapshot a video job takes when it starts, and the trace context of their own job.
drop policy if exists "Users can update their own stories" on stories;
create policy "Users can update their own stories" on stories
  for update using (auth.uid() = user_id) with check (auth.uid() = user_id);
drop policy if exists "Users can snapshot scenes into their own video jobs" on video_generation_job_scenes;
create policy "Users can snapshot scenes into their own video jobs" on video_generation_job_scenes
  for insert with check (exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
alter table job_trace_parents enable row level security;
drop policy if exists "Users can record the trace of their own jobs" on job_trace_parents;
create policy "Users can record the trace of their own jobs" on job_trace_parents
  for insert with check (
    exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid())
    or exists (select 1 from video_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));

-- Workers act for every user, so their policies see every row; the users' policies name no role and apply
-- to storymedia_api (and to Supabase's authenticated).
do $$
declare
  t text;
begin
  foreach t in array array['stories', 'scenes', 'image_generation_jobs', 'image_generation_job_scenes',
                           'video_generation_jobs', 'video_generation_job_scenes', 'job_trace_parents'] loop
    execute format('drop policy if exists "Workers run every user''s jobs" on %I', t);
    execute format('create policy "Workers run every user''s jobs" on %I for all to storymedia_worker using (true) with check (true)', t);
  end loop;
end
$$;
