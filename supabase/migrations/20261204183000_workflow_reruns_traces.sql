-- Workflow runs: the trace a run belongs to (W3C traceparent of its run span, so every node's span joins it),
-- and "run again from here": the run a rerun started from and the node it reran from. A node row copied from
-- the earlier run (its output reused, nothing called) says so.
alter table public.workflow_runs add constraint workflow_runs_id_user_key unique (id, user_id);
alter table public.workflow_runs add column trace_context text check (length(trace_context) <= 200);
alter table public.workflow_runs add column rerun_of uuid;
alter table public.workflow_runs add column rerun_from text check (length(rerun_from) between 1 and 40);
alter table public.workflow_runs add constraint workflow_runs_rerun_of_fkey
	foreign key (rerun_of, user_id) references public.workflow_runs (id, user_id) on delete set null (rerun_of) deferrable;
create index workflow_runs_rerun_of_idx on public.workflow_runs (rerun_of);
alter table public.workflow_node_runs add column reused boolean not null default false;
