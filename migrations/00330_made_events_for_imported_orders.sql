-- Orders loaded by an import (and synthetic ones from scpod generate) were
-- written without the "made" event and version 1 of their terms that an
-- order made through the API gets (00130 filled them once for the orders
-- then held). Their terms in force on any day read as none, so no breach
-- could be recorded against them, and their timeline lacked its first
-- entry. The import now writes both; here the orders already loaded get
-- them, as 00130 did: recorded by nobody known, at the order's creation,
-- the terms in force from the day the order was made.

-- +goose Up
WITH ev AS (
    INSERT INTO order_events (order_id, kind, on_date, court, details, recorded_at)
    SELECT o.id, 'made', o.made_on, o.court, jsonb_build_object('court_type', o.court_type, 'reference', o.reference),
           o.created_at
    FROM orders o
    WHERE NOT EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.kind = 'made')
    RETURNING id, order_id, on_date)
INSERT INTO term_versions (order_id, term_id, version, position, category, text, starts_on, ends_on, monitoring,
                           effective_from, made_by_event)
SELECT t.order_id, t.term_id, 1, t.position, t.category, t.text, t.starts_on, t.ends_on, t.monitoring, ev.on_date, ev.id
FROM order_terms t JOIN ev ON ev.order_id = t.order_id
WHERE NOT EXISTS (SELECT 1 FROM term_versions v WHERE v.term_id = t.term_id);

-- +goose Down
-- The events and versions stay: they are the orders' history.
SELECT 1;
