-- Starts sent with an Idempotency-Key: the request's fingerprint while it runs, then its final answer, kept for
-- Idempotency:Window. The primary key decides which of simultaneous duplicates runs. Only the request role uses it,
-- for the signed-in user's own keys; workers and Supabase's API roles have nothing to do with it.
create table if not exists idempotent_requests (
  user_id uuid not null,
  idempotency_key text not null,
  fingerprint text not null,
  claim_id uuid not null,
  created_at timestamptz not null,
  status_code integer,
  content_type text,
  location text,
  response_body text,
  primary key (user_id, idempotency_key)
);

alter table idempotent_requests enable row level security;

grant select, insert, delete on idempotent_requests to storymedia_api;
-- A claim takes over an abandoned request (fingerprint, claim, time); the answer is recorded once.
grant update (fingerprint, claim_id, created_at, status_code, content_type, location, response_body) on idempotent_requests to storymedia_api;

create policy "Requests read their user's idempotency keys" on idempotent_requests
  for select to storymedia_api using (user_id = auth.uid());
create policy "Requests claim idempotency keys for their user" on idempotent_requests
  for insert to storymedia_api with check (user_id = auth.uid());
create policy "Requests answer their user's idempotency keys" on idempotent_requests
  for update to storymedia_api using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy "Requests forget their user's idempotency keys" on idempotent_requests
  for delete to storymedia_api using (user_id = auth.uid());

do $$
begin
  revoke all on idempotent_requests from public;
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on idempotent_requests from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on idempotent_requests from authenticated;
  end if;
end
$$;
