-- The register: officers and their tokens, subjects, orders and their terms,
-- owner assignments, reviews and compliance checks. The rules that must
-- never break live here as constraints, so no code path can skip them.

-- +goose Up
CREATE TABLE officers (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email      text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    force      text REFERENCES forces (code),
    roles      text[] NOT NULL CHECK (
        cardinality(roles) > 0 AND roles <@ ARRAY['admin', 'iom_officer', 'lro', 'orders_officer',
            'prison_liaison', 'tasking_chair', 'regional', 'auditor']),
    active     boolean NOT NULL DEFAULT true,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT officers_email_key UNIQUE (email)
);

-- Tokens are kept only as SHA-256 hashes; the token itself is shown once.
CREATE TABLE officer_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    officer_id uuid NOT NULL REFERENCES officers (id),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid REFERENCES officers (id),
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX officer_tokens_officer ON officer_tokens (officer_id);

-- Per-force policy; a force without a row uses these column defaults.
CREATE TABLE force_policies (
    force                 text PRIMARY KEY REFERENCES forces (code),
    required_roles        text[] NOT NULL DEFAULT '{}'
        CHECK (required_roles <@ ARRAY['iom', 'lro', 'orders_officer']),
    pre_release_days      integer NOT NULL DEFAULT 180 CHECK (pre_release_days BETWEEN 1 AND 1095),
    community_review_days integer NOT NULL DEFAULT 90 CHECK (community_review_days BETWEEN 1 AND 366),
    prison_review_days    integer NOT NULL DEFAULT 180 CHECK (prison_review_days BETWEEN 1 AND 366),
    check_grace_days      integer NOT NULL DEFAULT 0 CHECK (check_grace_days BETWEEN 0 AND 90),
    expiry_warning_days   integer NOT NULL DEFAULT 180 CHECK (expiry_warning_days BETWEEN 1 AND 1095),
    version               integer NOT NULL DEFAULT 1,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subjects (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    first_names       text NOT NULL CHECK (length(first_names) BETWEEN 1 AND 200),
    last_name         text NOT NULL CHECK (length(last_name) BETWEEN 1 AND 200),
    aliases           text[] NOT NULL DEFAULT '{}',
    date_of_birth     date NOT NULL,
    pnc_id            text NOT NULL CHECK (pnc_id ~ '^[0-9]{4}/[0-9]{7}[A-Z]$'),
    visor_id          text,
    prison_number     text CHECK (prison_number ~ '^[A-Z][0-9]{4}[A-Z]{2}$'),
    force             text NOT NULL REFERENCES forces (code),
    custody_status    text NOT NULL CHECK (custody_status IN ('community', 'custody')),
    establishment     text,
    release_date      date,
    release_date_type text CHECK (release_date_type IN ('HDCED', 'CRD', 'ARD', 'PED', 'LED', 'SED')),
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT subjects_pnc_id_key UNIQUE (pnc_id),
    CONSTRAINT subjects_community_has_no_release CHECK (custody_status = 'custody'
        OR (establishment IS NULL AND release_date IS NULL AND release_date_type IS NULL)),
    CONSTRAINT subjects_release_date_has_type CHECK ((release_date IS NULL) = (release_date_type IS NULL))
);
CREATE INDEX subjects_force ON subjects (force, id);

CREATE TABLE orders (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_id           uuid NOT NULL REFERENCES subjects (id),
    type                 text NOT NULL DEFAULT 'scpo' CHECK (type = 'scpo'),
    reference            text NOT NULL CHECK (length(reference) BETWEEN 1 AND 50),
    court                text NOT NULL CHECK (length(court) BETWEEN 1 AND 200),
    court_type           text NOT NULL CHECK (court_type IN ('crown', 'high')),
    made_on              date NOT NULL,
    commencement         text NOT NULL CHECK (commencement IN ('on_date', 'on_release')),
    starts_on            date,
    ends_on              date,
    duration_months      integer CHECK (duration_months BETWEEN 1 AND 60),
    review_interval_days integer CHECK (review_interval_days BETWEEN 1 AND 366),
    status               text NOT NULL CHECK (status IN ('pending', 'active', 'discharged', 'expired', 'quashed')),
    ended_on             date,
    end_reason           text,
    version              integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_on_date_has_start CHECK (commencement = 'on_release' OR starts_on IS NOT NULL),
    CONSTRAINT orders_active_has_start CHECK (status <> 'active' OR starts_on IS NOT NULL),
    CONSTRAINT orders_end_or_duration CHECK (ends_on IS NOT NULL OR duration_months IS NOT NULL),
    CONSTRAINT orders_starts_after_made CHECK (starts_on >= made_on),
    CONSTRAINT orders_ends_after_start CHECK (ends_on > starts_on),
    -- s.16(2): at most five years in force.
    CONSTRAINT orders_at_most_five_years CHECK (ends_on <= (starts_on + interval '5 years')::date),
    CONSTRAINT orders_ended_has_date_and_reason CHECK (
        (status IN ('discharged', 'quashed')) = (ended_on IS NOT NULL AND end_reason IS NOT NULL)),
    CONSTRAINT orders_ended_after_made CHECK (ended_on >= made_on)
);
CREATE INDEX orders_subject ON orders (subject_id);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_terms (
    order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 0),
    category text NOT NULL CHECK (category IN ('financial', 'property', 'working', 'communications',
        'associations', 'premises', 'items', 'travel', 'information', 'electronic_monitoring', 'other')),
    text     text NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
    PRIMARY KEY (order_id, position)
);

