-- Public share pages read as role `anon`, and only what one share points at. The page's transaction
-- sets `app.share_slug` (server/db setShareSlug); these policies let anon see a row only when a share
-- with exactly that slug, not revoked, points at it (or, for messages and attachments, at their
-- conversation). Without the setting anon sees nothing. Knowing the slug is the capability: it is
-- unguessable, and a revoked share stops working at once. Column grants keep private columns private.

create function public.current_share_slug() returns text
language sql stable
as $$ select nullif(current_setting('app.share_slug', true), '') $$;

create function public.is_shared(share_kind text, target uuid) returns boolean
language sql stable
as $$
	select exists (
		select 1 from public.shared_content s
		where s.slug = public.current_share_slug() and s.revoked_at is null and s.kind = share_kind and s.target_id = target
	)
$$;

grant execute on function public.current_share_slug() to anon, authenticated;
grant execute on function public.is_shared(text, uuid) to anon, authenticated;

create policy shared_content_anon_by_slug on public.shared_content for select to anon
	using (slug = public.current_share_slug() and revoked_at is null);
create policy conversations_anon_shared on public.conversations for select to anon
	using (public.is_shared('conversation', id));
create policy messages_anon_shared on public.messages for select to anon
	using (public.is_shared('conversation', conversation_id));
create policy attachments_anon_shared on public.attachments for select to anon
	using (message_id is not null and exists (
		select 1 from public.messages m where m.id = attachments.message_id and public.is_shared('conversation', m.conversation_id)
	));
create policy generations_anon_shared on public.generations for select to anon
	using (public.is_shared('generation', id));
create policy workflows_anon_shared on public.workflows for select to anon
	using (public.is_shared('workflow', id));
create policy audio_projects_anon_shared on public.audio_projects for select to anon
	using (public.is_shared('audio_project', id));

grant select (id, slug, kind, target_id, revoked_at, created_at) on public.shared_content to anon;
grant select (id, title, model, current_leaf_id, created_at, updated_at) on public.conversations to anon;
grant select (id, conversation_id, parent_id, role, content, model, status, created_at, updated_at) on public.messages to anon;
grant select (id, message_id, bucket, key, content_type, size, name, created_at) on public.attachments to anon;
grant select (id, kind, status, model, prompt, outputs, parent_id, created_at, completed_at) on public.generations to anon;
grant select (id, name, definition, created_at, updated_at) on public.workflows to anon;
grant select (id, name, data, created_at, updated_at) on public.audio_projects to anon;
