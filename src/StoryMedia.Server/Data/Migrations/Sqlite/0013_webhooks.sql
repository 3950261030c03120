-- Webhooks (issue 17): each start's subscription, and the outbox of deliveries, written in the transaction of the
-- change-log event each reports.
create table if not exists job_webhooks (
  job_id text primary key,
  job_kind text not null,
  user_id text not null,
  url text not null,
  events text not null,
  created_at text not null
);

create table if not exists webhook_deliveries (
  id text primary key,
  job_id text not null,
  job_kind text not null,
  user_id text not null,
  event text not null,
  seq integer not null,
  destination text not null,
  url text not null,
  body text not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  created_at text not null,
  next_attempt_at text not null,
  retry_until text not null,
  worker_id text,
  lease_expires_at text,
  last_attempt_at text,
  delivered_at text,
  last_status_code integer,
  last_response text,
  last_error text
);

create index if not exists idx_webhook_deliveries_pending on webhook_deliveries (next_attempt_at) where status = 'pending';
create index if not exists idx_webhook_deliveries_job on webhook_deliveries (job_id, url, seq);
