-- Undoes 20261203090000_transcripts.
drop table public.transcripts;
