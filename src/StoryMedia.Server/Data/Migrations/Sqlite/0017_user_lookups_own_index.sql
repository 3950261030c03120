-- A start's and a claim's lookups of one user's processing jobs say `user_id = … and status || '' = 'processing'`
-- (FairShareSql), and this is the one index whose predicate that matches. Under `status = 'processing'` every partial
-- index on processing jobs applied, and with statistics taken while no job processed the planner costed each at about
-- one row and read the whole backlog through the `(created_at)` one (docs/scaling.md).
drop index if exists idx_image_generation_jobs_user_processing;
drop index if exists idx_video_generation_jobs_user_processing;
drop index if exists idx_narration_generation_jobs_user_processing;
create index if not exists idx_image_generation_jobs_user_processing on image_generation_jobs (user_id) where status || '' = 'processing';
create index if not exists idx_video_generation_jobs_user_processing on video_generation_jobs (user_id) where status || '' = 'processing';
create index if not exists idx_narration_generation_jobs_user_processing on narration_generation_jobs (user_id) where status || '' = 'processing';
