-- Undoes 20261127000200_public_sharing: anon loses every policy and column grant it gave.
drop policy if exists shared_content_anon_by_slug on public.shared_content;
drop policy if exists conversations_anon_shared on public.conversations;
drop policy if exists messages_anon_shared on public.messages;
drop policy if exists attachments_anon_shared on public.attachments;
drop policy if exists generations_anon_shared on public.generations;
drop policy if exists workflows_anon_shared on public.workflows;
drop policy if exists audio_projects_anon_shared on public.audio_projects;
revoke all on public.shared_content, public.conversations, public.messages, public.attachments, public.generations,
	public.workflows, public.audio_projects from anon;
drop function if exists public.is_shared(text, uuid);
drop function if exists public.current_share_slug();
