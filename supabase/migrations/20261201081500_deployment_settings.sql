-- Facts every process of one deployment must agree on, written once by the first process and checked by the
-- others at start-up: e.g. which local media directory they share (server/storage/local.ts).
create table public.deployment_settings (
	id text primary key check (length(id) between 1 and 100),
	value text not null,
	created_at timestamptz not null default now()
);
-- RLS on, no policy, no grant to users: the privileged start-up code only.
alter table public.deployment_settings enable row level security;
revoke all on public.deployment_settings from anon, authenticated;
grant all on public.deployment_settings to service_role;
