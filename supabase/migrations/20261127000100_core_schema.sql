-- The whole product schema. Conventions:
-- * uuid keys (gen_random_uuid()), created_at/updated_at with the set_updated_at trigger;
-- * a CHECK on every enum-like column; money as USD micro-units (bigint, 1 USD = 1_000_000);
-- * every row a user owns carries user_id -> users on delete cascade: deleting a user removes everything;
-- * children reference parents by (id, user_id) or (id, conversation_id) composite keys, so a row can
--   never point at another user's row, whoever writes it (RLS or privileged code);
-- * foreign keys are DEFERRABLE (initially immediate) so a logical restore can load tables in any order;
-- * RLS on every table; `authenticated` reaches only its own rows (auth.uid()), `anon` nothing here
--   (public sharing is added by 20261127000200_public_sharing). Privileged code (the owner) bypasses RLS.
-- * full-text search uses the 'english' configuration: query with websearch_to_tsquery('english', $1).

create table public.users (
	id uuid primary key default gen_random_uuid(),
	email text not null check (length(email) between 3 and 320 and position('@' in email) > 1),
	name text not null default '' check (length(name) <= 200),
	role text not null default 'user' check (role in ('user', 'admin')),
	password_hash text,
	monthly_budget_usd numeric(12, 2) check (monthly_budget_usd >= 0),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create unique index users_email_lower_key on public.users (lower(email));

create table public.identities (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	provider text not null check (provider in ('github', 'google')),
	provider_user_id text not null check (length(provider_user_id) between 1 and 255),
	email text,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (provider, provider_user_id)
);
create index identities_user_id_idx on public.identities (user_id);

create table public.sessions (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	last_seen_at timestamptz not null default now(),
	expires_at timestamptz not null,
	user_agent text check (length(user_agent) <= 1000),
	ip text check (length(ip) <= 64)
);
create index sessions_user_id_idx on public.sessions (user_id, last_seen_at desc);
create index sessions_expires_at_idx on public.sessions (expires_at);

create table public.api_tokens (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	name text not null check (length(name) between 1 and 100),
	token_hash text not null unique,
	last_used_at timestamptz,
	revoked_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index api_tokens_user_id_idx on public.api_tokens (user_id, created_at desc);

create table public.conversations (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	title text not null default 'New chat' check (length(title) <= 500),
	model text,
	system_prompt text,
	pinned boolean not null default false,
	current_leaf_id uuid,
	search tsvector generated always as (to_tsvector('english', coalesce(title, ''))) stored,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (id, user_id)
);
create index conversations_user_updated_idx on public.conversations (user_id, updated_at desc);
create index conversations_user_pinned_idx on public.conversations (user_id, pinned, updated_at desc);
create index conversations_current_leaf_idx on public.conversations (current_leaf_id);
create index conversations_search_idx on public.conversations using gin (search);

create table public.messages (
	id uuid primary key default gen_random_uuid(),
	conversation_id uuid not null,
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	parent_id uuid,
	role text not null check (role in ('user', 'assistant', 'system')),
	content text not null default '',
	model text,
	status text not null default 'complete' check (status in ('complete', 'streaming', 'error', 'stopped')),
	error text,
	input_tokens integer check (input_tokens >= 0),
	output_tokens integer check (output_tokens >= 0),
	cost_micros bigint not null default 0 check (cost_micros >= 0),
	search tsvector generated always as (to_tsvector('english', content)) stored,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (id, user_id),
	unique (id, conversation_id),
	foreign key (conversation_id, user_id) references public.conversations (id, user_id) on delete cascade deferrable,
	-- a reply lives in its parent's conversation; deleting a message removes its branch
	foreign key (parent_id, conversation_id) references public.messages (id, conversation_id) on delete cascade deferrable
);
create index messages_conversation_created_idx on public.messages (conversation_id, created_at);
create index messages_user_id_idx on public.messages (user_id, created_at desc);
create index messages_parent_id_idx on public.messages (parent_id);
create index messages_search_idx on public.messages using gin (search);

-- the leaf must belong to the same conversation; deleting it only clears the pointer
alter table public.conversations
	add constraint conversations_current_leaf_fkey foreign key (current_leaf_id, id)
	references public.messages (id, conversation_id) on delete set null (current_leaf_id) deferrable;

create table public.attachments (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	message_id uuid,
	bucket text not null check (bucket in ('media', 'attachments')),
	-- storage keys live under the owner's folder, as the storage policies require
	key text not null check (split_part(key, '/', 1) = user_id::text and length(key) <= 1024),
	content_type text not null check (length(content_type) <= 255),
	size bigint not null check (size >= 0),
	name text not null default '' check (length(name) <= 500),
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (bucket, key),
	foreign key (message_id, user_id) references public.messages (id, user_id) on delete set null (message_id) deferrable
);
create index attachments_user_created_idx on public.attachments (user_id, created_at desc);
create index attachments_message_id_idx on public.attachments (message_id);

create table public.generations (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	kind text not null check (kind in ('image', 'video', 'audio', 'text')),
	status text not null default 'queued'
		check (status in ('queued', 'running', 'processing', 'succeeded', 'failed', 'canceled')),
	provider text not null check (provider in ('openai', 'replicate', 'offline')),
	model text not null,
	prompt text not null default '',
	params jsonb not null default '{}'::jsonb,
	outputs jsonb not null default '[]'::jsonb,
	error text,
	cost_micros bigint not null default 0 check (cost_micros >= 0),
	parent_id uuid,
	idempotency_key text check (length(idempotency_key) between 1 and 200),
	prediction_id text,
	started_at timestamptz,
	completed_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (id, user_id),
	foreign key (parent_id, user_id) references public.generations (id, user_id) on delete set null (parent_id) deferrable
);
create index generations_user_created_idx on public.generations (user_id, created_at desc);
create index generations_user_kind_created_idx on public.generations (user_id, kind, created_at desc);
create index generations_parent_id_idx on public.generations (parent_id);
create index generations_active_idx on public.generations (status, updated_at) where status in ('queued', 'running', 'processing');
create unique index generations_user_idempotency_key on public.generations (user_id, idempotency_key) where idempotency_key is not null;
create unique index generations_prediction_key on public.generations (provider, prediction_id) where prediction_id is not null;

create table public.idempotency_keys (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	key text not null check (length(key) between 1 and 200),
	request_hash text not null,
	result_kind text check (result_kind in ('generation', 'conversation', 'message', 'workflow_run', 'audio_project', 'shared_content')),
	result_id uuid,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (user_id, key),
	check ((result_kind is null) = (result_id is null))
);
create index idempotency_keys_created_idx on public.idempotency_keys (created_at);

create table public.api_usage (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	provider text not null check (provider in ('openai', 'replicate', 'offline')),
	model text not null,
	capability text not null
		check (capability in ('chat', 'title', 'image', 'video', 'speech', 'music', 'transcribe', 'vision')),
	input_tokens integer check (input_tokens >= 0),
	output_tokens integer check (output_tokens >= 0),
	units numeric(14, 4) check (units >= 0),
	unit text check (unit in ('image', 'second', 'character', 'request')),
	cost_micros bigint not null default 0 check (cost_micros >= 0),
	generation_id uuid,
	message_id uuid,
	created_at timestamptz not null default now(),
	check ((units is null) = (unit is null)),
	-- usage is the cost ledger: it outlives the generation or message it was for
	foreign key (generation_id, user_id) references public.generations (id, user_id) on delete set null (generation_id) deferrable,
	foreign key (message_id, user_id) references public.messages (id, user_id) on delete set null (message_id) deferrable
);
create index api_usage_user_created_idx on public.api_usage (user_id, created_at desc);
create index api_usage_generation_id_idx on public.api_usage (generation_id);
create index api_usage_message_id_idx on public.api_usage (message_id);
create index api_usage_created_idx on public.api_usage (created_at desc);

create table public.workflows (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	name text not null check (length(name) between 1 and 200),
	definition jsonb not null default '{}'::jsonb,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (id, user_id)
);
create index workflows_user_updated_idx on public.workflows (user_id, updated_at desc);

create table public.workflow_runs (
	id uuid primary key default gen_random_uuid(),
	workflow_id uuid not null,
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'canceled')),
	inputs jsonb not null default '{}'::jsonb,
	outputs jsonb not null default '{}'::jsonb,
	step_results jsonb not null default '[]'::jsonb,
	error text,
	started_at timestamptz,
	completed_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	foreign key (workflow_id, user_id) references public.workflows (id, user_id) on delete cascade deferrable
);
create index workflow_runs_workflow_created_idx on public.workflow_runs (workflow_id, created_at desc);
create index workflow_runs_user_created_idx on public.workflow_runs (user_id, created_at desc);

