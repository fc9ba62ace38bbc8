-- A meeting's agenda is frozen when it opens, so the order in which its
-- orders are discussed is fixed then too. Every page of it (GET
-- /meetings/{id}) nevertheless ranked the whole agenda again and counted
-- its sections: at a million orders the largest force's meeting has
-- 39,000 items on 23,000 orders, and each page of 100 took 81-85 ms at
-- one client.
--
-- The ranking is now written once, as the meeting opens, in
-- meeting_orders: each order's place in the agenda (order_rank, from 1),
-- so a page is a range of its key. The agenda's counts go on the meeting
-- row. meeting_agenda_frozen is the one definition of both, called by the
-- service in the transaction that freezes the items and here for the
-- meetings already held. Its ranking is domain.GroupAgenda's, in SQL: the
-- most days overdue first (none after any), then the soonest release,
-- then the first item's position; days count from each item's agenda rank
-- to the meeting's day. A test holds the two to each other.
--
-- A page's items are then read by their keys, and their decisions by
-- (meeting_id, item_id), which replaces the index on the meeting alone (a
-- meeting may record thousands).

-- +goose Up
CREATE TABLE meeting_orders (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    order_rank int NOT NULL CHECK (order_rank > 0),
    -- Not checked against orders again: the meeting's items are.
    order_id uuid NOT NULL,
    -- The order's items on the agenda: a page's items are read by their
    -- key, the one plan for them whatever the statistics say of the
    -- meeting's size (its tens of thousands of items are written at once;
    -- a plan that took it for a few rows read all of them for each page).
    item_ids uuid[] NOT NULL,
    PRIMARY KEY (meeting_id, order_rank),
    UNIQUE (meeting_id, order_id)
);

ALTER TABLE meetings ADD COLUMN agenda_items int NOT NULL DEFAULT 0,
    ADD COLUMN agenda_orders int NOT NULL DEFAULT 0,
    ADD COLUMN agenda_sections jsonb NOT NULL DEFAULT '{}';

CREATE INDEX meeting_decisions_meeting_item ON meeting_decisions (meeting_id, item_id);
DROP INDEX meeting_decisions_meeting;

-- +goose StatementBegin
CREATE FUNCTION meeting_agenda_frozen(meeting uuid) RETURNS void LANGUAGE sql AS $$
    INSERT INTO meeting_orders (meeting_id, order_rank, order_id, item_ids)
    SELECT $1, row_number() OVER (ORDER BY CASE WHEN g.overdue IS NULL THEN 1073741824 ELSE -g.overdue END,
                                           coalesce(g.to_release, 1073741824), g.first_position, g.order_id),
           g.order_id, g.item_ids
    FROM (SELECT i.order_id, array_agg(i.id ORDER BY i.position) AS item_ids,
                 max(CASE WHEN i.kind IN ('check_overdue', 'review_overdue', 'release_date_passed')
                          THEN m.held_on - public.agenda_rank(i.kind, i.details, i.raised_at) END) AS overdue,
                 min(CASE WHEN i.kind = 'pre_release'
                          THEN public.agenda_rank(i.kind, i.details, i.raised_at) - m.held_on END) AS to_release,
                 min(i.position) AS first_position
          FROM meeting_items i JOIN meetings m ON m.id = i.meeting_id
          WHERE i.meeting_id = $1 GROUP BY i.order_id) g;
    UPDATE meetings m SET agenda_items = c.items, agenda_orders = c.orders, agenda_sections = c.sections
    FROM (SELECT coalesce(sum(k.n), 0)::int AS items,
                 (SELECT count(*) FROM meeting_orders o WHERE o.meeting_id = $1)::int AS orders,
                 coalesce(jsonb_object_agg(k.kind, k.n), '{}') AS sections
          FROM (SELECT i.kind, count(*) AS n FROM meeting_items i WHERE i.meeting_id = $1 GROUP BY i.kind) k) c
    WHERE m.id = $1;
$$;
-- +goose StatementEnd

SELECT meeting_agenda_frozen(id) FROM meetings;

-- +goose Down
DROP FUNCTION meeting_agenda_frozen(uuid);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id);
DROP INDEX meeting_decisions_meeting_item;
ALTER TABLE meetings DROP COLUMN agenda_items, DROP COLUMN agenda_orders, DROP COLUMN agenda_sections;
DROP TABLE meeting_orders;
