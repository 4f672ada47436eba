drop trigger if exists api_usage_daily_update on public.api_usage;
drop trigger if exists api_usage_daily_delete on public.api_usage;
drop trigger if exists api_usage_daily_insert on public.api_usage;
drop function if exists public.api_usage_daily_refuse_update();
drop function if exists public.api_usage_daily_apply();
drop table if exists public.api_usage_daily;
