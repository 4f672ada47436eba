-- Sound search in the audio studio: Postgres full-text search over the prompts of a user's audio (the text spoken,
-- or the music or sound described). The 'simple' configuration: prompts are in any language, so no stemming.
create index generations_audio_search_idx on public.generations
	using gin (to_tsvector('simple', prompt))
	where kind = 'audio' and deleted_at is null;
