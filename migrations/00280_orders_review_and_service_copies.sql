-- The review rule read every review twice a day at a million orders: once
-- to find the orders with none in the interval (a hash of 580,000 reviews
-- against every order) and once more for the orders started within the
-- interval with an earlier review (a second pass over every order and
-- review for under 2,000 rows): 1.2 s of the review sweep's 2.0. What it
-- needs of an order's reviews is the last one held by the day asked, and
-- for any day on or after the order's last review that is the last review.
-- So each order carries a copy of its last review's date, kept by
-- statement triggers on reviews (a review recorded, corrected or removed,
-- through the service or not), and the rule reads it:
--
--   due on = (last review held by as_of, else start, else made) + interval
--   overdue when due on < as_of
--
-- which is what its two parts (migration 00240) meant. Only an order with a
-- review after as_of (an agenda as of a past day) looks its reviews up, by
-- its index.
--
-- The not-served rule likewise hashed all 900,000 order events against
-- every order (0.5 s a day) to ask whether an order was served by as_of:
-- each order now carries the date it was first served (served_on, kept by
-- triggers on order_events), and it was served by as_of when that date is
-- on or before it.
--
-- Both copies join live_orders_on's columns, whose result gains them.
-- reviewrule_test holds the review rule to its plain meaning on days
-- before and after reviews; ordercopies_test holds each copy to the rows it
-- copies after every kind of change.

-- +goose Up
ALTER TABLE orders ADD COLUMN last_reviewed_on date, ADD COLUMN served_on date;
-- The orders' own triggers have nothing to do with these columns.
ALTER TABLE orders DISABLE TRIGGER USER;
UPDATE orders o SET last_reviewed_on = c.last_reviewed_on, served_on = c.served_on
FROM (SELECT coalesce(r.order_id, e.order_id) AS order_id, r.last_reviewed_on, e.served_on
      FROM (SELECT order_id, max(reviewed_on) AS last_reviewed_on FROM reviews GROUP BY order_id) r
      FULL JOIN (SELECT order_id, min(on_date) AS served_on FROM order_events WHERE kind = 'served'
                 GROUP BY order_id) e ON e.order_id = r.order_id) c
WHERE c.order_id = o.id;
ALTER TABLE orders ENABLE TRIGGER USER;

-- +goose StatementBegin
CREATE FUNCTION orders_last_reviewed_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE orders o SET last_reviewed_on = n.last
        FROM (SELECT order_id, max(reviewed_on) AS last FROM new_rows GROUP BY order_id) n
        WHERE o.id = n.order_id AND (o.last_reviewed_on IS NULL OR o.last_reviewed_on < n.last);
    ELSIF TG_OP = 'UPDATE' THEN
        -- The orders are locked first, so the recount below (a statement of
        -- its own, with a snapshot of its own) sees every review a
        -- concurrent writer of those orders committed.
        PERFORM 1 FROM orders WHERE id IN (SELECT order_id FROM old_rows UNION SELECT order_id FROM new_rows)
            ORDER BY id FOR UPDATE;
        UPDATE orders o SET last_reviewed_on = m.last
        FROM (SELECT t.order_id, (SELECT max(r.reviewed_on) FROM reviews r WHERE r.order_id = t.order_id) AS last
              FROM (SELECT order_id FROM old_rows UNION SELECT order_id FROM new_rows) t) m
        WHERE o.id = m.order_id AND o.last_reviewed_on IS DISTINCT FROM m.last;
    ELSE
        PERFORM 1 FROM orders WHERE id IN (SELECT order_id FROM old_rows) ORDER BY id FOR UPDATE;
        UPDATE orders o SET last_reviewed_on = m.last
        FROM (SELECT t.order_id, (SELECT max(r.reviewed_on) FROM reviews r WHERE r.order_id = t.order_id) AS last
              FROM (SELECT DISTINCT order_id FROM old_rows) t) m
        WHERE o.id = m.order_id AND o.last_reviewed_on IS DISTINCT FROM m.last;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER reviews_last_reviewed_ins AFTER INSERT ON reviews REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_last_reviewed_follow();
CREATE TRIGGER reviews_last_reviewed_upd AFTER UPDATE ON reviews REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_last_reviewed_follow();
CREATE TRIGGER reviews_last_reviewed_del AFTER DELETE ON reviews REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_last_reviewed_follow();

-- +goose StatementBegin
CREATE FUNCTION orders_served_on_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE orders o SET served_on = n.first
        FROM (SELECT order_id, min(on_date) AS first FROM new_rows WHERE kind = 'served' GROUP BY order_id) n
        WHERE o.id = n.order_id AND (o.served_on IS NULL OR o.served_on > n.first);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM 1 FROM orders WHERE id IN (SELECT order_id FROM old_rows WHERE kind = 'served'
                                           UNION SELECT order_id FROM new_rows WHERE kind = 'served')
            ORDER BY id FOR UPDATE;
        UPDATE orders o SET served_on = m.first
        FROM (SELECT t.order_id, (SELECT min(e.on_date) FROM order_events e
                                  WHERE e.order_id = t.order_id AND e.kind = 'served') AS first
              FROM (SELECT order_id FROM old_rows WHERE kind = 'served'
                    UNION SELECT order_id FROM new_rows WHERE kind = 'served') t) m
        WHERE o.id = m.order_id AND o.served_on IS DISTINCT FROM m.first;
    ELSE
        PERFORM 1 FROM orders WHERE id IN (SELECT order_id FROM old_rows WHERE kind = 'served') ORDER BY id FOR UPDATE;
        UPDATE orders o SET served_on = m.first
        FROM (SELECT t.order_id, (SELECT min(e.on_date) FROM order_events e
                                  WHERE e.order_id = t.order_id AND e.kind = 'served') AS first
              FROM (SELECT DISTINCT order_id FROM old_rows WHERE kind = 'served') t) m
        WHERE o.id = m.order_id AND o.served_on IS DISTINCT FROM m.first;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER order_events_served_on_ins AFTER INSERT ON order_events REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_served_on_follow();
