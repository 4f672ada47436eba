-- Undoes 20261201081500_deployment_settings.
drop table public.deployment_settings;
