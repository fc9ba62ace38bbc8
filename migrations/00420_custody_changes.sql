-- A custody period is kept as history (domain: "keep each custody period
-- (establishment, dates, the actual release date) as history"), but a
-- change while the subject stayed in custody (a move to another prison,
-- a release date moved or its kind changed, the spell's first day
-- corrected) overwrote the open period in
-- place: HMP Bristol and the old date were gone for good, and the audit
-- entry said only that the subject was altered. Each such change now
-- keeps what the period said before it, and what after, with who made it
-- and when.

-- +goose Up
CREATE TABLE custody_changes (
    id                       uuid PRIMARY KEY DEFAULT scpo_uuid7(),
    period_id                uuid NOT NULL REFERENCES custody_periods (id),
    changed_at               timestamptz NOT NULL,
    changed_by               uuid REFERENCES officers (id),
    establishment_before     text,
    release_date_before      date,
    release_date_type_before text,
    began_on_before          date,
    establishment_after      text,
    release_date_after       date,
    release_date_type_after  text,
    began_on_after           date
);
CREATE INDEX custody_changes_period ON custody_changes (period_id, changed_at);

-- +goose Down
DROP TABLE custody_changes;
