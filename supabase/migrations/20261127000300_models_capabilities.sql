-- The catalogue also offers image editing and upscaling: let the models table record those capabilities.
alter table public.models drop constraint models_capabilities_check;
alter table public.models add constraint models_capabilities_check check (
	capabilities <@ array['chat', 'title', 'image', 'imageEdit', 'upscale', 'video', 'speech', 'music', 'transcribe', 'vision']::text[]
);
