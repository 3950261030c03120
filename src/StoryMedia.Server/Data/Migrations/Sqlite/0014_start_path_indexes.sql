-- A start counts the user's waiting jobs (Jobs:MaxWaitingPerUser) under the user's lock: without these it walks
-- through every job the user ever had to find the processing ones.
create index if not exists idx_image_generation_jobs_user_processing on image_generation_jobs (user_id) where status = 'processing';
create index if not exists idx_video_generation_jobs_user_processing on video_generation_jobs (user_id) where status = 'processing';
create index if not exists idx_narration_generation_jobs_user_processing on narration_generation_jobs (user_id) where status = 'processing';
