-- The change log of each story (docs/events.md): every change of a story's jobs and media, appended in the
-- transaction that makes the change; seq counts per story (SQLite's one writer keeps commit order = seq order).
create table if not exists story_events (
  story_id text not null references stories (id) on delete cascade,
  seq integer not null,
  user_id text not null,
  type text not null,
  job_kind text,
  job_id text,
  data text not null,
  created_at text not null,
  primary key (story_id, seq)
);

create index if not exists idx_story_events_created_at on story_events (created_at);
