package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"scpo/domain"
)

// Synthetic subjects take PNC IDs in year 2001, serials counting up from
// the highest 2001 serial already stored, so repeated loads never collide.
const (
	generateBatch     = 50_000
	generateMaxSerial = 9_999_999
	generateMax       = 2_000_000
)

// generateOfficersSQL adds two synthetic officers of each owning role in
// every force. The e-mail addresses are fixed, so a second load reuses them.
const generateOfficersSQL = `
INSERT INTO officers (name, email, force, roles)
SELECT format('Synthetic %s %s %s', f.name, r.label, k),
       format('synthetic.%s.%s@%s.police.example', r.role, k, f.code),
       f.code, ARRAY[r.role]
FROM forces f
CROSS JOIN (VALUES ('iom_officer', 'IOM officer'), ('lro', 'LRO'), ('orders_officer', 'orders officer')) r (role, label)
CROSS JOIN generate_series(1, 2) k
ON CONFLICT (email) DO NOTHING`

// generateFillSQL lays out one batch in a temporary table: a subject and an
// order per serial, plus what owner, review and check each one gets. Every
// choice is a hash of the serial, so a load is reproducible.
const generateFillSQL = `
INSERT INTO gen_batch
WITH f AS (SELECT code, (row_number() OVER (ORDER BY code) - 1)::int AS k, count(*) OVER ()::int AS nf FROM forces),
b AS (
    SELECT g AS serial, h.*,
           h.h1 % 100 < 25 AS custody,
           24 + h.h2 % 37 AS months
    FROM generate_series({first}::bigint, {last}::bigint) g
    CROSS JOIN LATERAL (SELECT
        (hashint8extended(g, 1) & 2147483647)::int AS h1, (hashint8extended(g, 2) & 2147483647)::int AS h2,
        (hashint8extended(g, 3) & 2147483647)::int AS h3, (hashint8extended(g, 4) & 2147483647)::int AS h4,
        (hashint8extended(g, 5) & 2147483647)::int AS h5, (hashint8extended(g, 6) & 2147483647)::int AS h6,
        (hashint8extended(g, 7) & 2147483647)::int AS h7, (hashint8extended(g, 8) & 2147483647)::int AS h8,
        (hashint8extended(g, 9) & 2147483647)::int AS h9, (hashint8extended(g, 10) & 2147483647)::int AS h10,
        (hashint8extended(g, 11) & 2147483647)::int AS h11, (hashint8extended(g, 12) & 2147483647)::int AS h12,
        (hashint8extended(g, 13) & 2147483647)::int AS h13, (hashint8extended(g, 14) & 2147483647)::int AS h14) h
),
d AS (
    SELECT b.*, f.code AS force,
           CASE WHEN b.custody THEN 'on_release'
                ELSE 'on_date' END AS commencement,
           -- Community: 3% start within the next month, the rest started
           -- 1 day to the length of the order ago, so none has ended yet.
           CASE WHEN b.custody THEN NULL
                WHEN b.h3 % 100 < 3 THEN {today} + 1 + b.h4 % 30
                ELSE {today} - 1 - b.h4 % (b.months * 30 - 1) END AS starts_on
    FROM b JOIN f ON f.k = b.serial % f.nf
),
e AS (
    SELECT d.*,
           CASE WHEN d.custody THEN {today} - 30 - d.h4 % 1500
                WHEN d.starts_on > {today} THEN {today} - d.h5 % 30
                ELSE d.starts_on - d.h5 % 30 END AS made_on
    FROM d
)
SELECT e.serial, gen_random_uuid(), gen_random_uuid(), e.force, e.custody,
       format('2001/%s%s', lpad(e.serial::text, 7, '0'),
              substr('ZABCDEFGHJKLMNPQRTUVWXY', ((10000000 + e.serial) % 23)::int + 1, 1)),
       (ARRAY['James', 'John', 'Robert', 'Michael', 'David', 'Paul', 'Mark', 'Daniel', 'Lee', 'Craig',
              'Sarah', 'Emma', 'Lisa', 'Claire', 'Gary', 'Wayne', 'Dean', 'Ryan', 'Jason', 'Karen'])[1 + e.h14 % 20],
       (ARRAY['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Evans', 'Thomas',
              'Roberts', 'Walker', 'Wright', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green', 'Hall', 'Carter',
              'Lewis', 'Harris', 'Clarke', 'Patel', 'Jackson'])[1 + (e.h14 / 20) % 25],
       -- 25 to 65 years old, so an adult when any order was made.
       {today} - (9131 + e.h13 % 14610),
       -- A prison number is held by one subject: derived from the serial,
       -- and starting E to Z so it never meets the demo region's A to D.
       CASE WHEN e.custody THEN chr((69 + (e.serial / 6760000) % 22)::int) || lpad((e.serial % 10000)::text, 4, '0')
                                || chr((65 + (e.serial / 10000) % 26)::int) || chr((65 + (e.serial / 260000) % 26)::int) END,
       CASE WHEN e.custody THEN (ARRAY['HMP Bristol', 'HMP Exeter', 'HMP Channings Wood', 'HMP Guys Marsh',
            'HMP Eastwood Park', 'HMP Leeds', 'HMP Manchester', 'HMP Liverpool', 'HMP Birmingham',
            'HMP Wandsworth', 'HMP Pentonville', 'HMP Belmarsh', 'HMP Cardiff', 'HMP Durham',
            'HMP Nottingham'])[1 + e.h5 % 15] END,
       -- Release from 60 days ago to two years ahead.
       CASE WHEN e.custody THEN {today} - 60 + e.h6 % 781 END,
       CASE WHEN e.custody THEN (ARRAY['CRD', 'ARD', 'HDCED', 'PED'])[1 + e.h7 % 4] END,
       format('GEN%s', lpad(e.serial::text, 7, '0')),
       CASE WHEN e.h7 % 100 < 5 THEN 'High Court'
            ELSE (ARRAY['Bristol Crown Court', 'Exeter Crown Court', 'Leeds Crown Court', 'Manchester Crown Court',
                        'Liverpool Crown Court', 'Birmingham Crown Court', 'Cardiff Crown Court',
                        'Southwark Crown Court', 'Nottingham Crown Court', 'Newcastle Crown Court'])[1 + e.h2 % 10] END,
       CASE WHEN e.h7 % 100 < 5 THEN 'high' ELSE 'crown' END,
       e.made_on, e.commencement, e.starts_on,
       (e.starts_on + make_interval(months => e.months))::date,
       e.months,
       CASE WHEN e.starts_on <= {today} THEN 'active' ELSE 'pending' END,
       -- 40% have a current owner: an officer of their own force.
       CASE WHEN e.h8 % 100 < 40 THEN
           CASE WHEN (e.h8 / 100) % 100 < 40 THEN 'iom' WHEN (e.h8 / 100) % 100 < 75 THEN 'lro'
                ELSE 'orders_officer' END END,
       1 + (e.h8 / 10000) % 2,
       -- 35% reviewed within their interval, 20% reviewed long ago.
       CASE WHEN e.h9 % 100 < 35 THEN greatest(e.made_on, {today} - e.h10 % CASE WHEN e.custody THEN 180 ELSE 90 END)
            WHEN e.h9 % 100 < 55 THEN greatest(e.made_on, {today} - 200 - e.h10 % 500) END,
       CASE WHEN e.custody AND e.h9 % 100 < 35 AND e.h10 % 2 = 0 THEN 'pre_release' ELSE 'routine' END,
       (ARRAY['satisfactory', 'satisfactory', 'satisfactory', 'concerns', 'breach_suspected'])[1 + e.h11 % 5],
       -- 25% have an open check, due from 90 days ago to 60 days ahead;
       -- 10% a completed one.
       CASE WHEN e.h12 % 100 < 25 THEN greatest(e.made_on, {today} - 90 + e.h13 % 150)
            WHEN e.h12 % 100 < 35 THEN greatest(e.made_on, {today} - 30 - e.h13 % 300) END,
       e.h12 % 100 >= 25,
       (ARRAY['home_visit', 'financial', 'device', 'travel', 'association', 'other'])[1 + e.h3 % 6]
FROM e`

