-- The rest of an order's legal life (Serious Crime Act 2007).
--
-- * Interim orders (s.5E, Border Security, Asylum and Immigration Act 2025):
--   made by the High Court while the main application is pending, possibly
--   without notice; orders.interim marks one. It has no end date of its
--   own (it lasts until the application is decided), so the "end or
--   duration" rule is for full orders only. The full order keeps the link
--   (interim_order_id); the interim order then ends as discharged on the
--   day the application was decided, with a 'replaced' event.
--   Flag interim_unserved: notice not served within 7 days of the making.
-- * Electronic monitoring (s.5B): flag em_ending when a monitoring
--   requirement in force ends within the force's em_warning_days.
-- * Subjects that are not individuals (ss.30-34): subjects.kind; a body
--   corporate, partnership or unincorporated association has a name (kept
--   in last_name, first_names empty), a registration number where it has
--   one, a registered address, and no date of birth, PNC ID or custody.
-- * The conviction a Crown Court order was made for (s.19): offences, day
--   and court, as jsonb on the order.

-- +goose Up
ALTER TABLE orders ADD COLUMN interim boolean NOT NULL DEFAULT false,
    ADD COLUMN interim_order_id uuid REFERENCES orders (id),
    ADD COLUMN conviction jsonb;
CREATE UNIQUE INDEX orders_one_replacing_interim ON orders (interim_order_id) WHERE interim_order_id IS NOT NULL;
CREATE INDEX orders_interim ON orders (id) WHERE interim;
ALTER TABLE orders DROP CONSTRAINT orders_end_or_duration;
ALTER TABLE orders ADD CONSTRAINT orders_end_or_duration CHECK (interim OR ends_on IS NOT NULL OR duration_months IS NOT NULL);
ALTER TABLE orders ADD CONSTRAINT orders_interim_high_court CHECK (NOT interim OR (court_type = 'high' AND interim_order_id IS NULL));
ALTER TABLE orders ADD CONSTRAINT orders_conviction_crown CHECK (conviction IS NULL OR court_type = 'crown');

ALTER TABLE order_events DROP CONSTRAINT order_events_kind_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_kind_check CHECK (kind IN ('made', 'served', 'varied',
    'variation_refused', 'terms_amended', 'discharged', 'quashed', 'appeal_lodged', 'appeal_decided', 'charged',
    'charge_decided', 'breach_recorded', 'breach_outcome', 'no_breach', 'replaced'));

ALTER TABLE force_policies ADD COLUMN em_warning_days integer NOT NULL DEFAULT 42
    CHECK (em_warning_days BETWEEN 1 AND 180);

ALTER TABLE subjects ADD COLUMN kind text NOT NULL DEFAULT 'individual'
        CHECK (kind IN ('individual', 'body_corporate', 'partnership', 'unincorporated_association')),
    ADD COLUMN registration_number text CHECK (length(registration_number) BETWEEN 1 AND 50),
    ADD COLUMN registered_address text CHECK (length(registered_address) BETWEEN 1 AND 500);
ALTER TABLE subjects ALTER COLUMN date_of_birth DROP NOT NULL, ALTER COLUMN pnc_id DROP NOT NULL;
ALTER TABLE subjects DROP CONSTRAINT subjects_first_names_check;
ALTER TABLE subjects ADD CONSTRAINT subjects_first_names_check CHECK (CASE WHEN kind = 'individual'
    THEN length(first_names) BETWEEN 1 AND 200 ELSE first_names = '' END);
ALTER TABLE subjects ADD CONSTRAINT subjects_kind_identity CHECK (CASE WHEN kind = 'individual'
    THEN date_of_birth IS NOT NULL AND pnc_id IS NOT NULL AND registration_number IS NULL AND registered_address IS NULL
    ELSE date_of_birth IS NULL AND pnc_id IS NULL AND registered_address IS NOT NULL AND visor_id IS NULL
         AND prison_number IS NULL AND custody_status = 'community' END);

-- New flag kinds. The CHECK is rebuilt from the kinds it allows now plus
-- these, so kinds other migrations add are kept whatever the order.
-- +goose StatementBegin
DO $$
DECLARE
    kinds text[];
BEGIN
    SELECT array_agg(DISTINCT m[1]) INTO kinds
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') AS m
    WHERE c.conname = 'flags_kind_check' AND c.conrelid = 'flags'::regclass;
    kinds := kinds || ARRAY['interim_unserved', 'em_ending'];
    ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
    EXECUTE format('ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind = ANY (%L::text[]))',
                   (SELECT array_agg(DISTINCT k ORDER BY k) FROM unnest(kinds) k));
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- s.10 as in 00130, for full orders: an interim order has its own rule
-- (interim_unserved), so it is not also not_served.
CREATE OR REPLACE FUNCTION flag_not_served(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('made_on', l.made_on, 'starts_on', l.starts_on, 'days_in_force', as_of - l.starts_on)
    FROM live_orders_on(as_of) l
    WHERE l.starts_on <= as_of
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id AND o.interim)
      AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = l.order_id AND e.kind = 'served'
                      AND e.on_date <= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- s.5E: notice of an interim order must be served within 7 days of its
