-- A run keeps the definition it ran (validated), so editing the workflow later does not change a run under way.
alter table public.workflow_runs add column definition jsonb not null default '{}'::jsonb;

-- One row per node of a workflow run: its status, its output (text inline, media as the generation that holds
-- it in the library), its cost and its error. `(run_id, node_id)` is unique, so a node job that runs twice
-- finds the row it already claimed and does nothing.
create table public.workflow_node_runs (
	id uuid primary key default gen_random_uuid(),
	run_id uuid not null,
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	node_id text not null check (length(node_id) between 1 and 40),
	kind text not null,
	status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'canceled')),
	output jsonb,
	generation_id uuid,
	cost_micros bigint not null default 0,
	error text,
	started_at timestamptz,
	completed_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (run_id, node_id),
	foreign key (run_id) references public.workflow_runs (id) on delete cascade deferrable,
	foreign key (generation_id, user_id) references public.generations (id, user_id) on delete set null (generation_id) deferrable
);
create index workflow_node_runs_user_idx on public.workflow_node_runs (user_id);
create index workflow_node_runs_generation_idx on public.workflow_node_runs (generation_id);

alter table public.workflow_node_runs enable row level security;
revoke all on public.workflow_node_runs from anon, authenticated;
grant all on public.workflow_node_runs to service_role;
create trigger workflow_node_runs_set_updated_at before update on public.workflow_node_runs
	for each row execute function public.set_updated_at();

-- People read their runs' nodes and create them with their own run; the run's workers (privileged) write them.
create policy workflow_node_runs_select_own on public.workflow_node_runs for select to authenticated
	using (user_id = (select auth.uid()));
create policy workflow_node_runs_insert_own on public.workflow_node_runs for insert to authenticated
	with check (
		user_id = (select auth.uid())
		and exists (select 1 from public.workflow_runs r where r.id = run_id and r.user_id = (select auth.uid()))
	);
grant select, insert (run_id, user_id, node_id, kind) on public.workflow_node_runs to authenticated;
