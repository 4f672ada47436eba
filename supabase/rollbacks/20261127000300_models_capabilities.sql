-- Undoes 20261127000300_models_capabilities: the two capabilities are dropped from rows, then the old check returns.
update public.models set capabilities = array_remove(array_remove(capabilities, 'imageEdit'), 'upscale')
	where capabilities && array['imageEdit', 'upscale']::text[];
alter table public.models drop constraint models_capabilities_check;
alter table public.models add constraint models_capabilities_check check (
	capabilities <@ array['chat', 'title', 'image', 'video', 'speech', 'music', 'transcribe', 'vision']::text[]
);
