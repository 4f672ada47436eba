drop trigger if exists transcripts_library_counts on public.transcripts;
drop trigger if exists attachments_library_counts on public.attachments;
drop trigger if exists generations_library_counts on public.generations;
drop function if exists public.library_count_key(text, jsonb);
drop function if exists public.library_counts_track();
drop function if exists public.library_count_add(uuid, text, text, text, integer, integer);
drop table if exists public.library_counts;
