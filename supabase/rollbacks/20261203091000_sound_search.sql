-- Undoes 20261203091000_sound_search.
drop index public.generations_audio_search_idx;
