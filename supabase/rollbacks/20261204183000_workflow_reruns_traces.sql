-- Undoes 20261204183000_workflow_reruns_traces.
alter table public.workflow_node_runs drop column reused;
drop index public.workflow_runs_rerun_of_idx;
alter table public.workflow_runs drop constraint workflow_runs_rerun_of_fkey;
alter table public.workflow_runs drop column rerun_from;
alter table public.workflow_runs drop column rerun_of;
alter table public.workflow_runs drop column trace_context;
alter table public.workflow_runs drop constraint workflow_runs_id_user_key;
