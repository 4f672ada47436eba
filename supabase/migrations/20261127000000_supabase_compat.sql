-- What Supabase provides and plain Postgres / PGlite lack: the anon/authenticated/service_role roles,
-- the auth schema and auth.uid(). Each is created only when missing, so on Supabase this changes nothing
-- of theirs. Objects we create are marked with a comment so the rollback removes only ours.
-- Roles are cluster-wide (shared by every database on the server): they are created here but never dropped.

do $$
declare
	r text;
begin
	foreach r in array array['anon', 'authenticated', 'service_role'] loop
		if not exists (select 1 from pg_roles where rolname = r) then
			begin
				if r = 'service_role' then
					begin
						execute 'create role service_role nologin noinherit bypassrls';
					exception when insufficient_privilege then
						execute 'create role service_role nologin noinherit';
					end;
				else
					execute format('create role %I nologin noinherit', r);
				end if;
			exception
				-- another database on the same server created it a moment ago
				when duplicate_object or unique_violation then null;
			end;
		end if;
		-- the connection's own role switches to these roles per transaction (SET LOCAL ROLE)
		if not pg_has_role(current_user, r, 'member') then
			begin
				execute format('grant %I to %I', r, current_user);
			exception when insufficient_privilege then
				raise warning 'cannot grant role % to %: asUser/asAnon will fail', r, current_user;
			end;
		end if;
	end loop;
end
$$;

do $$
begin
	if not exists (select 1 from pg_namespace where nspname = 'auth') then
		create schema auth;
		comment on schema auth is 'generation-studio: created by migration 20261127000000';
	end if;
	if not exists (
		select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
		where n.nspname = 'auth' and p.proname = 'uid'
	) then
		-- The same definition as Supabase's: the `sub` claim of the request's JWT.
		create function auth.uid() returns uuid
		language sql stable
		as $fn$
			select coalesce(
				nullif(current_setting('request.jwt.claim.sub', true), ''),
				(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
			)::uuid
		$fn$;
		comment on function auth.uid() is 'generation-studio: created by migration 20261127000000';
	end if;
end
$$;

grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid() to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- Shared trigger function: every table with updated_at keeps it current.
create or replace function public.set_updated_at() returns trigger
language plpgsql
as $$
begin
	new.updated_at := now();
	return new;
end
$$;

-- On Supabase (a storage schema exists): each user reads and writes only their own folder
-- (first path segment = their user id) in the media and attachments buckets.
do $$
declare
	op text;
begin
	if to_regclass('storage.objects') is null then
		return;
	end if;
	foreach op in array array['select', 'insert', 'update', 'delete'] loop
		execute format('drop policy if exists %I on storage.objects', 'gs_own_folder_' || op);
		if op = 'insert' then
			execute format(
				'create policy %I on storage.objects for insert to authenticated with check (%s)',
				'gs_own_folder_' || op,
				$p$bucket_id in ('media', 'attachments') and split_part(name, '/', 1) = (select auth.uid())::text$p$
			);
		elsif op = 'update' then
			execute format(
				'create policy %I on storage.objects for update to authenticated using (%s) with check (%s)',
				'gs_own_folder_' || op,
				$p$bucket_id in ('media', 'attachments') and split_part(name, '/', 1) = (select auth.uid())::text$p$,
				$p$bucket_id in ('media', 'attachments') and split_part(name, '/', 1) = (select auth.uid())::text$p$
			);
		else
			execute format(
				'create policy %I on storage.objects for %s to authenticated using (%s)',
				'gs_own_folder_' || op,
				op,
				$p$bucket_id in ('media', 'attachments') and split_part(name, '/', 1) = (select auth.uid())::text$p$
			);
		end if;
	end loop;
end
$$;
