-- Sensitive tasking meetings: the agenda is frozen when the meeting is
-- opened, and each decision is recorded against its agenda item, with who
-- is to act and by when, and what the service did about it.

-- +goose Up
CREATE TABLE meetings (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    force      text NOT NULL REFERENCES forces (code),
    held_on    date NOT NULL,
    created_by uuid REFERENCES officers (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX meetings_force ON meetings (force, held_on DESC);

CREATE TABLE meeting_items (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id  uuid NOT NULL REFERENCES meetings (id),
    position    integer NOT NULL,
    flag_id     uuid NOT NULL REFERENCES flags (id),
    kind        text NOT NULL,
    order_id    uuid NOT NULL REFERENCES orders (id),
    subject_id  uuid NOT NULL REFERENCES subjects (id),
    case_type   text NOT NULL,
    raised_at   timestamptz NOT NULL,
    details     jsonb NOT NULL,
    UNIQUE (meeting_id, position)
);

CREATE TABLE meeting_decisions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id    uuid NOT NULL REFERENCES meetings (id),
    item_id       uuid NOT NULL REFERENCES meeting_items (id),
    decision      text NOT NULL CHECK (decision IN ('assign_owner', 'schedule_check', 'escalate', 'no_action')),
    action_by     uuid REFERENCES officers (id),
    due_by        date,
    notes         text,
    owner_role    text CHECK (owner_role IN ('iom', 'lro', 'orders_officer')),
    owner_id      uuid REFERENCES officers (id),
    check_kind    text,
    check_due_on  date,
    assignment_id uuid REFERENCES owner_assignments (id),
    check_id      uuid REFERENCES checks (id),
    decided_by    uuid REFERENCES officers (id),
    decided_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT decisions_assign_has_owner CHECK (decision <> 'assign_owner' OR (owner_role IS NOT NULL AND owner_id IS NOT NULL AND assignment_id IS NOT NULL)),
    CONSTRAINT decisions_check_has_check CHECK (decision <> 'schedule_check' OR check_id IS NOT NULL)
);
CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id);

-- +goose Down
DROP TABLE meeting_decisions;
DROP TABLE meeting_items;
DROP TABLE meetings;
