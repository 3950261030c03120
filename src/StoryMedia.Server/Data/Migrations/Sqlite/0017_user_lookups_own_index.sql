-- A start's and a claim's lookups of one user's processing jobs say `user_id = … and status || '' = 'processing'`
-- (FairShareSql), and this index is made for exactly that: both its columns are their conditions. Under `status =
-- 'processing'` every partial index on processing jobs applied, and with statistics taken while no job processed the
-- planner costed each at about one row and read the whole backlog through the `(created_at)` one (docs/scaling.md). It
-- is a full index, so its size is never guessed from such statistics, and no lookup of a story can use it.
create index if not exists idx_image_generation_jobs_user_status on image_generation_jobs (user_id, (status || ''));
create index if not exists idx_video_generation_jobs_user_status on video_generation_jobs (user_id, (status || ''));
create index if not exists idx_narration_generation_jobs_user_status on narration_generation_jobs (user_id, (status || ''));
-- 0014's indexes, which only these lookups read; dropped last, so the tables are locked exclusively only from here to
-- the commit, not while the new indexes are built.
drop index if exists idx_image_generation_jobs_user_processing;
drop index if exists idx_video_generation_jobs_user_processing;
drop index if exists idx_narration_generation_jobs_user_processing;
