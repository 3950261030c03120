-- Fair share between users (docs/fairness.md).

-- When each user's last job was claimed: the fair claim's tie-break, so users with as many jobs running take turns.
create table if not exists job_turns (
  user_id text primary key,
  last_claimed_at text not null
);

-- The claim, the queue position and the running count read only processing jobs; the start budget counts a user's
-- jobs of the window.
create index if not exists idx_image_generation_jobs_processing on image_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_video_generation_jobs_processing on video_generation_jobs (created_at) where status = 'processing';
create index if not exists idx_image_generation_jobs_user_created on image_generation_jobs (user_id, created_at);
create index if not exists idx_video_generation_jobs_user_created on video_generation_jobs (user_id, created_at);
