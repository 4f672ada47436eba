-- Undoes 20261201001200_generation_trace_context.
alter table public.generations drop column trace_context;
