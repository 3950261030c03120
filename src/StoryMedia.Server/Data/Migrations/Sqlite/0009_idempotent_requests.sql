-- Starts sent with an Idempotency-Key: the request's fingerprint while it runs, then its final answer, kept for
-- Idempotency:Window. The primary key decides which of simultaneous duplicates runs.
create table if not exists idempotent_requests (
  user_id text not null,
  idempotency_key text not null,
  fingerprint text not null,
  claim_id text not null,
  created_at text not null,
  status_code integer,
  content_type text,
  location text,
  response_body text,
  primary key (user_id, idempotency_key)
);
