-- Every process keeps the model catalogue in memory. A change to public.models (an administrator switching a
-- model off, a sync, a price edited in SQL) tells the others at commit, on the channel `models_changed`, so a
-- switched-off model disappears from every process's forms and API at once (server/db/listen.ts).
create function public.notify_models_changed() returns trigger
language plpgsql
set search_path = pg_catalog
as $$
begin
	perform pg_notify('models_changed', '');
	return null;
end;
$$;

create trigger models_changed
after insert or update or delete or truncate on public.models
for each statement execute function public.notify_models_changed();
