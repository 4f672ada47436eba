-- Transcripts: a recording (an upload, or audio or video from the library) turned into timed segments by a
-- transcription job. The row points at the stored file (owner's folder, as the storage policies require), keeps
-- the job's progress and the segments as JSON (edited in place by their owner), and what it cost.
create table public.transcripts (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	status text not null default 'queued'
		check (status in ('queued', 'running', 'succeeded', 'failed', 'canceled')),
	provider text not null check (provider in ('openai', 'replicate', 'offline')),
	model text not null check (length(model) <= 200),
	name text not null default '' check (length(name) <= 500),
	bucket text not null check (bucket in ('media', 'attachments')),
	key text not null check (split_part(key, '/', 1) = user_id::text and length(key) <= 1024),
	content_type text not null check (length(content_type) <= 255),
	size bigint not null check (size >= 0),
	-- The library item it was made from, when it was picked there (the file is then that item's).
	source_generation_id uuid,
	language text check (length(language) <= 16),
	duration double precision check (duration >= 0),
	progress real not null default 0 check (progress between 0 and 1),
	segments jsonb not null default '[]'::jsonb,
	error text,
	cost_micros bigint not null default 0 check (cost_micros >= 0),
	started_at timestamptz,
	completed_at timestamptz,
	created_at timestamptz not null default now(),
	updated_at timestamptz not null default now(),
	unique (id, user_id),
	-- Only the owner's own library item can be the source: a row cannot hang under someone else's.
	foreign key (source_generation_id, user_id) references public.generations (id, user_id)
		on delete set null (source_generation_id) deferrable
);
create index transcripts_user_created_idx on public.transcripts (user_id, created_at desc);

alter table public.transcripts enable row level security;
revoke all on public.transcripts from anon, authenticated;
grant all on public.transcripts to service_role;
create trigger transcripts_set_updated_at before update on public.transcripts
	for each row execute function public.set_updated_at();

-- Users create, read, edit the segments of, cancel and delete their own; the worker (privileged) writes the rest.
create policy transcripts_select_own on public.transcripts for select to authenticated using (user_id = (select auth.uid()));
create policy transcripts_insert_own on public.transcripts for insert to authenticated with check (user_id = (select auth.uid()));
create policy transcripts_update_own on public.transcripts for update to authenticated
	using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy transcripts_delete_own on public.transcripts for delete to authenticated using (user_id = (select auth.uid()));
grant select,
	insert (id, user_id, provider, model, name, bucket, key, content_type, size, source_generation_id, language),
	update (segments, status, name), delete on public.transcripts to authenticated;