const generateTableSQL = `
CREATE TEMP TABLE gen_batch (
    serial bigint, subject_id uuid, order_id uuid, force text, custody boolean, pnc_id text,
    first_names text, last_name text, date_of_birth date, prison_number text, establishment text,
    release_date date, release_date_type text,
    reference text, court text, court_type text, made_on date, commencement text, starts_on date,
    ends_on date, duration_months integer, status text,
    owner_role text, owner_k integer,
    reviewed_on date, review_kind text, review_outcome text,
    check_due date, check_done boolean, check_kind text
) ON COMMIT DROP`

const generateSubjectsSQL = `
INSERT INTO subjects (id, first_names, last_name, date_of_birth, pnc_id, prison_number, force,
                      custody_status, establishment, release_date, release_date_type)
SELECT subject_id, first_names, last_name, date_of_birth, pnc_id, prison_number, force,
       CASE WHEN custody THEN 'custody' ELSE 'community' END, establishment, release_date, release_date_type
FROM gen_batch`

// The orders are written with the copies of their review and service
// (migration 00280) that the triggers on reviews and order_events would
// otherwise set by updating every order again.
const generateOrdersSQL = `
INSERT INTO orders (id, subject_id, reference, court, court_type, made_on, commencement, starts_on, ends_on,
                    duration_months, status, last_reviewed_on, served_on)
SELECT order_id, subject_id, reference, court, court_type, made_on, commencement, starts_on, ends_on,
       duration_months, status, reviewed_on, CASE WHEN serial % 10 <> 0 THEN made_on END
FROM gen_batch`

