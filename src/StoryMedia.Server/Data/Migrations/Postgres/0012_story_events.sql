-- The change log of each story (docs/events.md). Runs unchanged in the Supabase SQL editor.
--
-- story_events: every change of a story's jobs and media, appended in the transaction that makes the change, so a
-- reader never sees an event of a change that did not commit nor misses one that did. seq counts per story and is
-- assigned under a per-story lock held to commit, so events commit in seq order: a reader that has seen seq n has
-- seen everything before it. The story stream and the webhook outbox read it.
create table if not exists story_events (
  story_id uuid not null references stories (id) on delete cascade,
  seq bigint not null,
  user_id uuid not null,
  type text not null,
  job_kind text,
  job_id uuid,
  data text not null,
  created_at timestamptz not null,
  primary key (story_id, seq)
);

-- The pruner drops old events by age.
create index if not exists idx_story_events_created_at on story_events (created_at);

alter table story_events enable row level security;

grant select, insert on story_events to storymedia_api;
grant select, insert, delete on story_events to storymedia_worker;

drop policy if exists "Requests read their user's story events" on story_events;
create policy "Requests read their user's story events" on story_events
  for select to storymedia_api using (user_id = auth.uid());
-- A request logs changes of its user's own stories only.
drop policy if exists "Requests log changes of their user's stories" on story_events;
create policy "Requests log changes of their user's stories" on story_events
  for insert to storymedia_api with check (
    user_id = auth.uid() and exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
drop policy if exists "Workers log and prune every story's events" on story_events;
create policy "Workers log and prune every story's events" on story_events
  for all to storymedia_worker using (true) with check (true);

-- Supabase's API roles, where they exist: anon nothing; authenticated reads the user's own stories' events.
do $$
begin
  revoke all on story_events from public;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on story_events from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on story_events from authenticated;
    grant select on story_events to authenticated;
    drop policy if exists "Users can view their own stories' events" on story_events;
    create policy "Users can view their own stories' events" on story_events
      for select to authenticated using (user_id = auth.uid());
  end if;
end
$$;
