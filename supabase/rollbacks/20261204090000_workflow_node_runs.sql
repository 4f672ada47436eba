-- Undoes 20261204090000_workflow_node_runs.
drop table public.workflow_node_runs;
alter table public.workflow_runs drop column definition;
