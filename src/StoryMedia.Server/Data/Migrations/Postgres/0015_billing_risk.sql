-- No double billing unrecorded (docs/providers.md). Runs unchanged in the Supabase SQL editor.
--
-- image_generation_job_plans.called_attempt: the attempt of the job that last asked a paid provider for the scene,
-- written before the call. A later attempt that finds it set for a scene without an image knows that call may have
-- reached the provider and been billed, and says so on the new image (image_generation_job_scenes.billing_note).
alter table image_generation_job_plans add column if not exists called_attempt integer;
alter table image_generation_job_scenes add column if not exists billing_note text;

grant update (called_attempt) on image_generation_job_plans to storymedia_worker;
drop policy if exists "Workers mark the scenes they ask a provider for" on image_generation_job_plans;
create policy "Workers mark the scenes they ask a provider for" on image_generation_job_plans
  for update to storymedia_worker using (true) with check (true);