CREATE TRIGGER order_events_served_on_upd AFTER UPDATE ON order_events REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_served_on_follow();
CREATE TRIGGER order_events_served_on_del AFTER DELETE ON order_events REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orders_served_on_follow();

DROP FUNCTION live_orders_on(date);
-- +goose StatementBegin
-- As 00190, with the order's last review and first service.
CREATE FUNCTION live_orders_on(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, status text, starts_on date,
               ends_on date, made_on date, custody_status text, establishment text, release_date date,
               release_date_type text, required_roles text[], pre_release_days integer,
               check_grace_days integer, expiry_warning_days integer, review_days integer, day_end timestamptz,
               last_reviewed_on date, served_on date)
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
           d.day_end,
           o.last_reviewed_on, o.served_on
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
CREATE OR REPLACE FUNCTION flag_review_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.order_id, p.subject_id, p.force, p.case_type,
           jsonb_build_object('due_on', p.due_on, 'days_overdue', as_of - p.due_on,
                              'last_reviewed_on', p.last_reviewed_on)
    FROM (
        SELECT l.order_id, l.subject_id, l.force, l.case_type, l.last_reviewed_on,
               coalesce(l.last_reviewed_on, l.starts_on, l.made_on) + l.review_days AS due_on
        FROM live_orders_on(as_of) l
        WHERE l.last_reviewed_on IS NULL OR l.last_reviewed_on <= as_of
        UNION ALL
        SELECT l.order_id, l.subject_id, l.force, l.case_type, h.last_reviewed_on,
               coalesce(h.last_reviewed_on, l.starts_on, l.made_on) + l.review_days
        FROM live_orders_on(as_of) l
        CROSS JOIN LATERAL (SELECT max(r.reviewed_on) AS last_reviewed_on FROM reviews r
                            WHERE r.order_id = l.order_id AND r.reviewed_on <= as_of) h
        WHERE l.last_reviewed_on > as_of) p
    WHERE p.due_on < as_of
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_not_served(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('made_on', l.made_on, 'starts_on', l.starts_on, 'days_in_force', as_of - l.starts_on)
    FROM live_orders_on(as_of) l
    WHERE l.starts_on <= as_of
      AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = l.order_id AND o.interim)
      AND (l.served_on IS NULL OR l.served_on > as_of)
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION flag_not_served(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
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
CREATE OR REPLACE FUNCTION flag_review_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.order_id, p.subject_id, p.force, p.case_type,
           (SELECT jsonb_build_object('due_on', d.due_on, 'days_overdue', as_of - d.due_on,
                                      'last_reviewed_on', d.last_reviewed_on)
            FROM (SELECT lr.last_reviewed_on,
                         coalesce(lr.last_reviewed_on, p.starts_on, p.made_on) + p.review_days AS due_on
                  FROM (SELECT max(r.reviewed_on) AS last_reviewed_on FROM reviews r
                        WHERE r.order_id = p.order_id AND r.reviewed_on <= as_of) lr) d)
    FROM (
        SELECT l.order_id, l.subject_id, l.force, l.case_type, l.starts_on, l.made_on, l.review_days
        FROM live_orders_on(as_of) l
        WHERE coalesce(l.starts_on, l.made_on) < as_of - l.review_days
          AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id
                          AND r.reviewed_on <= as_of AND r.reviewed_on >= as_of - l.review_days)
        UNION ALL
        SELECT l.order_id, l.subject_id, l.force, l.case_type, l.starts_on, l.made_on, l.review_days
        FROM live_orders_on(as_of) l
        WHERE coalesce(l.starts_on, l.made_on) >= as_of - l.review_days
          AND EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id AND r.reviewed_on < as_of - l.review_days)
          AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.order_id = l.order_id
                          AND r.reviewed_on <= as_of AND r.reviewed_on >= as_of - l.review_days)) p
$$;
-- +goose StatementEnd
DROP FUNCTION live_orders_on(date);
-- +goose StatementBegin
CREATE FUNCTION live_orders_on(as_of date)
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
DROP TRIGGER reviews_last_reviewed_del ON reviews;
DROP TRIGGER reviews_last_reviewed_upd ON reviews;
DROP TRIGGER reviews_last_reviewed_ins ON reviews;
DROP FUNCTION orders_last_reviewed_follow();
DROP TRIGGER order_events_served_on_del ON order_events;
DROP TRIGGER order_events_served_on_upd ON order_events;
DROP TRIGGER order_events_served_on_ins ON order_events;
DROP FUNCTION orders_served_on_follow();
ALTER TABLE orders DROP COLUMN last_reviewed_on, DROP COLUMN served_on;
