-- Minutes of a tasking meeting: who was there, actions with a status,
-- decisions corrected or withdrawn with the original kept, the chair's
-- sign-off (after which a change is a recorded amendment), the actions of
-- earlier meetings carried forward onto the agenda, and who the minutes
-- were shared with.

-- +goose Up
ALTER TABLE meetings
    ADD COLUMN chair_id  uuid REFERENCES officers (id),
    ADD COLUMN signed_at timestamptz,
    ADD COLUMN signed_by uuid REFERENCES officers (id),
    ADD CONSTRAINT meetings_signed_by_chair CHECK (signed_at IS NULL OR signed_by IS NOT NULL);

-- Attendees and apologies: an officer of the register, or a named person
-- from outside it (probation, prison staff) with their organisation.
CREATE TABLE meeting_people (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id   uuid NOT NULL REFERENCES meetings (id),
    attendance   text NOT NULL CHECK (attendance IN ('attended', 'apologies')),
    position     integer NOT NULL,
    officer_id   uuid REFERENCES officers (id),
    name         text,
    organisation text,
    CONSTRAINT meeting_people_who CHECK ((officer_id IS NOT NULL AND name IS NULL AND organisation IS NULL)
                                         OR (officer_id IS NULL AND name IS NOT NULL AND organisation IS NOT NULL)),
    UNIQUE (meeting_id, position)
);

ALTER TABLE meeting_decisions DROP CONSTRAINT meeting_decisions_decision_check;
ALTER TABLE meeting_decisions ADD CONSTRAINT meeting_decisions_decision_check
    CHECK (decision IN ('assign_owner', 'schedule_check', 'escalate', 'no_action', 'action', 'note'));
ALTER TABLE meeting_decisions
    -- An action (a decision naming who acts) is open, done or cancelled.
    ADD COLUMN status        text CHECK (status IN ('open', 'done', 'cancelled')),
    ADD COLUMN status_note   text,
    ADD COLUMN status_on     date,
    ADD COLUMN status_by     uuid REFERENCES officers (id),
    ADD COLUMN status_at     timestamptz,
    -- A correction is a new decision naming the one it replaces; the
    -- original stays. A withdrawal ends a decision with a reason.
    ADD COLUMN corrects      uuid REFERENCES meeting_decisions (id),
    ADD COLUMN reason        text,
    ADD COLUMN withdrawn_at  timestamptz,
    ADD COLUMN withdrawn_by  uuid REFERENCES officers (id),
    ADD COLUMN withdrawn_reason text,
    -- Recorded after the chair signed the minutes.
    ADD COLUMN amendment     boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT decisions_action_has_status CHECK ((action_by IS NULL) = (status IS NULL)),
    ADD CONSTRAINT decisions_status_note CHECK (status IS NULL OR status = 'open' OR (status_note IS NOT NULL AND status_on IS NOT NULL)),
    ADD CONSTRAINT decisions_withdrawn_reason CHECK (withdrawn_at IS NULL OR withdrawn_reason IS NOT NULL),
    ADD CONSTRAINT decisions_correction_reason CHECK (corrects IS NULL OR reason IS NOT NULL);
UPDATE meeting_decisions SET status = 'open' WHERE action_by IS NOT NULL;
-- A decision is corrected at most once; the correction may itself be corrected.
CREATE UNIQUE INDEX meeting_decisions_corrects ON meeting_decisions (corrects) WHERE corrects IS NOT NULL;
CREATE INDEX meeting_decisions_open_actions ON meeting_decisions (action_by, due_by) WHERE status = 'open';

-- The open actions of earlier meetings, frozen onto a meeting's agenda
-- when it opens.
CREATE TABLE meeting_carried (
    meeting_id  uuid NOT NULL REFERENCES meetings (id),
    decision_id uuid NOT NULL REFERENCES meeting_decisions (id),
    position    integer NOT NULL,
    overdue     boolean NOT NULL,
    PRIMARY KEY (meeting_id, decision_id)
);

-- Each download of the minutes (CSV or printable) is a disclosure; the
-- minutes list who they were shared with.
CREATE TABLE meeting_shares (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    officer_id uuid REFERENCES officers (id),
    format     text NOT NULL CHECK (format IN ('csv', 'html')),
    purpose    text,
    shared_at  timestamptz NOT NULL
);
CREATE INDEX meeting_shares_meeting ON meeting_shares (meeting_id, shared_at);

-- +goose Down
DROP TABLE meeting_shares;
DROP TABLE meeting_carried;
DROP INDEX meeting_decisions_open_actions;
DROP INDEX meeting_decisions_corrects;
ALTER TABLE meeting_decisions
    DROP COLUMN status, DROP COLUMN status_note, DROP COLUMN status_on, DROP COLUMN status_by, DROP COLUMN status_at,
    DROP COLUMN corrects, DROP COLUMN reason, DROP COLUMN withdrawn_at, DROP COLUMN withdrawn_by,
    DROP COLUMN withdrawn_reason, DROP COLUMN amendment;
DELETE FROM meeting_decisions WHERE decision IN ('action', 'note');
ALTER TABLE meeting_decisions DROP CONSTRAINT meeting_decisions_decision_check;
ALTER TABLE meeting_decisions ADD CONSTRAINT meeting_decisions_decision_check
    CHECK (decision IN ('assign_owner', 'schedule_check', 'escalate', 'no_action'));
DROP TABLE meeting_people;
ALTER TABLE meetings DROP CONSTRAINT meetings_signed_by_chair,
    DROP COLUMN chair_id, DROP COLUMN signed_at, DROP COLUMN signed_by;
