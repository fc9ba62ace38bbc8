-- A completed check can be corrected, keeping what it said before, who
-- corrected it, when and why; a scheduled check can be cancelled with a
-- reason. A cancelled check is closed (outcome 'cancelled', completed_on the
-- day it was cancelled), so it is neither due nor overdue from that day.

-- +goose Up
ALTER TABLE checks DROP CONSTRAINT checks_outcome_check;
ALTER TABLE checks ADD CONSTRAINT checks_outcome_check
    CHECK (outcome IN ('compliant', 'non_compliant', 'no_access', 'cancelled'));
ALTER TABLE checks
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancelled_by  uuid REFERENCES officers (id),
    ADD COLUMN cancel_reason text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT checks_cancelled_has_reason
        CHECK ((outcome = 'cancelled') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL));

CREATE TABLE check_corrections (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    check_id              uuid NOT NULL REFERENCES checks (id),
    previous_completed_on date NOT NULL,
    previous_outcome      text NOT NULL,
    previous_notes        text,
    reason                text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    corrected_by          uuid REFERENCES officers (id),
    corrected_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX check_corrections_check ON check_corrections (check_id, corrected_at);

-- +goose Down
DROP TABLE check_corrections;
UPDATE checks SET outcome = NULL, completed_on = NULL WHERE outcome = 'cancelled';
ALTER TABLE checks DROP CONSTRAINT checks_cancelled_has_reason;
ALTER TABLE checks DROP COLUMN cancel_reason, DROP COLUMN cancelled_by, DROP COLUMN cancelled_at;
ALTER TABLE checks DROP CONSTRAINT checks_outcome_check;
ALTER TABLE checks ADD CONSTRAINT checks_outcome_check CHECK (outcome IN ('compliant', 'non_compliant', 'no_access'));