create table public.audio_projects (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	name text not null check (length(name) between 1 and 200),
	data jsonb not null default '{}'::jsonb,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index audio_projects_user_updated_idx on public.audio_projects (user_id, updated_at desc);

create table public.shared_content (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	-- unguessable: at least 16 url-safe characters (the app makes 22 from 128 random bits)
	slug text not null unique check (slug ~ '^[A-Za-z0-9_-]{16,64}$'),
	kind text not null check (kind in ('conversation', 'generation', 'workflow', 'audio_project')),
	target_id uuid not null,
	revoked_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now()
);
create index shared_content_user_id_idx on public.shared_content (user_id, created_at desc);
create index shared_content_target_idx on public.shared_content (kind, target_id);

create table public.models (
	id text primary key check (id ~ '^[a-z0-9_-]+:.+$'),
	provider text not null check (provider in ('openai', 'replicate', 'offline')),
	capabilities text[] not null default '{}'
		check (capabilities <@ array['chat', 'title', 'image', 'video', 'speech', 'music', 'transcribe', 'vision']::text[]),
	display_name text not null,
	prices jsonb not null default '{}'::jsonb,
	enabled boolean not null default true,
	synced_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	check (split_part(id, ':', 1) = provider)
);
create index models_provider_idx on public.models (provider);

create table public.webhook_events (
	id text primary key check (length(id) between 1 and 255),
	provider text not null check (provider in ('openai', 'replicate', 'offline')),
	received_at timestamptz not null default now()
);
create index webhook_events_received_idx on public.webhook_events (received_at);

-- A share may only point at something its owner owns (checked as the caller, so under RLS too) ...
create function public.shared_content_check_target() returns trigger
language plpgsql
as $$
declare
	found boolean;
begin
	found := case new.kind
		when 'conversation' then exists (select 1 from public.conversations t where t.id = new.target_id and t.user_id = new.user_id)
		when 'generation' then exists (select 1 from public.generations t where t.id = new.target_id and t.user_id = new.user_id)
		when 'workflow' then exists (select 1 from public.workflows t where t.id = new.target_id and t.user_id = new.user_id)
		when 'audio_project' then exists (select 1 from public.audio_projects t where t.id = new.target_id and t.user_id = new.user_id)
		else true -- an unknown kind is the CHECK constraint's to reject
	end;
	if not found then
		raise exception 'shared % % does not exist or belongs to someone else', new.kind, new.target_id
			using errcode = 'foreign_key_violation';
	end if;
	return new;
end
$$;
create trigger shared_content_check_target before insert or update of kind, target_id, user_id on public.shared_content
	for each row execute function public.shared_content_check_target();

-- ... and goes away with it.
create function public.delete_shares_of_target() returns trigger
language plpgsql
as $$
begin
	delete from public.shared_content where kind = tg_argv[0] and target_id = old.id;
	return old;
end
$$;
create trigger conversations_delete_shares after delete on public.conversations
	for each row execute function public.delete_shares_of_target('conversation');
create trigger generations_delete_shares after delete on public.generations
	for each row execute function public.delete_shares_of_target('generation');
create trigger workflows_delete_shares after delete on public.workflows
	for each row execute function public.delete_shares_of_target('workflow');
create trigger audio_projects_delete_shares after delete on public.audio_projects
	for each row execute function public.delete_shares_of_target('audio_project');

-- updated_at, RLS and a clean slate of privileges on every table (Supabase grants everything in
-- public to anon and authenticated by default; we grant back only what each role needs).
do $$
declare
	t text;
begin
	foreach t in array array[
		'users', 'identities', 'sessions', 'api_tokens', 'conversations', 'messages', 'attachments', 'generations',
		'idempotency_keys', 'api_usage', 'workflows', 'workflow_runs', 'audio_projects', 'shared_content', 'models',
		'webhook_events'
	] loop
		execute format('alter table public.%I enable row level security', t);
		execute format('revoke all on public.%I from anon, authenticated', t);
		execute format('grant all on public.%I to service_role', t);
		if exists (select 1 from information_schema.columns where table_schema = 'public' and table_name = t and column_name = 'updated_at') then
			execute format(
				'create trigger %I before update on public.%I for each row execute function public.set_updated_at()',
				t || '_set_updated_at', t
			);
		end if;
	end loop;
end
$$;

-- Owner policies. `(select auth.uid())` is evaluated once per statement, not once per row.
-- users: read, rename and delete yourself; sign-up, roles and budgets are privileged.
create policy users_select_own on public.users for select to authenticated using (id = (select auth.uid()));
create policy users_update_own on public.users for update to authenticated
	using (id = (select auth.uid())) with check (id = (select auth.uid()));
create policy users_delete_own on public.users for delete to authenticated using (id = (select auth.uid()));
grant select (id, email, name, role, monthly_budget_usd, created_at, updated_at), update (name), delete
	on public.users to authenticated;

-- sessions: list and sign out your own; creating and touching sessions happens at sign-in (privileged).
create policy sessions_select_own on public.sessions for select to authenticated using (user_id = (select auth.uid()));
create policy sessions_delete_own on public.sessions for delete to authenticated using (user_id = (select auth.uid()));
grant select, delete on public.sessions to authenticated;

-- identities: see and unlink your own, link a new one to yourself.
create policy identities_select_own on public.identities for select to authenticated using (user_id = (select auth.uid()));
create policy identities_insert_own on public.identities for insert to authenticated with check (user_id = (select auth.uid()));
create policy identities_delete_own on public.identities for delete to authenticated using (user_id = (select auth.uid()));
grant select, insert, delete on public.identities to authenticated;

-- api_tokens: the hash is written once and never read back through RLS.
create policy api_tokens_select_own on public.api_tokens for select to authenticated using (user_id = (select auth.uid()));
create policy api_tokens_insert_own on public.api_tokens for insert to authenticated with check (user_id = (select auth.uid()));
create policy api_tokens_update_own on public.api_tokens for update to authenticated
	using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy api_tokens_delete_own on public.api_tokens for delete to authenticated using (user_id = (select auth.uid()));
grant select (id, user_id, name, last_used_at, revoked_at, created_at, updated_at), insert (id, user_id, name, token_hash),
	update (name, revoked_at), delete on public.api_tokens to authenticated;

-- api_usage: the cost ledger is append-only for users (chat records usage in the request).
create policy api_usage_select_own on public.api_usage for select to authenticated using (user_id = (select auth.uid()));
create policy api_usage_insert_own on public.api_usage for insert to authenticated with check (user_id = (select auth.uid()));
grant select, insert on public.api_usage to authenticated;

-- generations: users create and cancel; workers (privileged) write outputs, costs and provider ids.
create policy generations_select_own on public.generations for select to authenticated using (user_id = (select auth.uid()));
create policy generations_insert_own on public.generations for insert to authenticated with check (user_id = (select auth.uid()));
create policy generations_update_own on public.generations for update to authenticated
	using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy generations_delete_own on public.generations for delete to authenticated using (user_id = (select auth.uid()));
grant select, insert (id, user_id, kind, status, provider, model, prompt, params, parent_id, idempotency_key),
	update (status), delete on public.generations to authenticated;

-- the rest: full read/write on your own rows.
do $$
declare
	t text;
begin
	foreach t in array array[
		'conversations', 'messages', 'attachments', 'idempotency_keys', 'workflows', 'workflow_runs', 'audio_projects',
		'shared_content'
	] loop
		execute format('create policy %I on public.%I for select to authenticated using (user_id = (select auth.uid()))', t || '_select_own', t);
		execute format('create policy %I on public.%I for insert to authenticated with check (user_id = (select auth.uid()))', t || '_insert_own', t);
		execute format(
			'create policy %I on public.%I for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))',
			t || '_update_own', t
		);
		execute format('create policy %I on public.%I for delete to authenticated using (user_id = (select auth.uid()))', t || '_delete_own', t);
		execute format('grant select, insert, update, delete on public.%I to authenticated', t);
	end loop;
end
$$;

-- models: the catalogue every signed-in user reads; only the privileged sync writes it.
create policy models_select_signed_in on public.models for select to authenticated using (true);
grant select on public.models to authenticated;

-- webhook_events: RLS on, no policy, no grant: privileged webhook handlers only.
