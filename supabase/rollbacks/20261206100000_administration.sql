-- Undoes 20261206100000_administration.
drop table public.admin_audit;
drop function public.admin_audit_append_only();
drop function public.is_admin();
update public.models set enabled = enabled and listed;
alter table public.models drop column listed;
revoke select (disabled_at) on public.users from authenticated;
alter table public.users drop column disabled_at;
