-- Undoes 20261205183800_share_links.
drop function if exists public.record_share_view(text, integer);
drop policy if exists workflow_node_runs_anon_shared on public.workflow_node_runs;
revoke all on public.workflow_node_runs from anon;
drop policy if exists workflow_runs_anon_shared on public.workflow_runs;
revoke all on public.workflow_runs from anon;
drop policy if exists generations_anon_share_media on public.generations;
grant select (current_leaf_id) on public.conversations to anon;
drop policy if exists attachments_anon_shared on public.attachments;
create policy attachments_anon_shared on public.attachments for select to anon
	using (message_id is not null and exists (
		select 1 from public.messages m where m.id = attachments.message_id and public.is_shared('conversation', m.conversation_id)
	));
drop policy if exists messages_anon_shared on public.messages;
create policy messages_anon_shared on public.messages for select to anon
	using (public.is_shared('conversation', conversation_id));
drop policy if exists shared_content_anon_by_slug on public.shared_content;
create policy shared_content_anon_by_slug on public.shared_content for select to anon
	using (slug = public.current_share_slug() and revoked_at is null);
revoke select on public.shared_content from anon;
grant select (id, slug, kind, target_id, revoked_at, created_at) on public.shared_content to anon;
drop function if exists public.live_share_id();
create or replace function public.is_shared(share_kind text, target uuid) returns boolean
language sql stable
as $$
	select exists (
		select 1 from public.shared_content s
		where s.slug = public.current_share_slug() and s.revoked_at is null and s.kind = share_kind and s.target_id = target
	)
$$;
drop table public.share_views;
revoke update on public.shared_content from authenticated;
grant update on public.shared_content to authenticated;
drop index if exists public.shared_content_expires_idx;
alter table public.shared_content
	drop column view_count, drop column generation_ids, drop column run_id, drop column message_ids,
	drop column expires_at, drop column title;
