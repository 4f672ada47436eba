-- Undoes 20261127000000_supabase_compat. Roles stay (cluster-wide, possibly used by other databases);
-- auth.uid() and the auth schema go only if this migration created them (Supabase's are left alone).

do $$
declare
	op text;
begin
	if to_regclass('storage.objects') is not null then
		foreach op in array array['select', 'insert', 'update', 'delete'] loop
			execute format('drop policy if exists %I on storage.objects', 'gs_own_folder_' || op);
		end loop;
	end if;
end
$$;

drop function if exists public.set_updated_at();

do $$
begin
	if obj_description(to_regprocedure('auth.uid()'), 'pg_proc') = 'generation-studio: created by migration 20261127000000' then
		drop function auth.uid();
	end if;
	if obj_description(to_regnamespace('auth'), 'pg_namespace') = 'generation-studio: created by migration 20261127000000'
		and not exists (select 1 from pg_class where relnamespace = to_regnamespace('auth'))
		and not exists (select 1 from pg_proc where pronamespace = to_regnamespace('auth'))
	then
		drop schema auth;
	end if;
end
$$;