-- making (by made_on + 7, domain.InterimServiceDays). Open from day 8 while
-- no service is recorded by as_of.
CREATE FUNCTION flag_interim_unserved(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('made_on', l.made_on, 'serve_by', l.made_on + 7, 'days_since_made', as_of - l.made_on)
    FROM live_orders_on(as_of) l
    JOIN orders o ON o.id = l.order_id AND o.interim
    WHERE as_of > l.made_on + 7
      AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = l.order_id AND e.kind = 'served'
                      AND e.on_date <= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- s.5B: an electronic monitoring requirement in force on as_of ends within
-- the force's em_warning_days, so the meeting can decide whether to seek
-- its renewal (a renewal is a new version with a later end, which ends it).
CREATE FUNCTION flag_em_ending(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('term_id', t.term_id, 'starts_on', t.starts_on, 'ends_on', t.ends_on,
                              'days_left', t.ends_on - as_of,
                              'responsible_person', t.monitoring ->> 'responsible_person',
                              'warning_days', coalesce(p.em_warning_days, 42),
                              'ending', count(*) OVER (PARTITION BY l.order_id))
    FROM live_orders_on(as_of) l
    LEFT JOIN force_policies p ON p.force = l.force
    JOIN term_versions t ON t.order_id = l.order_id AND t.monitoring IS NOT NULL
         AND t.effective_from <= as_of AND (t.effective_to IS NULL OR t.effective_to > as_of)
         AND t.starts_on <= as_of AND t.ends_on >= as_of
         AND t.ends_on <= as_of + coalesce(p.em_warning_days, 42)
    WHERE l.starts_on <= as_of
    ORDER BY l.order_id, t.ends_on, t.term_id
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION flag_em_ending(date);
DROP FUNCTION flag_interim_unserved(date);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_not_served(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('made_on', l.made_on, 'starts_on', l.starts_on, 'days_in_force', as_of - l.starts_on)
    FROM live_orders_on(as_of) l
    WHERE l.starts_on <= as_of
      AND NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = l.order_id AND e.kind = 'served'
                      AND e.on_date <= as_of)
$$;
-- +goose StatementEnd
DELETE FROM flags WHERE kind IN ('interim_unserved', 'em_ending');
-- +goose StatementBegin
DO $$
DECLARE
    kinds text[];
BEGIN
    SELECT array_agg(DISTINCT m[1]) INTO kinds
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') AS m
    WHERE c.conname = 'flags_kind_check' AND c.conrelid = 'flags'::regclass;
    ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
    EXECUTE format('ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind = ANY (%L::text[]))',
                   (SELECT array_agg(k ORDER BY k) FROM unnest(kinds) k WHERE k NOT IN ('interim_unserved', 'em_ending')));
END $$;
-- +goose StatementEnd
ALTER TABLE subjects DROP CONSTRAINT subjects_kind_identity;
ALTER TABLE subjects DROP CONSTRAINT subjects_first_names_check;
DELETE FROM subjects WHERE kind <> 'individual';
ALTER TABLE subjects ADD CONSTRAINT subjects_first_names_check CHECK (length(first_names) BETWEEN 1 AND 200);
ALTER TABLE subjects ALTER COLUMN date_of_birth SET NOT NULL, ALTER COLUMN pnc_id SET NOT NULL;
ALTER TABLE subjects DROP COLUMN kind, DROP COLUMN registration_number, DROP COLUMN registered_address;
ALTER TABLE force_policies DROP COLUMN em_warning_days;
DELETE FROM order_events WHERE kind = 'replaced';
ALTER TABLE order_events DROP CONSTRAINT order_events_kind_check;
ALTER TABLE order_events ADD CONSTRAINT order_events_kind_check CHECK (kind IN ('made', 'served', 'varied',
    'variation_refused', 'terms_amended', 'discharged', 'quashed', 'appeal_lodged', 'appeal_decided', 'charged',
    'charge_decided', 'breach_recorded', 'breach_outcome', 'no_breach'));
ALTER TABLE orders DROP CONSTRAINT orders_conviction_crown;
ALTER TABLE orders DROP CONSTRAINT orders_interim_high_court;
ALTER TABLE orders DROP CONSTRAINT orders_end_or_duration;
ALTER TABLE orders ADD CONSTRAINT orders_end_or_duration CHECK (ends_on IS NOT NULL OR duration_months IS NOT NULL);
DROP INDEX orders_interim;
DROP INDEX orders_one_replacing_interim;
ALTER TABLE orders DROP COLUMN interim, DROP COLUMN interim_order_id, DROP COLUMN conviction;
