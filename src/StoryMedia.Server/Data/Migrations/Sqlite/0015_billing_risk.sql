-- The attempt that last asked a paid provider for a scene, and the note on an image that may have been billed twice.
alter table image_generation_job_plans add column called_attempt integer;
alter table image_generation_job_scenes add column billing_note text;
