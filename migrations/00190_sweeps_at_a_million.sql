-- Sweeps at a million orders. Measured at 1,000,000 live orders on the
-- 2-core development machine:
--
-- * Every rule read each order's subject only for its force: a hash join
--   of the whole subjects table (1M rows, spilling to disk) in each of the
--   eleven swept rules. Orders carry their subject's force (migration
--   00160), so live_orders_on reads it there: each rule 35-60% faster.
-- * The rule functions and their helpers only read: marked PARALLEL SAFE,
--   a sweep's read-only diff statement may use both cores.
-- * Raising a flag cost about 68 us, 31 of them in five foreign-key checks
--   (a locking SELECT per row each: the order, the subject, the force, the
--   runs that raised and resolved it); the order's check also wrote a lock
--   into every order's row. A flag is derived data, written only by the
--   rule SQL from the order it is about (orders are never deleted), and
--   copies that order's subject and force. The keys are dropped; a test
--   holds every flag to its order, subject and force instead
--   (TestFlagsAgreeWithTheirOrders).
-- * flags_open_kind (kind, force) duplicated the agenda index's leading
--   columns and flags_open_kind_order's (kind): one index less to write.
-- * Each kind's diff read its open flags (the flag id and the order)
--   from the heap: flags_open_kind_order now carries the flag id, so the
--   read is an index-only scan whenever the table is vacuumed.
-- * The lifecycle sweep found the orders to start and to expire by reading
--   every order; two small partial indexes hold just those candidates.
-- * Flag ids were random UUIDs, so every insert landed on a random page of
--   the key; they are now time-ordered (UUID version 7 layout), so a
--   sweep's inserts fill the right edge of the index.

-- +goose Up
-- +goose StatementBegin
-- A UUID in the version 7 layout: 48 bits of Unix milliseconds, then
-- random bits. Ids made later sort later, so inserts stay local.
CREATE FUNCTION scpo_uuid7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;
-- +goose StatementEnd
ALTER TABLE flags ALTER COLUMN id SET DEFAULT scpo_uuid7();

ALTER TABLE flags DROP CONSTRAINT flags_order_id_fkey, DROP CONSTRAINT flags_subject_id_fkey, DROP CONSTRAINT flags_force_fkey,
    DROP CONSTRAINT flags_raised_by_run_fkey, DROP CONSTRAINT flags_resolved_by_run_fkey;
-- The outbox's events are written by the same statements, one per owner
-- of each flag raised (234,000 in the first review sweep at a million
-- orders); the key to the order cost 18 us an event, in a lock written into
-- the order's row. The key to the officer (259 rows, locked again and
-- again by the same transaction) is cheap and stays.
ALTER TABLE notification_events DROP CONSTRAINT notification_events_order_id_fkey;
DROP INDEX flags_open_kind;
DROP INDEX flags_open_kind_order;
CREATE INDEX flags_open_kind_order ON flags (kind, order_id) INCLUDE (id) WHERE resolved_at IS NULL;
CREATE INDEX orders_pending_start ON orders (starts_on) WHERE status = 'pending';
CREATE INDEX orders_live_end ON orders ((coalesce(extended_to, ends_on)))
    WHERE status IN ('active', 'pending') AND NOT extension_pending;

