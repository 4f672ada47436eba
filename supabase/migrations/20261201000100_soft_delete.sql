-- Deleting a chat, a generation or an account can be undone for 30 seconds (docs/decisions/015-undo-and-soft-delete.md):
-- the row is marked deleted_at, reads leave it out, and a job purges it when the time is up. API tokens use
-- revoked_at the same way. Users set deleted_at on their own chats and generations through RLS (the existing
-- update policies; only the column grant is new); accounts are marked and restored by the privileged auth code.
alter table public.conversations add column deleted_at timestamptz;
alter table public.generations add column deleted_at timestamptz;
alter table public.users add column deleted_at timestamptz;
-- The undo credential of a deleted account (a hash; the secret is only in the owner's browser for 30 seconds).
alter table public.users add column restore_token_hash text;

grant update (deleted_at) on public.conversations to authenticated;
grant update (deleted_at) on public.generations to authenticated;

-- Lists read only live rows; the purge job finds the deleted ones by this index.
create index conversations_deleted_at_idx on public.conversations (deleted_at) where deleted_at is not null;
create index generations_deleted_at_idx on public.generations (deleted_at) where deleted_at is not null;

-- A share of something deleted stops working at once, not when the purge runs. Restrictive: it narrows the
-- existing anon policies instead of widening them. (Signed-in reads filter deleted_at in their queries, so the
-- owner can still restore the row through RLS.)
create policy conversations_anon_not_deleted on public.conversations as restrictive for select to anon
	using (deleted_at is null);
create policy generations_anon_not_deleted on public.generations as restrictive for select to anon
	using (deleted_at is null);