-- Every assignment is kept; ending one sets ended_at. The partial unique
-- index is what makes "one current holder per order and role" true under
-- any concurrency.
CREATE TABLE owner_assignments (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id    uuid NOT NULL REFERENCES orders (id),
    role        text NOT NULL CHECK (role IN ('iom', 'lro', 'orders_officer')),
    officer_id  uuid NOT NULL REFERENCES officers (id),
    assigned_at timestamptz NOT NULL DEFAULT now(),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    assigned_by uuid REFERENCES officers (id),
    ended_at    timestamptz,
    ended_by    uuid REFERENCES officers (id),
    end_reason  text,
    CONSTRAINT owner_assignments_end_after_start CHECK (ended_at >= assigned_at)
);
CREATE UNIQUE INDEX owner_assignments_one_current ON owner_assignments (order_id, role) WHERE ended_at IS NULL;
CREATE INDEX owner_assignments_officer_current ON owner_assignments (officer_id) WHERE ended_at IS NULL;

CREATE TABLE reviews (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id    uuid NOT NULL REFERENCES orders (id),
    reviewed_on date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('routine', 'pre_release')),
    outcome     text NOT NULL CHECK (outcome IN ('satisfactory', 'concerns', 'breach_suspected')),
    notes       text,
    recorded_by uuid REFERENCES officers (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_order ON reviews (order_id, reviewed_on DESC);

CREATE TABLE checks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id     uuid NOT NULL REFERENCES orders (id),
    kind         text NOT NULL CHECK (kind IN ('home_visit', 'financial', 'device', 'travel', 'association', 'other')),
    due_on       date NOT NULL,
    completed_on date,
    outcome      text CHECK (outcome IN ('compliant', 'non_compliant', 'no_access')),
    notes        text,
    scheduled_by uuid REFERENCES officers (id),
    completed_by uuid REFERENCES officers (id),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT checks_done_has_outcome CHECK ((completed_on IS NULL) = (outcome IS NULL))
);
CREATE INDEX checks_order_open ON checks (order_id, due_on) WHERE outcome IS NULL;

-- One definition of when each live order's next review and check fall due,
-- shared by the API and the sweeps. The interval is the order's own, else
-- its force's policy for its case type, else 90 days community, 180 prison.
CREATE VIEW order_schedule AS
SELECT o.id AS order_id,
       CASE WHEN o.status IN ('pending', 'active') THEN
           coalesce(lr.last_reviewed_on, o.starts_on, o.made_on)
           + coalesce(o.review_interval_days,
                      CASE WHEN s.custody_status = 'custody'
                           THEN coalesce(p.prison_review_days, 180)
                           ELSE coalesce(p.community_review_days, 90) END)
       END AS next_review_due,
       CASE WHEN o.status IN ('pending', 'active') THEN nc.next_check_due END AS next_check_due
FROM orders o
JOIN subjects s ON s.id = o.subject_id
LEFT JOIN force_policies p ON p.force = s.force
LEFT JOIN LATERAL (SELECT max(r.reviewed_on) AS last_reviewed_on FROM reviews r WHERE r.order_id = o.id) lr ON true
LEFT JOIN LATERAL (SELECT min(c.due_on) AS next_check_due FROM checks c
                   WHERE c.order_id = o.id AND c.outcome IS NULL) nc ON true;

-- +goose Down
DROP VIEW order_schedule;
DROP TABLE checks;
DROP TABLE reviews;
DROP TABLE owner_assignments;
DROP TABLE order_terms;
DROP TABLE orders;
DROP TABLE subjects;
DROP TABLE force_policies;
DROP TABLE officer_tokens;
DROP TABLE officers;
