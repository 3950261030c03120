-- The scenes an image job makes and the seed of each (written when it starts), and how each image was made.

create table if not exists image_generation_job_plans (
  job_id text not null references image_generation_jobs (id) on delete cascade,
  scene_id text not null references scenes (id) on delete cascade,
  seed integer not null,
  primary key (job_id, scene_id)
);

alter table image_generation_job_scenes add column provider text;
alter table image_generation_job_scenes add column model text;
alter table image_generation_job_scenes add column size text;
alter table image_generation_job_scenes add column seed integer;
alter table image_generation_job_scenes add column prompt text;
alter table image_generation_job_scenes add column request_id text;
alter table image_generation_job_scenes add column duration_ms integer;
alter table image_generation_job_scenes add column provider_attempts integer;
alter table image_generation_job_scenes add column made_at text;

create index if not exists idx_image_generation_job_scenes_image_key on image_generation_job_scenes (image_key);
