-- Statistics for the sweeps, which the service cannot gather itself.
--
-- The planner needs statistics: on a register nobody has analysed (a fresh
-- database, a bulk import, the first catch-up) the rules' per-order parts
-- are planned for a handful of rows and run for a million. ANALYZE needs
-- the tables' owner, and the service logs in as scpo_service, which owns
-- nothing. So this function, owned by whoever migrates (the schema owner)
-- and run with its rights, analyses the tables that need it: never
-- analysed, or changed by more than a fifth since last analysed (above
-- autovacuum's tenth, so in a steady state autovacuum does the work), plus
-- those named in also (the sweeps name flags after raising or resolving
-- many). It runs inside the caller's transaction, so the rest of that
-- transaction plans with what it gathered (its own uncommitted rows
-- included). One caller analyses at a time; another skips rather than
-- queue behind it. It returns the tables it analysed.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION scpo_analyze(also text[] DEFAULT '{}') RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    t text;
    done text[] := '{}';
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('scpo:analyze')) THEN
        RETURN done;
    END IF;
    FOR t IN
        SELECT c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
          AND (c.relname = ANY (also) OR c.reltuples < 0
               OR coalesce(s.n_mod_since_analyze, 0) > greatest(1000, 0.2 * c.reltuples))
        ORDER BY c.relname
    LOOP
        EXECUTE format('ANALYZE public.%I', t);
        done := done || t;
    END LOOP;
    RETURN done;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION scpo_analyze(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION scpo_analyze(text[]) TO scpo_service;

-- +goose Down
DROP FUNCTION scpo_analyze(text[]);