-- +goose StatementBegin
-- As 00130, the subject's force read from the order's copy of it.
CREATE OR REPLACE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.id, o.subject_id, o.subject_force,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'prison' END,
           CASE WHEN o.starts_on <= as_of THEN 'active' ELSE 'pending' END,
           o.starts_on,
           CASE WHEN o.extension_pending THEN NULL ELSE coalesce(o.extended_to, o.ends_on) END,
           o.made_on,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'custody' END,
           cp.establishment, cp.release_date, cp.release_date_type,
           coalesce(p.required_roles, '{}'),
           coalesce(p.pre_release_days, 180),
           coalesce(p.check_grace_days, 0),
           coalesce(p.expiry_warning_days, 180),
           coalesce(o.review_interval_days,
                    CASE WHEN cp.id IS NULL THEN coalesce(p.community_review_days, 90)
                         ELSE coalesce(p.prison_review_days, 180) END),
           d.day_end
    FROM orders o
    LEFT JOIN force_policies p ON p.force = o.subject_force
    LEFT JOIN custody_periods cp ON cp.subject_id = o.subject_id
         AND (cp.began_on IS NULL OR cp.began_on <= as_of) AND (cp.released_on IS NULL OR cp.released_on > as_of)
    CROSS JOIN (SELECT scpo_day_end(as_of) AS day_end OFFSET 0) d
    WHERE o.made_on <= as_of
      AND (o.status IN ('pending', 'active')
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of
           OR o.status = 'expired' AND coalesce(o.extended_to, o.ends_on) >= as_of)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- As 00070, the deltas counted per force and kind before they are handed
-- on: a catch-up raising 600,000 flags built and unpacked a jsonb array of
-- 600,000 objects (2.1 s); now one per force and kind.
CREATE OR REPLACE FUNCTION force_counts_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', d)) INTO deltas
        FROM (SELECT force, kind, count(*) AS d FROM new_rows WHERE resolved_at IS NULL GROUP BY force, kind) g;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', d)) INTO deltas
        FROM (SELECT force, kind, sum(d) AS d FROM (
                  SELECT force, kind, -1 AS d FROM old_rows WHERE resolved_at IS NULL
                  UNION ALL
                  SELECT force, kind, 1 FROM new_rows WHERE resolved_at IS NULL) u
              GROUP BY force, kind) g;
    ELSE
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', -d)) INTO deltas
        FROM (SELECT force, kind, count(*) AS d FROM old_rows WHERE resolved_at IS NULL GROUP BY force, kind) g;
    END IF;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

ALTER FUNCTION scpo_day_end(date) PARALLEL SAFE;
ALTER FUNCTION owner_can_act(boolean, text, text[], text, text) PARALLEL SAFE;
ALTER FUNCTION owner_counts(timestamptz, timestamptz, timestamptz, boolean, text, text[], text, text) PARALLEL SAFE;
ALTER FUNCTION owner_officer_role(text) PARALLEL SAFE;
ALTER FUNCTION release_date_is_due(text) PARALLEL SAFE;
ALTER FUNCTION flag_action_overdue(date) PARALLEL SAFE;
ALTER FUNCTION flag_breach_decision_due(date) PARALLEL SAFE;
ALTER FUNCTION flag_breach_open(date) PARALLEL SAFE;
ALTER FUNCTION flag_check_overdue(date) PARALLEL SAFE;
ALTER FUNCTION flag_compliance_concern(date) PARALLEL SAFE;
ALTER FUNCTION flag_em_ending(date) PARALLEL SAFE;
ALTER FUNCTION flag_expiring(date) PARALLEL SAFE;
ALTER FUNCTION flag_extension_to_settle(date) PARALLEL SAFE;
ALTER FUNCTION flag_interim_unserved(date) PARALLEL SAFE;
ALTER FUNCTION flag_not_served(date) PARALLEL SAFE;
ALTER FUNCTION flag_owner_absent(date) PARALLEL SAFE;
ALTER FUNCTION flag_pre_release(date) PARALLEL SAFE;
ALTER FUNCTION flag_release_date_passed(date) PARALLEL SAFE;
ALTER FUNCTION flag_review_overdue(date) PARALLEL SAFE;
ALTER FUNCTION flag_unowned(date) PARALLEL SAFE;

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION force_counts_flags() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE deltas jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', 1)) INTO deltas
        FROM new_rows WHERE resolved_at IS NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_agg(x) INTO deltas FROM (
            SELECT jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', -1) AS x
            FROM old_rows WHERE resolved_at IS NULL
            UNION ALL
            SELECT jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', 1)
            FROM new_rows WHERE resolved_at IS NULL) u;
    ELSE
        SELECT jsonb_agg(jsonb_build_object('force', force, 'metric', 'flag:' || kind, 'd', -1)) INTO deltas
        FROM old_rows WHERE resolved_at IS NULL;
    END IF;
    IF deltas IS NOT NULL THEN PERFORM force_counts_add(deltas); END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

