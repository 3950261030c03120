-- Webhooks (issue 17). Runs unchanged in the Supabase SQL editor.
--
-- job_webhooks: the destination and events a start asked for, written in the start's transaction.
-- webhook_deliveries: the outbox. A row per event and destination, inserted in the same transaction as the change-log
-- event it reports (so a crash can neither lose nor invent one), then sent by any instance's deliverer under a lease.
create table if not exists job_webhooks (
  job_id uuid primary key,
  job_kind text not null,
  user_id uuid not null,
  url text not null,
  events text not null,
  created_at timestamptz not null
);

create table if not exists webhook_deliveries (
  id uuid primary key,
  job_id uuid not null,
  job_kind text not null,
  user_id uuid not null,
  event text not null,
  seq bigint not null,
  destination text not null,
  url text not null,
  body text not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  created_at timestamptz not null,
  next_attempt_at timestamptz not null,
  retry_until timestamptz not null,
  worker_id text,
  lease_expires_at timestamptz,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  last_status_code integer,
  last_response text,
  last_error text
);

-- The deliverer's claim reads only what waits; the order per job and destination reads by (job, url, seq).
create index if not exists idx_webhook_deliveries_pending on webhook_deliveries (next_attempt_at) where status = 'pending';
create index if not exists idx_webhook_deliveries_job on webhook_deliveries (job_id, url, seq);

alter table job_webhooks enable row level security;
alter table webhook_deliveries enable row level security;

-- A request writes its user's subscription (the start) and its user's deliveries (events of a start or a clear), and
-- reads them (the deliveries route); workers write the deliveries of the events they cause and send every delivery.
grant select, insert on job_webhooks to storymedia_api;
grant select on job_webhooks to storymedia_worker;
grant select, insert on webhook_deliveries to storymedia_api, storymedia_worker;
grant update (status, attempts, next_attempt_at, retry_until, worker_id, lease_expires_at, last_attempt_at, delivered_at,
              last_status_code, last_response, last_error) on webhook_deliveries to storymedia_worker;

drop policy if exists "Requests read their user's webhooks" on job_webhooks;
create policy "Requests read their user's webhooks" on job_webhooks
  for select to storymedia_api using (user_id = auth.uid());
drop policy if exists "Requests subscribe their user's jobs" on job_webhooks;
create policy "Requests subscribe their user's jobs" on job_webhooks
  for insert to storymedia_api with check (user_id = auth.uid());
drop policy if exists "Workers run every user's jobs" on job_webhooks;
create policy "Workers run every user's jobs" on job_webhooks
  for select to storymedia_worker using (true);

drop policy if exists "Requests read their user's deliveries" on webhook_deliveries;
create policy "Requests read their user's deliveries" on webhook_deliveries
  for select to storymedia_api using (user_id = auth.uid());
drop policy if exists "Requests record their user's deliveries" on webhook_deliveries;
create policy "Requests record their user's deliveries" on webhook_deliveries
  for insert to storymedia_api with check (user_id = auth.uid() and status = 'pending' and attempts = 0);
drop policy if exists "Workers deliver every user's webhooks" on webhook_deliveries;
create policy "Workers deliver every user's webhooks" on webhook_deliveries
  for all to storymedia_worker using (true) with check (true);

-- Supabase's API roles, where they exist: nothing (a destination URL may carry the host app's own token).
do $$
declare
  t text;
begin
  foreach t in array array['job_webhooks', 'webhook_deliveries'] loop
    execute format('revoke all on %I from public', t);
    if exists (select 1 from pg_roles where rolname = 'anon') then
      execute format('revoke all on %I from anon', t);
    end if;
    if exists (select 1 from pg_roles where rolname = 'authenticated') then
      execute format('revoke all on %I from authenticated', t);
    end if;
  end loop;
end
$$;
