-- The library's count and its model choices without reading every item (docs/decisions/016-render-speed.md): one
-- row per user, type, kind and model with how many live items it holds and how many of those are favourites, kept
-- by triggers on the three item tables. The library adds up these rows for a view filtered by kind, model,
-- favourites or "from chat" (or not filtered); any other filter (status, dates, search, workflow or studio) counts
-- the matching items themselves. A row goes away when its last item does. Users read their own rows; only the
-- triggers write (security definer).
create table public.library_counts (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	type text not null check (type in ('generation', 'attachment', 'transcript')),
	kind text not null,
	-- '' where the item has no model (attachments)
	model text not null default '',
	items bigint not null default 0,
	favorites bigint not null default 0,
	created_at timestamptz not null default now(),
	unique (user_id, type, kind, model)
);
alter table public.library_counts enable row level security;
revoke all on public.library_counts from anon, authenticated;
create policy library_counts_select_own on public.library_counts for select to authenticated
	using (user_id = (select auth.uid()));
grant select on public.library_counts to authenticated;

-- Adds `p_items` items and `p_favorites` favourites (either may be negative) to a user's row for one key.
create function public.library_count_add(
	p_user uuid, p_type text, p_kind text, p_model text, p_items integer, p_favorites integer
) returns void
language plpgsql
security definer
set search_path = public, pg_temp
as $$
begin
	if p_items > 0 then
		insert into public.library_counts as c (user_id, type, kind, model, items, favorites)
		values (p_user, p_type, p_kind, coalesce(p_model, ''), p_items, p_favorites)
		on conflict (user_id, type, kind, model)
		do update set items = c.items + excluded.items, favorites = c.favorites + excluded.favorites;
	elsif p_items < 0 or p_favorites <> 0 then
		-- A removal never creates a row: when the user is being deleted, the cascade may have removed it already.
		update public.library_counts set items = items + p_items, favorites = favorites + p_favorites
		where user_id = p_user and type = p_type and kind = p_kind and model = coalesce(p_model, '');
		if p_items < 0 then
			delete from public.library_counts
			where user_id = p_user and type = p_type and kind = p_kind and model = coalesce(p_model, '') and items <= 0;
		end if;
	end if;
end
$$;
revoke all on function public.library_count_add(uuid, text, text, text, integer, integer) from public;

-- One trigger function for the three tables. `kind` and `model` are what the library shows: an attachment's kind
-- comes from its content type (as in server/domain/library/items.ts), a transcript's is 'transcript'; a generation
-- counts only while it is not deleted.
create function public.library_counts_track() returns trigger
language plpgsql
security definer
set search_path = public, pg_temp
as $$
declare
	old_live boolean := false;
	new_live boolean := false;
	old_key text[];
	new_key text[];
	old_fav integer := 0;
	new_fav integer := 0;
begin
	if tg_op in ('UPDATE', 'DELETE') then
		old_live := tg_table_name <> 'generations' or (to_jsonb(old)->>'deleted_at') is null;
		old_key := public.library_count_key(tg_table_name, to_jsonb(old));
		old_fav := case when old.favorite then 1 else 0 end;
	end if;
	if tg_op in ('UPDATE', 'INSERT') then
		new_live := tg_table_name <> 'generations' or (to_jsonb(new)->>'deleted_at') is null;
		new_key := public.library_count_key(tg_table_name, to_jsonb(new));
		new_fav := case when new.favorite then 1 else 0 end;
	end if;
	if old_live and new_live and old_key = new_key and old.user_id = new.user_id then
		if old_fav <> new_fav then
			perform public.library_count_add(new.user_id, new_key[1], new_key[2], new_key[3], 0, new_fav - old_fav);
		end if;
		return null;
	end if;
	if old_live then
		perform public.library_count_add(old.user_id, old_key[1], old_key[2], old_key[3], -1, -old_fav);
	end if;
	if new_live then
		perform public.library_count_add(new.user_id, new_key[1], new_key[2], new_key[3], 1, new_fav);
	end if;
	return null;
end
$$;
revoke all on function public.library_counts_track() from public;

-- The (type, kind, model) a row of one of the three tables is counted under.
create function public.library_count_key(p_table text, p_row jsonb) returns text[]
language sql
immutable
set search_path = public, pg_temp
as $$
	select case p_table
		when 'generations' then array['generation', p_row->>'kind', p_row->>'model']
		when 'attachments' then array['attachment',
			case when p_row->>'content_type' like 'image/%' then 'image' when p_row->>'content_type' like 'video/%' then 'video'
				when p_row->>'content_type' like 'audio/%' then 'audio' when p_row->>'content_type' like 'text/%' then 'text'
				else 'file' end,
			'']
		else array['transcript', 'transcript', p_row->>'model']
	end
$$;

create trigger generations_library_counts after insert or delete or update of user_id, kind, model, favorite, deleted_at
	on public.generations for each row execute function public.library_counts_track();
create trigger attachments_library_counts after insert or delete or update of user_id, content_type, favorite
	on public.attachments for each row execute function public.library_counts_track();
create trigger transcripts_library_counts after insert or delete or update of user_id, model, favorite
	on public.transcripts for each row execute function public.library_counts_track();

-- What is there already.
insert into public.library_counts (user_id, type, kind, model, items, favorites)
select user_id, key[1], key[2], coalesce(key[3], ''), count(*), count(*) filter (where favorite)
from (
	select g.user_id, public.library_count_key('generations', to_jsonb(g)) as key, g.favorite
	from public.generations g where g.deleted_at is null
	union all
	select a.user_id, public.library_count_key('attachments', to_jsonb(a)), a.favorite from public.attachments a
	union all
	select t.user_id, public.library_count_key('transcripts', to_jsonb(t)), t.favorite from public.transcripts t
) items
group by user_id, key[1], key[2], coalesce(key[3], '');
