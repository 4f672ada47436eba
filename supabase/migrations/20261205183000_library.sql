-- The library (docs/decisions/026-library.md): every item a user owns — generations of every kind (mixdowns and
-- workflow outputs included), chat attachments, and transcripts with their uploaded recordings — browsed in one
-- list. Each of the three tables gets a favourite flag and a full-text column over what a person would search for
-- (the prompt, the file name), indexed with GIN and queried with websearch_to_tsquery('english', $1) as chat is.
-- File names are split at dots, dashes and underscores first, so "memo" finds "memo_final.wav".
alter table public.generations add column favorite boolean not null default false;
alter table public.attachments add column favorite boolean not null default false;
alter table public.transcripts add column favorite boolean not null default false;

alter table public.generations add column search tsvector
	generated always as (to_tsvector('english', prompt)) stored;
alter table public.attachments add column search tsvector
	generated always as (to_tsvector('english', regexp_replace(name, '[._-]+', ' ', 'g'))) stored;
alter table public.transcripts add column search tsvector
	generated always as (to_tsvector('english', regexp_replace(name, '[._-]+', ' ', 'g'))) stored;

create index generations_search_idx on public.generations using gin (search);
create index attachments_search_idx on public.attachments using gin (search);
create index transcripts_search_idx on public.transcripts using gin (search);

-- The library pages newest (or oldest) first with a (created_at, id) cursor over live rows of every kind.
create index generations_library_idx on public.generations (user_id, created_at desc, id desc) where deleted_at is null;
create index attachments_library_idx on public.attachments (user_id, created_at desc, id desc);
create index transcripts_library_idx on public.transcripts (user_id, created_at desc, id desc);
create index generations_user_favorite_idx on public.generations (user_id) where favorite and deleted_at is null;

-- Owners mark their own rows (the existing update policies apply; attachments already grant every column).
grant update (favorite) on public.generations to authenticated;
grant update (favorite) on public.transcripts to authenticated;
