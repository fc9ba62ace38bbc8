-- The force a record named on the audit trail belongs to, so that an
-- auditor bound to a force reads only the entries of their force, and no
-- other force's record IDs in them. NULL when the record has no force (a
-- job run, a region, a national officer) or is unknown.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION audit_record_force(kind text, rid text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF kind = 'force_policy' THEN
        RETURN rid;
    END IF;
    IF rid IS NULL OR rid !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RETURN NULL;
    END IF;
    CASE kind
    WHEN 'subject' THEN
        RETURN (SELECT force FROM subjects WHERE id = rid::uuid);
    WHEN 'order' THEN
        RETURN (SELECT s.force FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.id = rid::uuid);
    WHEN 'officer' THEN
        RETURN (SELECT force FROM officers WHERE id = rid::uuid);
    WHEN 'token' THEN
        RETURN (SELECT o.force FROM officer_tokens t JOIN officers o ON o.id = t.officer_id WHERE t.id = rid::uuid);
    WHEN 'meeting' THEN
        RETURN (SELECT force FROM meetings WHERE id = rid::uuid);
    WHEN 'check' THEN
        RETURN (SELECT s.force FROM checks c JOIN orders o ON o.id = c.order_id JOIN subjects s ON s.id = o.subject_id
                WHERE c.id = rid::uuid);
    WHEN 'review' THEN
        RETURN (SELECT s.force FROM reviews r JOIN orders o ON o.id = r.order_id JOIN subjects s ON s.id = o.subject_id
                WHERE r.id = rid::uuid);
    WHEN 'flag' THEN
        RETURN (SELECT force FROM flags WHERE id = rid::uuid);
    ELSE
        RETURN NULL;
    END CASE;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_record_force(text, text);
