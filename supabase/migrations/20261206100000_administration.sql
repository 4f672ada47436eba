-- Administration (docs/decisions/031-administration.md): disabling accounts, switching models off, and an
-- append-only audit log of every administrator's action.

-- A disabled account keeps its data but cannot sign in, use a session or an API token until it is enabled.
alter table public.users add column disabled_at timestamptz;
grant select (disabled_at) on public.users to authenticated;

-- The sync recorded "the provider lists this model" in `enabled`; that fact moves to `listed`, and `enabled`
-- becomes the administrator's switch, which a sync never touches.
alter table public.models add column listed boolean not null default true;
update public.models set listed = enabled, enabled = true;

-- Whether the signed-in caller is an administrator. Security definer: it reads the caller's own row whatever
-- the column grants say; it reveals nothing but a boolean about the caller.
create function public.is_admin() returns boolean
language sql
stable
security definer
set search_path = public, pg_temp
as $$
	select exists (
		select 1 from public.users
		where id = (select auth.uid()) and role = 'admin' and deleted_at is null and disabled_at is null
	)
$$;
revoke all on function public.is_admin() from public;
grant execute on function public.is_admin() to authenticated;

-- Who did what to what, when, and the target's state before and after. No foreign keys: an entry outlives the
-- account it names (the e-mail is copied for that reason), and deleting an account must not touch the log.
create table public.admin_audit (
	id uuid primary key default gen_random_uuid(),
	actor_id uuid not null,
	actor_email text not null,
	action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
	target_type text not null check (target_type in ('user', 'model', 'job')),
	target_id text not null check (length(target_id) between 1 and 300),
	target_label text not null default '' check (length(target_label) <= 400),
	before jsonb,
	after jsonb,
	created_at timestamptz not null default now()
);
create index admin_audit_created_idx on public.admin_audit (created_at desc, id desc);
create index admin_audit_target_idx on public.admin_audit (target_type, target_id, created_at desc);

-- Readable by administrators, written only in the transaction of the action it records (privileged), never
-- changed: no update or delete policy, no update or delete grant for the app's roles, and a trigger that
-- refuses both even for the owner connection.
alter table public.admin_audit enable row level security;
revoke all on public.admin_audit from anon, authenticated;
grant all on public.admin_audit to service_role;
revoke update, delete, truncate on public.admin_audit from service_role;
create policy admin_audit_select_admin on public.admin_audit for select to authenticated
	using ((select public.is_admin()));
grant select on public.admin_audit to authenticated;

create function public.admin_audit_append_only() returns trigger
language plpgsql
as $$
begin
	raise exception 'the audit log is append-only: % is not allowed', tg_op
		using errcode = 'insufficient_privilege';
end
$$;
create trigger admin_audit_append_only before update or delete on public.admin_audit
	for each row execute function public.admin_audit_append_only();
create trigger admin_audit_no_truncate before truncate on public.admin_audit
	for each statement execute function public.admin_audit_append_only();
