-- The image studio's gallery pages through one kind newest first with a (created_at, id) cursor; this index serves
-- that order for live rows, so a page costs the same on the first screen and the hundredth.
create index generations_gallery_idx on public.generations (user_id, kind, created_at desc, id desc)
	where deleted_at is null;
