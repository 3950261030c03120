-- The writer's control over images. Runs unchanged in the Supabase SQL editor.
--
-- image_generation_job_plans: the scenes an image job makes (all of the story's, or the ones the writer chose) and the
-- seed each is drawn with, written by the start in its transaction, so a resumed job makes only the missing ones with
-- the same seeds. image_generation_job_scenes gains how each image was made (its provenance).

create table if not exists image_generation_job_plans (
  job_id uuid not null references image_generation_jobs (id) on delete cascade,
  scene_id uuid not null references scenes (id) on delete cascade,
  seed bigint not null,
  primary key (job_id, scene_id)
);

alter table image_generation_job_scenes add column if not exists provider text;
alter table image_generation_job_scenes add column if not exists model text;
alter table image_generation_job_scenes add column if not exists size text;
alter table image_generation_job_scenes add column if not exists seed bigint;
alter table image_generation_job_scenes add column if not exists prompt text;
alter table image_generation_job_scenes add column if not exists request_id text;
alter table image_generation_job_scenes add column if not exists duration_ms integer;
alter table image_generation_job_scenes add column if not exists provider_attempts integer;
alter table image_generation_job_scenes add column if not exists made_at timestamptz;

-- Provenance is looked up by the scene's current image.
create index if not exists idx_image_generation_job_scenes_image_key on image_generation_job_scenes (image_key);

alter table image_generation_job_plans enable row level security;

grant select, insert on image_generation_job_plans to storymedia_api;
grant select on image_generation_job_plans to storymedia_worker;

drop policy if exists "Requests read the plans of their user's jobs" on image_generation_job_plans;
create policy "Requests read the plans of their user's jobs" on image_generation_job_plans
  for select to storymedia_api using (exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
-- Only a starting job is planned: its own processing job, on scenes of the same story.
drop policy if exists "Requests plan their user's starting image jobs" on image_generation_job_plans;
create policy "Requests plan their user's starting image jobs" on image_generation_job_plans
  for insert to storymedia_api with check (
    exists (select 1 from image_generation_jobs j join scenes s on s.story_id = j.story_id
             where j.id = job_id and s.id = scene_id and j.user_id = auth.uid() and j.status = 'processing'));
drop policy if exists "Workers run every user's jobs" on image_generation_job_plans;
create policy "Workers run every user's jobs" on image_generation_job_plans
  for select to storymedia_worker using (true);

-- Supabase's API roles, where they exist: anon nothing; authenticated reads the user's own jobs' plans.
do $$
begin
  revoke all on image_generation_job_plans from public;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on image_generation_job_plans from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on image_generation_job_plans from authenticated;
    grant select on image_generation_job_plans to authenticated;
    drop policy if exists "Users can view the plans of their own image jobs" on image_generation_job_plans;
    create policy "Users can view the plans of their own image jobs" on image_generation_job_plans
      for select to authenticated using (exists (select 1 from image_generation_jobs j where j.id = job_id and j.user_id = auth.uid()));
  end if;
end
$$;
