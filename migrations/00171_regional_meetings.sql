-- Regional meetings: a regional lead's meeting over the forces of their
-- region. A meeting belongs to a force or to a region, never both. Its
-- agenda items are the escalations from the region's force meetings (a
-- decision "escalate"), each brought to one regional meeting: an item has
-- a flag (a force meeting's) or an escalation (a regional meeting's).

-- +goose Up
ALTER TABLE meetings ALTER COLUMN force DROP NOT NULL;
ALTER TABLE meetings ADD COLUMN region text;
ALTER TABLE meetings ADD CONSTRAINT meetings_force_or_region CHECK ((force IS NULL) <> (region IS NULL));
CREATE INDEX meetings_region ON meetings (region, held_on DESC) WHERE region IS NOT NULL;

ALTER TABLE meeting_items ALTER COLUMN flag_id DROP NOT NULL;
ALTER TABLE meeting_items ADD COLUMN escalation_id uuid REFERENCES meeting_decisions (id);
ALTER TABLE meeting_items ADD CONSTRAINT meeting_items_flag_or_escalation CHECK ((flag_id IS NULL) <> (escalation_id IS NULL));
CREATE UNIQUE INDEX meeting_items_escalation ON meeting_items (escalation_id) WHERE escalation_id IS NOT NULL;

-- +goose Down
DROP INDEX meeting_items_escalation;
ALTER TABLE meeting_items DROP CONSTRAINT meeting_items_flag_or_escalation;
ALTER TABLE meeting_items DROP COLUMN escalation_id;
ALTER TABLE meeting_items ALTER COLUMN flag_id SET NOT NULL;
ALTER TABLE meetings DROP CONSTRAINT meetings_force_or_region;
DROP INDEX meetings_region;
ALTER TABLE meetings DROP COLUMN region;
ALTER TABLE meetings ALTER COLUMN force SET NOT NULL;
