-- Audio projects count their saves. The multitrack editor sends the revision its document was loaded at, and the
-- save is written only when the row is still at it, so an editor open in a second tab cannot silently replace
-- what the first one saved (docs/decisions/022).
alter table public.audio_projects add column revision integer not null default 1 check (revision >= 1);