const generateOwnersSQL = `
INSERT INTO owner_assignments (order_id, role, officer_id, assigned_at, reason)
SELECT g.order_id, g.owner_role, o.id,
       (least({today}, g.made_on + 14) + time '09:00') AT TIME ZONE 'UTC',
       'Allocated at the tasking meeting (synthetic data)'
FROM gen_batch g
JOIN officers o ON o.email = format('synthetic.%s.%s@%s.police.example',
    CASE g.owner_role WHEN 'iom' THEN 'iom_officer' ELSE g.owner_role END, g.owner_k, g.force)
WHERE g.owner_role IS NOT NULL`

const generateReviewsSQL = `
INSERT INTO reviews (order_id, reviewed_on, kind, outcome, notes)
SELECT order_id, reviewed_on, review_kind, review_outcome, 'Synthetic review'
FROM gen_batch WHERE reviewed_on IS NOT NULL`

const generateCustodySQL = `
INSERT INTO custody_periods (subject_id, establishment, release_date, release_date_type)
SELECT subject_id, establishment, release_date, release_date_type FROM gen_batch WHERE custody`

const generateChecksSQL = `
INSERT INTO checks (order_id, kind, due_on, completed_on, outcome)
SELECT order_id, check_kind, check_due,
       CASE WHEN check_done THEN check_due END, CASE WHEN check_done THEN 'compliant' END
FROM gen_batch WHERE check_due IS NOT NULL`

// Nine in ten orders were served at the hearing (s.10); the rest raise
// not_served once in force. (generateOrdersSQL writes the same into
// orders.served_on.)
const generateServiceSQL = `
INSERT INTO order_events (order_id, kind, on_date, details)
SELECT order_id, 'served', made_on, '{"method": "represented_at_hearing"}'::jsonb
FROM gen_batch WHERE serial % 10 <> 0`

// GenerateOrders loads n synthetic live orders, one subject each, spread
// over every force, for load testing the sweeps: about a quarter of the
// subjects in custody with release dates from 60 days ago to two years
// ahead (their orders pending on release), the rest on orders that started
// on a date (mostly active, some ending within six months, a few starting
// next month); 40% of orders with a current owner, some reviewed recently
// and some long ago, a quarter with an open compliance check (many
// overdue). It first adds a few hundred synthetic officers to own them.
//
// The rows are written set-based, a batch of up to 50,000 orders per
// transaction, and the tables are analysed at the end. It returns the
// number of orders inserted; on error, the batches already committed stay.
func (s *Store) GenerateOrders(ctx context.Context, n int, today domain.Date) (int, error) {
	if n < 1 || n > generateMax {
		return 0, fmt.Errorf("generate: the number of orders must be between 1 and %d", generateMax)
	}
	db := s.db.WithContext(ctx)
	if err := db.Exec(generateOfficersSQL).Error; err != nil {
		return 0, fmt.Errorf("generate officers: %w", err)
	}
	// The values are the store's own, so they go into the text directly.
	day := strings.NewReplacer("{today}", "DATE '"+today.String()+"'")
	total := 0
	for total < n {
		size := min(generateBatch, n-total)
		err := s.tx(ctx, func(tx *gorm.DB) error {
			// Loads take turns, so two never pick the same serials.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:generate'))`).Error; err != nil {
				return err
			}
			var last int64
			if err := tx.Raw(`SELECT coalesce(max(substr(pnc_id, 6, 7)::int), 0) FROM subjects
				WHERE pnc_id LIKE '2001/%'`).Scan(&last).Error; err != nil {
				return err
			}
			if last+int64(size) > generateMaxSerial {
				return fmt.Errorf("the synthetic PNC serials for 2001 are used up (highest %d)", last)
			}
			if err := tx.Exec(generateTableSQL).Error; err != nil {
				return err
			}
			fill := strings.NewReplacer("{first}", strconv.FormatInt(last+1, 10),
				"{last}", strconv.FormatInt(last+int64(size), 10)).Replace(day.Replace(generateFillSQL))
			if err := tx.Exec(fill).Error; err != nil {
				return err
			}
			if err := tx.Exec(generateSubjectsSQL).Error; err != nil {
				return err
			}
			res := tx.Exec(generateOrdersSQL)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(size) {
				return fmt.Errorf("inserted %d orders, want %d", res.RowsAffected, size)
			}
			for _, q := range []string{generateCustodySQL, generateOwnersSQL, generateReviewsSQL, generateChecksSQL, generateServiceSQL} {
				if err := tx.Exec(day.Replace(q)).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("generate orders: %w", err)
		}
		total += size
	}
	// Through scpo_analyze (migration 00140): the service role owns no
	// table, and a plain ANALYZE as it skips every one with a warning.
	if err := db.Exec(`SELECT scpo_analyze(ARRAY['officers', 'subjects', 'custody_periods', 'orders', 'owner_assignments',
		'reviews', 'checks'])`).Error; err != nil {
		return total, fmt.Errorf("analyse: %w", err)
	}
	return total, nil
}
