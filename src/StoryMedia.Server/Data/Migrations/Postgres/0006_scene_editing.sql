-- Writers edit the text and order of their stories' scenes (PUT /api/stories/{id}/scenes). The request role may
-- change only those two columns, and only on scenes of the user's own stories. Runs unchanged in the Supabase SQL
-- editor. SQLite needs no counterpart: its statements filter on the owner themselves.
grant update (position, text) on scenes to storymedia_api;

drop policy if exists "Users can edit scenes of their stories" on scenes;
create policy "Users can edit scenes of their stories" on scenes
  for update
  using (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()))
  with check (exists (select 1 from stories s where s.id = story_id and s.user_id = auth.uid()));
