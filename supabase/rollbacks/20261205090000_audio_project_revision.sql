-- Undoes 20261205090000_audio_project_revision.
alter table public.audio_projects drop column revision;