ALTER FUNCTION scpo_day_end(date) PARALLEL UNSAFE;
ALTER FUNCTION owner_can_act(boolean, text, text[], text, text) PARALLEL UNSAFE;
ALTER FUNCTION owner_counts(timestamptz, timestamptz, timestamptz, boolean, text, text[], text, text) PARALLEL UNSAFE;
ALTER FUNCTION owner_officer_role(text) PARALLEL UNSAFE;
ALTER FUNCTION release_date_is_due(text) PARALLEL UNSAFE;
ALTER FUNCTION flag_action_overdue(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_breach_decision_due(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_breach_open(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_check_overdue(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_compliance_concern(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_em_ending(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_expiring(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_extension_to_settle(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_interim_unserved(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_not_served(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_owner_absent(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_pre_release(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_release_date_passed(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_review_overdue(date) PARALLEL UNSAFE;
ALTER FUNCTION flag_unowned(date) PARALLEL UNSAFE;

-- +goose StatementBegin
-- As 00130.
CREATE OR REPLACE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT o.id, o.subject_id, s.force,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'prison' END,
           CASE WHEN o.starts_on <= as_of THEN 'active' ELSE 'pending' END,
           o.starts_on,
           CASE WHEN o.extension_pending THEN NULL ELSE coalesce(o.extended_to, o.ends_on) END,
           o.made_on,
           CASE WHEN cp.id IS NULL THEN 'community' ELSE 'custody' END,
           cp.establishment, cp.release_date, cp.release_date_type,
           coalesce(p.required_roles, '{}'),
           coalesce(p.pre_release_days, 180),
           coalesce(p.check_grace_days, 0),
           coalesce(p.expiry_warning_days, 180),
           coalesce(o.review_interval_days,
                    CASE WHEN cp.id IS NULL THEN coalesce(p.community_review_days, 90)
                         ELSE coalesce(p.prison_review_days, 180) END),
           d.day_end
    FROM orders o
    JOIN subjects s ON s.id = o.subject_id
    LEFT JOIN force_policies p ON p.force = s.force
    LEFT JOIN custody_periods cp ON cp.subject_id = o.subject_id
         AND (cp.began_on IS NULL OR cp.began_on <= as_of) AND (cp.released_on IS NULL OR cp.released_on > as_of)
    CROSS JOIN (SELECT scpo_day_end(as_of) AS day_end OFFSET 0) d
    WHERE o.made_on <= as_of
      AND (o.status IN ('pending', 'active')
           OR o.status IN ('discharged', 'quashed') AND o.ended_on > as_of
           OR o.status = 'expired' AND coalesce(o.extended_to, o.ends_on) >= as_of)
$$;
-- +goose StatementEnd

DROP INDEX orders_live_end;
DROP INDEX orders_pending_start;
DROP INDEX flags_open_kind_order;
CREATE INDEX flags_open_kind_order ON flags (kind, order_id) WHERE resolved_at IS NULL;
CREATE INDEX flags_open_kind ON flags (kind, force) WHERE resolved_at IS NULL;
ALTER TABLE notification_events ADD CONSTRAINT notification_events_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders(id);
ALTER TABLE flags ADD CONSTRAINT flags_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders(id),
    ADD CONSTRAINT flags_subject_id_fkey FOREIGN KEY (subject_id) REFERENCES subjects(id),
    ADD CONSTRAINT flags_force_fkey FOREIGN KEY (force) REFERENCES forces(code),
    ADD CONSTRAINT flags_raised_by_run_fkey FOREIGN KEY (raised_by_run) REFERENCES job_runs(id),
    ADD CONSTRAINT flags_resolved_by_run_fkey FOREIGN KEY (resolved_by_run) REFERENCES job_runs(id);
ALTER TABLE flags ALTER COLUMN id SET DEFAULT gen_random_uuid();
DROP FUNCTION scpo_uuid7();
