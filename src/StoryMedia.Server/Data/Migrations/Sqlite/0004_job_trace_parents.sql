-- The trace context of the request that started a job, so the worker's span joins the request's trace.
create table if not exists job_trace_parents (
  job_id text primary key,
  trace_parent text not null
);
