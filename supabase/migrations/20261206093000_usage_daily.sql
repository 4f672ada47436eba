-- Usage analytics (docs/decisions/030-usage-analytics.md): the ledger summed per user, UTC day, model and
-- capability, kept by triggers on api_usage in the same transaction as each ledger write, so a page over a year of
-- a busy account reads a few thousand rows instead of a hundred thousand. api_usage stays the truth: the rollup is
-- rebuilt from it here, and the integration tests check that the two agree.
create table public.api_usage_daily (
	id uuid primary key default gen_random_uuid(),
	user_id uuid not null references public.users (id) on delete cascade deferrable,
	-- the UTC calendar day of api_usage.created_at
	day date not null,
	model text not null,
	capability text not null,
	calls integer not null default 0 check (calls >= 0),
	cost_micros bigint not null default 0 check (cost_micros >= 0),
	input_tokens bigint not null default 0 check (input_tokens >= 0),
	output_tokens bigint not null default 0 check (output_tokens >= 0),
	images numeric(18, 4) not null default 0 check (images >= 0),
	seconds numeric(18, 4) not null default 0 check (seconds >= 0),
	characters numeric(18, 4) not null default 0 check (characters >= 0),
	created_at timestamptz not null default now(),
	-- also the index every analytics read walks: one user's days in order
	unique (user_id, day, model, capability)
);

alter table public.api_usage_daily enable row level security;
revoke all on public.api_usage_daily from anon, authenticated;
grant all on public.api_usage_daily to service_role;
-- Users read their own rollup; only the triggers below write it.
create policy api_usage_daily_select_own on public.api_usage_daily for select to authenticated
	using (user_id = (select auth.uid()));
grant select on public.api_usage_daily to authenticated;

-- Adds (sign 1) or takes away (sign -1) ledger rows, given as a query over a transition table or the row.
-- Security definer: users insert their own chat usage, but may not write the rollup directly.
create function public.api_usage_daily_apply() returns trigger
language plpgsql
security definer
set search_path = public, pg_temp
as $$
begin
	if tg_op = 'INSERT' then
		insert into public.api_usage_daily as d
			(user_id, day, model, capability, calls, cost_micros, input_tokens, output_tokens, images, seconds, characters)
		select user_id, (created_at at time zone 'utc')::date, model, capability, count(*), sum(cost_micros),
			coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
			coalesce(sum(units) filter (where unit = 'image'), 0),
			coalesce(sum(units) filter (where unit = 'second'), 0),
			coalesce(sum(units) filter (where unit = 'character'), 0)
		from new_rows group by 1, 2, 3, 4
		on conflict (user_id, day, model, capability) do update set
			calls = d.calls + excluded.calls,
			cost_micros = d.cost_micros + excluded.cost_micros,
			input_tokens = d.input_tokens + excluded.input_tokens,
			output_tokens = d.output_tokens + excluded.output_tokens,
			images = d.images + excluded.images,
			seconds = d.seconds + excluded.seconds,
			characters = d.characters + excluded.characters;
	else
		update public.api_usage_daily d set
			calls = d.calls - o.calls,
			cost_micros = d.cost_micros - o.cost_micros,
			input_tokens = d.input_tokens - o.input_tokens,
			output_tokens = d.output_tokens - o.output_tokens,
			images = d.images - o.images,
			seconds = d.seconds - o.seconds,
			characters = d.characters - o.characters
		from (
			select user_id, (created_at at time zone 'utc')::date as day, model, capability, count(*) as calls,
				sum(cost_micros) as cost_micros,
				coalesce(sum(input_tokens), 0) as input_tokens, coalesce(sum(output_tokens), 0) as output_tokens,
				coalesce(sum(units) filter (where unit = 'image'), 0) as images,
				coalesce(sum(units) filter (where unit = 'second'), 0) as seconds,
				coalesce(sum(units) filter (where unit = 'character'), 0) as characters
			from old_rows group by 1, 2, 3, 4
		) o
		where d.user_id = o.user_id and d.day = o.day and d.model = o.model and d.capability = o.capability;
		delete from public.api_usage_daily d where d.calls = 0;
	end if;
	return null;
end
$$;
revoke all on function public.api_usage_daily_apply() from public;

create trigger api_usage_daily_insert after insert on public.api_usage
	referencing new table as new_rows
	for each statement execute function public.api_usage_daily_apply();
create trigger api_usage_daily_delete after delete on public.api_usage
	referencing old table as old_rows
	for each statement execute function public.api_usage_daily_apply();
-- The ledger is append-only for users; a privileged correction is a delete and an insert (a statement trigger
-- on UPDATE with both transition tables would also fire for the foreign keys' "set null", which change nothing here).
create function public.api_usage_daily_refuse_update() returns trigger
language plpgsql
as $$
begin
	raise exception 'api_usage is a ledger: delete and insert a row instead of changing %', tg_table_name
		using errcode = 'feature_not_supported';
end
$$;
create trigger api_usage_daily_update before update of user_id, created_at, model, capability, cost_micros,
	input_tokens, output_tokens, units, unit on public.api_usage
	for each row execute function public.api_usage_daily_refuse_update();

insert into public.api_usage_daily
	(user_id, day, model, capability, calls, cost_micros, input_tokens, output_tokens, images, seconds, characters)
select user_id, (created_at at time zone 'utc')::date, model, capability, count(*), sum(cost_micros),
	coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
	coalesce(sum(units) filter (where unit = 'image'), 0),
	coalesce(sum(units) filter (where unit = 'second'), 0),
	coalesce(sum(units) filter (where unit = 'character'), 0)
from public.api_usage group by 1, 2, 3, 4;
