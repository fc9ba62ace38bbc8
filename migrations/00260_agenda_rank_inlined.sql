-- agenda_rank (migration 00070) is declared immutable, but its body reads
-- dates with a text-to-date cast, which PostgreSQL holds stable (it
-- depends on DateStyle). A SQL function whose body is less immutable than
-- its declaration is never inlined, so every call, once per flag written
-- into flags_agenda and once per agenda row read, went through the SQL
-- function executor: about 3 us a call against 0.15 us inlined, a fifth of
-- the cost of writing a flag (at a million orders, 4 to 5 s of a first
-- catch-up's 1.57 million flags).
--
-- The dates in details are ISO (YYYY-MM-DD, as jsonb writes a date), so
-- they are read here (iso_date) with make_date and integer casts, which
-- are immutable: the body is immutable, and both functions are inlined.
-- It gives the same date for every value the old body read, so
-- flags_agenda's entries stay right and the index is not rebuilt
-- (agendarank_test holds the two to each other on every kind a sweep
-- raises). iso_date is named with its schema: the index expression is
-- evaluated by autovacuum's analysis and by a restore with an empty
-- search_path, where an unqualified name is not found.

-- +goose Up
-- +goose StatementBegin
-- An ISO date (YYYY-MM-DD) read with immutable parts, so that a function
-- calling it can be immutable and inlined; NULL for NULL and for anything
-- else jsonb could hold for a date (a BC date, a year past 9999,
-- infinity), which the sweeps never write.
CREATE FUNCTION iso_date(d text) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(d) = 10
                THEN make_date(substr(d, 1, 4)::int, substr(d, 6, 2)::int, substr(d, 9, 2)::int) END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agenda_rank(kind text, details jsonb, raised_at timestamptz)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(public.iso_date(details ->> CASE kind
                        WHEN 'check_overdue' THEN 'due_on'
                        WHEN 'review_overdue' THEN 'due_on'
                        WHEN 'pre_release' THEN 'release_date'
                        WHEN 'release_date_passed' THEN 'release_date'
                        WHEN 'expiring' THEN 'ends_on'
                        WHEN 'compliance_concern' THEN 'on' END),
                    (raised_at AT TIME ZONE 'UTC')::date)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agenda_rank(kind text, details jsonb, raised_at timestamptz)
RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(CASE kind
        WHEN 'check_overdue' THEN (details ->> 'due_on')::date
        WHEN 'review_overdue' THEN (details ->> 'due_on')::date
        WHEN 'pre_release' THEN (details ->> 'release_date')::date
        WHEN 'release_date_passed' THEN (details ->> 'release_date')::date
        WHEN 'expiring' THEN (details ->> 'ends_on')::date
        WHEN 'compliance_concern' THEN (details ->> 'on')::date
    END, (raised_at AT TIME ZONE 'UTC')::date)
$$;
-- +goose StatementEnd
DROP FUNCTION iso_date(text);
