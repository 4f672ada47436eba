-- Share links (docs/decisions/027-share-links.md): a title, an optional expiry, exactly which messages of a
-- conversation a link shows, which workflow run's outputs and which extra media (an audio project's mixdown) it
-- exposes, and a view count that anon can only raise through record_share_view().
alter table public.shared_content
	add column title text check (length(title) <= 200),
	add column expires_at timestamptz,
	-- conversation shares: the messages shown (one branch, or a range of it), fixed when the link is made
	add column message_ids uuid[],
	-- workflow shares that include outputs: the run whose outputs are shown
	add column run_id uuid,
	-- generations the page may show beyond its target (a run's outputs, an audio project's mixdown)
	add column generation_ids uuid[] not null default '{}',
	add column view_count bigint not null default 0 check (view_count >= 0);
create index shared_content_expires_idx on public.shared_content (expires_at) where expires_at is not null;

-- Owners change a link's title, expiry and revocation; the count is written by record_share_view() only.
revoke update on public.shared_content from authenticated;
grant update (title, expires_at, revoked_at) on public.shared_content to authenticated;

-- One row per visitor (a keyed hash of address and browser, never the address itself) and share: a visit
-- counts when the visitor has not been counted within the window.
create table public.share_views (
	id uuid primary key default gen_random_uuid(),
	share_id uuid not null references public.shared_content (id) on delete cascade deferrable,
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	visitor text not null check (length(visitor) between 1 and 100),
	viewed_at timestamptz not null default now(),
	created_at timestamptz not null default now(),
	unique (share_id, visitor)
);
create index share_views_user_idx on public.share_views (user_id);
alter table public.share_views enable row level security;
revoke all on public.share_views from anon, authenticated;
grant all on public.share_views to service_role;
create policy share_views_select_own on public.share_views for select to authenticated
	using (user_id = (select auth.uid()));
grant select on public.share_views to authenticated;

-- A live share: the slug of this transaction, not revoked, not expired.
create or replace function public.is_shared(share_kind text, target uuid) returns boolean
language sql stable
as $$
	select exists (
		select 1 from public.shared_content s
		where s.slug = public.current_share_slug() and s.revoked_at is null
			and (s.expires_at is null or s.expires_at > now())
			and s.kind = share_kind and s.target_id = target
	)
$$;

-- The live share of this transaction, as a row anon may read.
create function public.live_share_id() returns uuid
language sql stable
as $$
	select s.id from public.shared_content s
	where s.slug = public.current_share_slug() and s.revoked_at is null and (s.expires_at is null or s.expires_at > now())
$$;
grant execute on function public.live_share_id() to anon, authenticated;

drop policy shared_content_anon_by_slug on public.shared_content;
create policy shared_content_anon_by_slug on public.shared_content for select to anon
	using (slug = public.current_share_slug() and revoked_at is null and (expires_at is null or expires_at > now()));
grant select (title, expires_at, message_ids, run_id, generation_ids, view_count) on public.shared_content to anon;

-- A conversation share shows its chosen messages only: never another branch.
drop policy messages_anon_shared on public.messages;
create policy messages_anon_shared on public.messages for select to anon
	using (exists (
		select 1 from public.shared_content s
		where s.id = public.live_share_id() and s.kind = 'conversation' and s.target_id = messages.conversation_id
			and messages.id = any (s.message_ids)
	));
drop policy attachments_anon_shared on public.attachments;
create policy attachments_anon_shared on public.attachments for select to anon
	using (message_id is not null and exists (
		select 1 from public.shared_content s
		where s.id = public.live_share_id() and s.kind = 'conversation' and attachments.message_id = any (s.message_ids)
	));
-- The leaf pointer would name a message of another branch.
revoke select (current_leaf_id) on public.conversations from anon;

-- Media a share names beyond its target (a run's outputs, an audio project's mixdown).
create policy generations_anon_share_media on public.generations for select to anon
	using (exists (
		select 1 from public.shared_content s where s.id = public.live_share_id() and generations.id = any (s.generation_ids)
	));

-- A workflow share with outputs: the one run it names, and that run's nodes (no costs, no inputs).
create policy workflow_runs_anon_shared on public.workflow_runs for select to anon
	using (exists (
		select 1 from public.shared_content s
		where s.id = public.live_share_id() and s.kind = 'workflow' and s.run_id = workflow_runs.id
			and s.target_id = workflow_runs.workflow_id
	));
grant select (id, workflow_id, status, created_at, completed_at) on public.workflow_runs to anon;
create policy workflow_node_runs_anon_shared on public.workflow_node_runs for select to anon
	using (exists (
		select 1 from public.shared_content s
		where s.id = public.live_share_id() and s.kind = 'workflow' and s.run_id = workflow_node_runs.run_id
	));
grant select (id, run_id, node_id, kind, status, output, generation_id) on public.workflow_node_runs to anon;

-- Counts a visit to the live share of this transaction. `p_visitor` is the caller's keyed hash; a visitor is
-- counted again only after `p_window_seconds` (null: never again, for crawlers). Returns whether the share is
-- live, so the page learns it in the same statement. The only write anon can make, and only to these columns.
create function public.record_share_view(p_visitor text, p_window_seconds integer) returns boolean
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
	share public.shared_content%rowtype;
	counted boolean;
begin
	select * into share from public.shared_content s
	where s.slug = public.current_share_slug() and s.revoked_at is null and (s.expires_at is null or s.expires_at > now());
	if not found then
		return false;
	end if;
	if p_visitor is null or length(p_visitor) not between 1 and 100 then
		return true;
	end if;
	insert into public.share_views as v (share_id, user_id, visitor) values (share.id, share.user_id, p_visitor)
	on conflict (share_id, visitor) do update set viewed_at = now()
		where p_window_seconds is not null and v.viewed_at < now() - make_interval(secs => p_window_seconds)
	returning true into counted;
	if counted then
		update public.shared_content set view_count = view_count + 1 where id = share.id;
	end if;
	return true;
end
$$;
revoke all on function public.record_share_view(text, integer) from public;
grant execute on function public.record_share_view(text, integer) to anon, authenticated;
