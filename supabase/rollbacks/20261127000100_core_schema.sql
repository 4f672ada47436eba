-- Undoes 20261127000100_core_schema: every table, its data, policies and triggers.
drop table if exists
	public.webhook_events,
	public.models,
	public.shared_content,
	public.audio_projects,
	public.workflow_runs,
	public.workflows,
	public.api_usage,
	public.idempotency_keys,
	public.generations,
	public.attachments,
	public.messages,
	public.conversations,
	public.api_tokens,
	public.sessions,
	public.identities,
	public.users
	cascade;
drop function if exists public.shared_content_check_target();
drop function if exists public.delete_shares_of_target();
