-- An open meeting action past its due date raises action_overdue on its
-- order (the review sweep), and its assignee is told (the outbox).
--
-- The kind is added to flags_kind_check as it stands when this runs (other
-- kinds may have been added meanwhile), not to a list written here.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE kinds text[];
BEGIN
    SELECT array_agg(DISTINCT m[1] ORDER BY m[1]) INTO kinds
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
    WHERE c.conrelid = 'flags'::regclass AND c.conname = 'flags_kind_check';
    kinds := array_append(array_remove(kinds, 'action_overdue'), 'action_overdue');
    ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
    -- Written as kind IN ('a', 'b', ...), the form the constraint had, so
    -- a later migration can read it the same way.
    EXECUTE format('ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN (%s))',
                   (SELECT string_agg(quote_literal(k), ', ') FROM unnest(kinds) k));
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- An action counts on as_of when decided by the day's end, not withdrawn
-- or corrected by then, and not done or cancelled on or before as_of. Due
-- on as_of is not overdue; the day after is.
CREATE FUNCTION flag_action_overdue(as_of date)
RETURNS TABLE (order_id uuid, subject_id uuid, force text, case_type text, details jsonb)
LANGUAGE sql STABLE AS $$
    SELECT DISTINCT ON (l.order_id) l.order_id, l.subject_id, l.force, l.case_type,
           jsonb_build_object('decision_id', d.id, 'action_by', d.action_by, 'due_on', d.due_by,
                              'days_overdue', as_of - d.due_by,
                              'overdue_actions', count(*) OVER (PARTITION BY l.order_id))
    FROM live_orders_on(as_of) l
    JOIN meeting_items i ON i.order_id = l.order_id
    JOIN meeting_decisions d ON d.item_id = i.id
    WHERE d.action_by IS NOT NULL AND d.due_by < as_of AND d.decided_at < l.day_end
      AND (d.status = 'open' OR d.status_on > as_of)
      AND (d.withdrawn_at IS NULL OR d.withdrawn_at >= l.day_end)
      AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id AND c.decided_at < l.day_end)
    ORDER BY l.order_id, d.due_by, d.id
$$;
-- +goose StatementEnd
CREATE INDEX meeting_items_order ON meeting_items (order_id);

-- +goose Down
DROP INDEX meeting_items_order;
DROP FUNCTION flag_action_overdue(date);
-- +goose StatementBegin
DO $$
DECLARE kinds text[];
BEGIN
    SELECT array_agg(DISTINCT m[1] ORDER BY m[1]) INTO kinds
    FROM pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
    WHERE c.conrelid = 'flags'::regclass AND c.conname = 'flags_kind_check';
    ALTER TABLE flags DROP CONSTRAINT flags_kind_check;
    -- NOT VALID: flags of the kind raised meanwhile stay (meeting agendas refer to them).
    EXECUTE format('ALTER TABLE flags ADD CONSTRAINT flags_kind_check CHECK (kind IN (%s)) NOT VALID',
                   (SELECT string_agg(quote_literal(k), ', ') FROM unnest(array_remove(kinds, 'action_overdue')) k));
END
$$;
-- +goose StatementEnd
