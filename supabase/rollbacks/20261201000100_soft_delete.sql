-- Undoes 20261201000100_soft_delete: rows still waiting for their purge are deleted now, then the columns go.
drop policy generations_anon_not_deleted on public.generations;
drop policy conversations_anon_not_deleted on public.conversations;
revoke update (deleted_at) on public.generations from authenticated;
revoke update (deleted_at) on public.conversations from authenticated;
delete from public.conversations where deleted_at is not null;
delete from public.generations where deleted_at is not null;
delete from public.users where deleted_at is not null;
alter table public.users drop column restore_token_hash;
alter table public.users drop column deleted_at;
alter table public.generations drop column deleted_at;
alter table public.conversations drop column deleted_at;
