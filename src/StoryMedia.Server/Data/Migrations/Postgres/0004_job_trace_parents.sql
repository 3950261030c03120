-- The trace context of the request that started a job, so the worker's span (on any instance) joins the
-- request's trace. Telemetry only: a row may be missing, and it goes with its job.
create table if not exists job_trace_parents (
  job_id uuid primary key,
  trace_parent text not null
);
