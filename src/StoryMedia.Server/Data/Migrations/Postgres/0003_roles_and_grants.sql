-- Roles the service's transactions run as, and exactly what each may do. Runs unchanged in the Supabase
-- SQL editor (where roles anon, authenticated and service_role already exist and keep their own grants).
--
-- The service logs in as one role that owns the tables (it runs these migrations) and, inside every
-- transaction, switches to one of these with set_config('role', ..., true), as PostgREST does:
--   storymedia_api     a user's request. Not the owner and no BYPASSRLS, so Row Level Security applies;
--                      request.jwt.claims carries the user's claims and auth.uid() reads them.
--                      May read and create stories and scenes, read, start and clear (update) jobs,
--                      read a job's scene images. No delete anywhere.
--   storymedia_worker  job runners. Sees every job (its own policies below), may claim, heartbeat and
--                      finish jobs (update), record scene images, publish them to scenes (update), read
--                      stories and scenes. It cannot create stories or jobs and deletes nothing.
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
grant select, insert, update on image_generation_jobs to storymedia_api;
grant select on image_generation_job_scenes to storymedia_api;

grant select on stories to storymedia_worker;
grant select, update (image_key) on scenes to storymedia_worker;
grant select, update on image_generation_jobs to storymedia_worker;
grant select, insert, update on image_generation_job_scenes to storymedia_worker;

-- Workers act for every user, so their policies see every row; the users' policies of 0001 name no role
-- and apply to storymedia_api (and to Supabase's authenticated).
drop policy if exists "Workers read every story" on stories;
create policy "Workers read every story" on stories for select to storymedia_worker using (true);
drop policy if exists "Workers read and publish every scene" on scenes;
create policy "Workers read and publish every scene" on scenes for all to storymedia_worker using (true) with check (true);
drop policy if exists "Workers run every image generation job" on image_generation_jobs;
create policy "Workers run every image generation job" on image_generation_jobs for all to storymedia_worker using (true) with check (true);
drop policy if exists "Workers record every job's scene images" on image_generation_job_scenes;
create policy "Workers record every job's scene images" on image_generation_job_scenes for all to storymedia_worker using (true) with check (true);

-- Video generation jobs arrive in their own migration, which may run before or after this one: when the
-- table is already here it gets the same grants and worker policy as the image jobs.
do $$
begin
  if to_regclass('video_generation_jobs') is not null then
    grant select, insert, update on video_generation_jobs to storymedia_api;
    grant select, update on video_generation_jobs to storymedia_worker;
    drop policy if exists "Workers run every video generation job" on video_generation_jobs;
    create policy "Workers run every video generation job" on video_generation_jobs for all to storymedia_worker using (true) with check (true);
  end if;
end
$$;
