-- Undoes 20261207090000_models_changed.
drop trigger models_changed on public.models;
drop function public.notify_models_changed();
