-- A start reads its user's place in the queue in its own transaction, for the answer's queue_position, as the
-- request role: it may read its own user's last turn and nobody else's. Runs unchanged in the Supabase SQL editor.
grant select on job_turns to storymedia_api;

drop policy if exists "Requests read their user's turn" on job_turns;
create policy "Requests read their user's turn" on job_turns
  for select to storymedia_api using (user_id = auth.uid());
