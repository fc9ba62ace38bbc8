package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// Rows the import writes in batches. Each is a table the API writes one
// row at a time; the columns are the ones those writes set.
type importAssignmentRow struct {
	ID         string
	OrderID    string
	Role       string
	OfficerID  string
	AssignedAt time.Time
	Reason     string
	AssignedBy *string
}

func (importAssignmentRow) TableName() string { return "owner_assignments" }

type importReviewRow struct {
	ID         string
	OrderID    string
	ReviewedOn time.Time
	Kind       string
	Outcome    string
	RecordedBy *string // who ran the import
	Imported   bool
	CreatedAt  time.Time
}

func (importReviewRow) TableName() string { return "reviews" }

type importCheckRow struct {
	ID          string
	OrderID     string
	Kind        string
	DueOn       time.Time
	ScheduledBy *string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (importCheckRow) TableName() string { return "checks" }

type importCustodyRow struct {
	ID              string
	SubjectID       string
	Establishment   *string
	ReleaseDate     *time.Time
	ReleaseDateType *string
	RecordedAt      time.Time
	UpdatedAt       time.Time
}

func (importCustodyRow) TableName() string { return "custody_periods" }

// importBatch is how many rows are written per statement batch (and how
// often progress is told while committing).
const importBatch = 250

// Import checks a sheet of a force's records against the rules and the
// register, and either answers what it would do (a dry run, read-only) or
// commits all of it in one transaction. A subject is matched by PNC ID (its
// prison number must not belong to anyone else), an order by subject,
// court reference (any case) and date made; matched records are left as
// they are, so importing the same file again changes nothing. Any problem
// refuses the whole commit, naming every row and column.
func (s *Store) Import(ctx context.Context, r domain.ImportRequest) (domain.ImportResult, error) {
	today := s.Today()
	progress := r.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	res := domain.ImportResult{Force: r.Force, Rows: len(r.Sheet.Rows), Items: []domain.ImportItem{},
		Errors: append([]domain.ImportProblem{}, r.Sheet.Problems...), Warnings: []domain.ImportProblem{}}
	if r.Force == "" {
		return res, domain.Invalid("force", "is required: the force whose records these are")
	}
	if !domain.ScopeFrom(ctx).CanWrite(r.Force) {
		return res, domain.Invalid("force", "you can only import into a force you work for")
	}

	// Each row on its own, with the domain's rules.
	recs := make([]domain.ImportRecord, len(r.Sheet.Rows))
	rowBad := make([]bool, len(r.Sheet.Rows))
	for i, row := range r.Sheet.Rows {
		rec, problems := row.Record(r.Force, today, r.Sheet.ExcelDates)
		recs[i] = rec
		rowBad[i] = len(problems) > 0
		res.Errors = append(res.Errors, problems...)
		if i%100 == 99 {
			progress("checking rows", i+1, len(recs))
		}
	}
	progress("checking rows", len(recs), len(recs))
	res.Errors = append(res.Errors, sheetConflicts(recs, rowBad)...)

	plan := func(tx *gorm.DB) (*importPlan, error) {
		var known int64
		if err := tx.Table("forces").Where("code = ?", r.Force).Count(&known).Error; err != nil {
			return nil, err
		}
		if known == 0 {
			return nil, domain.Invalid("force", "is not a known force code")
		}
		p, err := s.planImport(ctx, tx, r.Force, recs, rowBad, &res)
		// Row by row, each row's problems in column order as found.
		slices.SortStableFunc(res.Errors, func(a, b domain.ImportProblem) int { return a.Row - b.Row })
		slices.SortStableFunc(res.Warnings, func(a, b domain.ImportProblem) int { return a.Row - b.Row })
		return p, err
	}

	if !r.Commit {
		// Read-only: nothing is locked or written.
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET TRANSACTION READ ONLY`).Error; err != nil {
				return err
			}
			_, err := plan(tx)
			return err
		})
		res.Ready = len(res.Errors) == 0
		return res, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// Imports into one force take turns, so two commits of the same
		// file cannot both create what neither found.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:import:' || ?))`, r.Force).Error; err != nil {
			return err
		}
		p, err := plan(tx)
		if err != nil {
			return err
		}
		if err := res.Refusal(); err != nil {
			return err
		}
		return s.writeImport(ctx, tx, r, recs, p, &res, progress)
	})
	if err != nil {
		res.Committed = false
		return res, err
	}
	res.Committed, res.Ready = true, true
	return res, nil
}

// sheetConflicts finds what the rows say against each other: one PNC ID
// given different identities, one prison number given to two PNC IDs, the
// same order twice.
func sheetConflicts(recs []domain.ImportRecord, rowBad []bool) []domain.ImportProblem {
	var out []domain.ImportProblem
	byPNC := map[string]int{}
	byPrison := map[string]int{}
	orders := map[string]int{}
	for i, rec := range recs {
		if rowBad[i] {
			continue
		}
		sub := rec.Subject
		if j, ok := byPNC[sub.PNCID]; ok {
			first := recs[j].Subject
			for _, d := range []struct{ col, a, b string }{
				{"first_names", first.FirstNames, sub.FirstNames}, {"last_name", first.LastName, sub.LastName},
				{"date_of_birth", first.DateOfBirth.String(), sub.DateOfBirth.String()},
				{"prison_number", deref(first.PrisonNumber), deref(sub.PrisonNumber)},
				{"custody_status", first.Custody.Status, sub.Custody.Status},
			} {
				if !strings.EqualFold(d.a, d.b) {
					out = append(out, domain.ImportProblem{Row: rec.Row, Column: d.col,
						Message: fmt.Sprintf("row %d gives the same PNC ID with %s %q: one subject, one identity", recs[j].Row, d.col, d.a)})
				}
			}
		} else {
			byPNC[sub.PNCID] = i
		}
		if sub.PrisonNumber != nil {
			if j, ok := byPrison[*sub.PrisonNumber]; ok && recs[j].Subject.PNCID != sub.PNCID {
				out = append(out, domain.ImportProblem{Row: rec.Row, Column: "prison_number",
					Message: fmt.Sprintf("row %d gives this prison number to another PNC ID", recs[j].Row)})
			} else if !ok {
				byPrison[*sub.PrisonNumber] = i
			}
		}
		key := sub.PNCID + "\x00" + strings.ToLower(rec.Order.Reference) + "\x00" + rec.Order.MadeOn.String()
		if j, ok := orders[key]; ok {
			out = append(out, domain.ImportProblem{Row: rec.Row, Column: "reference",
				Message: fmt.Sprintf("duplicate of row %d: the same order (subject, court reference and date made)", recs[j].Row)})
		} else {
			orders[key] = i
		}
	}
	return out
}

// importPlan is what the register already holds for a sheet.
type importPlan struct {
	subjects map[string]subjectRow        // by PNC ID: matched subjects
	orders   map[int]string               // record index → matched order id
	officers map[string]domain.Officer    // by email
	owners   map[int][]domain.ImportOwner // record index → owners to assign
}

// planImport matches the sheet's records against the register inside tx
// (nothing here reaches back to the pool) and fills res's items, errors and
// warnings.
func (s *Store) planImport(ctx context.Context, tx *gorm.DB, force string, recs []domain.ImportRecord, rowBad []bool,
	res *domain.ImportResult) (*importPlan, error) {
	p := &importPlan{subjects: map[string]subjectRow{}, orders: map[int]string{}, officers: map[string]domain.Officer{},
		owners: map[int][]domain.ImportOwner{}}
	pncs, prisons, emails := []string{}, []string{}, []string{}
	for _, rec := range recs {
		pncs = append(pncs, rec.Subject.PNCID)
		if rec.Subject.PrisonNumber != nil {
			prisons = append(prisons, *rec.Subject.PrisonNumber)
		}
		for _, o := range rec.Owners {
			emails = append(emails, o.Email)
		}
	}
	var existing []subjectRow
	if err := tx.Where("pnc_id = ANY (CAST(? AS text[])) OR prison_number = ANY (CAST(? AS text[]))",
		textArray(pncs), textArray(prisons)).Find(&existing).Error; err != nil {
		return nil, err
	}
	byPrison := map[string]subjectRow{}
	var subjectIDs []string
	for _, e := range existing {
		p.subjects[deref(e.PNCID)] = e
		if e.PrisonNumber != nil {
			byPrison[*e.PrisonNumber] = e
		}
		subjectIDs = append(subjectIDs, e.ID)
	}
	var existingOrders []struct {
		ID, SubjectID, Ref string
		MadeOn             time.Time
	}
	if len(subjectIDs) > 0 {
		if err := tx.Raw(`SELECT id, subject_id, lower(reference) AS ref, made_on FROM orders WHERE subject_id = ANY (CAST(? AS uuid[]))`,
			textArray(subjectIDs)).Scan(&existingOrders).Error; err != nil {
			return nil, err
		}
	}
	orderKey := func(subjectID, ref string, made time.Time) string {
		return subjectID + "\x00" + strings.ToLower(ref) + "\x00" + made.Format(domain.DateLayout)
	}
	orderIDs := map[string]string{}
	for _, o := range existingOrders {
		orderIDs[orderKey(o.SubjectID, o.Ref, o.MadeOn)] = o.ID
	}
	if len(emails) > 0 {
		var officers []officerRow
		if err := tx.Where("email = ANY (CAST(? AS text[]))", textArray(emails)).Find(&officers).Error; err != nil {
			return nil, err
		}
		for _, o := range officers {
			p.officers[o.Email] = o.domain()
		}
	}

	problem := func(list *[]domain.ImportProblem, row int, col, format string, args ...any) {
		*list = append(*list, domain.ImportProblem{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	forceWords := forceName(tx, force)
	for i, rec := range recs {
		sub, o := rec.Subject, rec.Order
		errorsBefore := len(res.Errors)
		item := domain.ImportItem{Row: rec.Row, PNCID: sub.PNCID, Reference: o.Reference, Status: o.Status,
			Subject: domain.ImportAction{Action: "create"}, Order: domain.ImportAction{Action: "create"}, Owners: []string{},
			Review: rec.Review != nil, Check: rec.Check != nil}
		if rowBad[i] {
			item.Subject.Action, item.Order.Action = "error", "error"
			res.Items = append(res.Items, item)
			continue
		}
		matched, isMatch := p.subjects[sub.PNCID]
		if isMatch {
			if matched.Force != force {
				problem(&res.Errors, rec.Row, "pnc_id", "a subject of another force holds this PNC ID: that force moves them to %s first, or imports the order itself", forceWords)
			} else {
				id := matched.ID
				item.Subject = domain.ImportAction{Action: "match", ID: &id}
				domain.Note(ctx, "subject", id)
				if !strings.EqualFold(matched.LastName, sub.LastName) || matched.DateOfBirth == nil || !matched.DateOfBirth.Equal(sub.DateOfBirth.Time) {
					problem(&res.Warnings, rec.Row, "pnc_id", "matches a subject the register holds as %s %s born %s; the register's record is kept",
						matched.FirstNames, matched.LastName, matched.domain().DateOfBirth)
				}
			}
		}
		if sub.PrisonNumber != nil {
			if holder, ok := byPrison[*sub.PrisonNumber]; ok && deref(holder.PNCID) != sub.PNCID {
				problem(&res.Errors, rec.Row, "prison_number", "another subject in the register holds this prison number")
			}
		}
		if isMatch && matched.Force == force {
			if id, ok := orderIDs[orderKey(matched.ID, o.Reference, o.MadeOn.Time)]; ok {
				item.Order = domain.ImportAction{Action: "match", ID: &id}
				p.orders[i] = id
				domain.Note(ctx, "order", id)
				res.Summary.OrdersMatched++
				res.Items = append(res.Items, item)
				continue // already recorded: left as it is
			}
		}
		if o.Ended() {
			res.Summary.OrdersExpired++
			problem(&res.Warnings, rec.Row, "ends_on", "the order ended on %s: it comes in %s and raises no flags", o.EndsOn, o.Status)
		}
		for _, own := range rec.Owners {
			officer, ok := p.officers[own.Email]
			switch {
			case !ok:
				problem(&res.Errors, rec.Row, domain.OwnerColumn(own.Role), "no officer in the register has this email: add them first (POST /api/v1/officers)")
			case o.Ended():
				problem(&res.Warnings, rec.Row, domain.OwnerColumn(own.Role), "not recorded: an ended order takes no owners")
			default:
				if err := domain.CanOwn(officer, own.Role, domain.Force{Code: force, Name: forceWords}); err != nil {
					problem(&res.Errors, rec.Row, domain.OwnerColumn(own.Role), "%s", err.(*domain.ValidationError).Errors[0].Message)
					continue
				}
				p.owners[i] = append(p.owners[i], own)
				item.Owners = append(item.Owners, own.Role)
			}
		}
		if o.Ended() && rec.Review != nil {
			problem(&res.Warnings, rec.Row, "last_review_on", "not recorded: an ended order takes no reviews")
			item.Review = false
		}
		if o.Ended() && rec.Check != nil {
			problem(&res.Warnings, rec.Row, "next_check_due", "not recorded: an ended order takes no checks")
			item.Check = false
		}
		// A problem found here (another force's subject, an owner who
		// cannot own) stops the row as a row-level one does: it was
		// listed as to be created, and counted.
		if len(res.Errors) > errorsBefore {
			item.Subject.Action, item.Order.Action = "error", "error"
			if o.Ended() {
				res.Summary.OrdersExpired-- // counted above as coming in ended; it does not come in
			}
		}
		res.Items = append(res.Items, item)
	}
	// Count what would be created and matched.
	newSubjects, matchedSubjects := map[string]bool{}, map[string]bool{}
	for _, it := range res.Items {
		switch it.Subject.Action {
		case "create":
			newSubjects[it.PNCID] = true
		case "match":
			matchedSubjects[it.PNCID] = true
		}
		if it.Order.Action == "create" {
			res.Summary.OrdersCreated++
			res.Summary.OwnersAssigned += len(it.Owners)
			if it.Review {
				res.Summary.ReviewsRecorded++
			}
			if it.Check {
				res.Summary.ChecksScheduled++
			}
		}
	}
	res.Summary.SubjectsCreated, res.Summary.SubjectsMatched = len(newSubjects), len(matchedSubjects)
	return p, nil
}

// writeImport records a planned, clean sheet inside tx, in batches.
func (s *Store) writeImport(ctx context.Context, tx *gorm.DB, r domain.ImportRequest, recs []domain.ImportRecord,
	p *importPlan, res *domain.ImportResult, progress func(string, int, int)) error {
	now := s.now()
	by := actorID(ctx)
	reason := "imported"
	if r.Source != "" {
		reason = "imported from " + r.Source
	}
	if len(reason) > 500 {
		reason = reason[:500]
	}
	created := map[string]string{} // PNC ID → new subject id
	if trail := domain.AuditFrom(ctx); trail != nil && res.Summary.OrdersCreated == 0 {
		// Nothing new: the file only matched what the register holds.
		trail.SetAction(domain.ActionConsultation)
	}
	analyseAt := importBatch
	for start := 0; start < len(recs); start += importBatch {
		end := min(start+importBatch, len(recs))
		var (
			subjects    []subjectRow
			custody     []importCustodyRow
			orders      []orderRow
			terms       []termRow
			assignments []importAssignmentRow
			reviews     []importReviewRow
			checks      []importCheckRow
			touchedIDs  []string
			// Orders whose service is known: id, day, method, address.
			servedIDs, servedOn, servedBy, servedAt []string
		)
		for i := start; i < end; i++ {
			rec := recs[i]
			item := &res.Items[i]
			if _, matched := p.orders[i]; matched {
				continue
			}
			subjectID := ""
			if m, ok := p.subjects[rec.Subject.PNCID]; ok {
				subjectID = m.ID
			} else if id, ok := created[rec.Subject.PNCID]; ok {
				subjectID = id
			} else {
				sub := rec.Subject
				sub.ID, sub.Version, sub.CreatedAt, sub.UpdatedAt = newID(), 1, now, now
				subjects = append(subjects, subjectRowOf(sub))
				if sub.Custody.InCustody() {
					custody = append(custody, importCustodyRow{ID: newID(), SubjectID: sub.ID, Establishment: sub.Custody.Establishment,
						ReleaseDate: timePtr(sub.Custody.ReleaseDate), ReleaseDateType: sub.Custody.ReleaseDateType,
						RecordedAt: now, UpdatedAt: now})
				}
				created[sub.PNCID] = sub.ID
				subjectID = sub.ID
			}
			sid := subjectID
			item.Subject.ID = &sid
			domain.Note(ctx, "subject", subjectID)

			o := rec.Order
			o.ID, o.SubjectID, o.Version, o.CreatedAt, o.UpdatedAt = newID(), subjectID, 1, now, now
			orders = append(orders, orderRowOf(o))
			for k, t := range o.Terms {
				terms = append(terms, termRow{OrderID: o.ID, Position: k, TermID: newID(), Category: t.Category, Text: t.Text,
					StartsOn: timePtr(t.StartsOn), EndsOn: timePtr(t.EndsOn), Monitoring: monitoringJSON(t.Monitoring)})
			}
			oid := o.ID
			item.Order.ID = &oid
			domain.Note(ctx, "order", o.ID)
			touchedIDs = append(touchedIDs, o.ID)
			for _, own := range p.owners[i] {
				since := time.Date(own.Since.Year(), own.Since.Month(), own.Since.Day(), 0, 0, 0, 0, s.loc).UTC()
				assignments = append(assignments, importAssignmentRow{ID: newID(), OrderID: o.ID, Role: own.Role,
					OfficerID: p.officers[own.Email].ID, AssignedAt: since, Reason: reason, AssignedBy: by})
			}
			if item.Review {
				reviews = append(reviews, importReviewRow{ID: newID(), OrderID: o.ID, ReviewedOn: rec.Review.ReviewedOn.Time,
					Kind: rec.Review.Kind, Outcome: rec.Review.Outcome, RecordedBy: by, Imported: true, CreatedAt: now})
			}
			if sv := rec.Service; sv != nil {
				servedIDs, servedOn = append(servedIDs, o.ID), append(servedOn, sv.ServedOn.String())
				servedBy, servedAt = append(servedBy, sv.Method), append(servedAt, deref(sv.Address))
			}
			if item.Check {
				checks = append(checks, importCheckRow{ID: newID(), OrderID: o.ID, Kind: rec.Check.Kind,
					DueOn: rec.Check.DueOn.Time, ScheduledBy: by, Version: 1, CreatedAt: now, UpdatedAt: now})
			}
		}
		for _, batch := range []any{&subjects, &custody, &orders, &terms, &assignments, &reviews, &checks} {
			if err := createAll(tx, batch); err != nil {
				return err
			}
		}
		// As an order made through the API: its "made" event and version 1
		// of each term, so the terms in force on any day since it was made
		// are answerable (a breach names them).
		if len(touchedIDs) > 0 {
			if err := recordMade(tx, touchedIDs, now); err != nil {
				return err
			}
		}
		// Service, where the file says: as POST /orders/{id}/service
		// records it (the order's served_on follows, migration 00280).
		if len(servedIDs) > 0 {
			if err := tx.Exec(`INSERT INTO order_events (order_id, kind, on_date, court, details, recorded_by, recorded_at)
				SELECT o.id, 'served', v.on_date, CASE WHEN v.method = 'represented_at_hearing' THEN o.court END,
				       jsonb_build_object('method', v.method, 'served_on', v.on_date,
				       'address', NULLIF(v.address, ''), 'notes', NULL), ?, ?
				FROM unnest(CAST(? AS uuid[]), CAST(? AS date[]), CAST(? AS text[]), CAST(? AS text[])) AS v(id, on_date, method, address)
				JOIN orders o ON o.id = v.id`, by, now, textArray(servedIDs), textArray(servedOn), textArray(servedBy),
				textArray(servedAt)).Error; err != nil {
				return err
			}
		}
		// The flag rules run for every new order before the commit
		// (refresh.go) and raise what they find, the swept kinds too:
		// today's agenda and the region's counts read the open flags, so
		// an imported register is right at once, not at the next sweeps.
		for _, kind := range sweptKinds() {
			raiseNow(tx, kind, touchedIDs...)
		}
		// The rows written so far are the transaction's own, and nobody
		// has counted them: planned as the empty tables they were, the
		// next batch's statements (recordMade, the triggers' look-ups)
		// read every row written so far, and a 10,000-row file took 19 s
		// instead of 2. Counted as the file doubles, the plans keep up.
		// Only the tables the file is a large share of (a fifth or more):
		// a force's first import, not one into a national register, whose
		// statistics already count it as large. From a small sample, as
		// the sweeps do.
		if end >= analyseAt {
			var res struct{ Stale textArray } // a slice destination would be read as rows
			if err := tx.Raw(`SELECT coalesce(array_agg(relname::text), '{}') AS stale FROM pg_class
				WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname = ANY (CAST(? AS text[]))
				  AND reltuples < 5 * ?`, textArray(importTables), end).Scan(&res).Error; err != nil {
				return err
			}
			stale := res.Stale
			if len(stale) > 0 {
				if err := tx.Exec(`SET LOCAL default_statistics_target = 10`).Error; err != nil {
					return err
				}
				if err := tx.Exec(`SELECT scpo_analyze(CAST(? AS text[]))`, stale).Error; err != nil {
					return err
				}
				if err := tx.Exec(`SET LOCAL default_statistics_target TO DEFAULT`).Error; err != nil {
					return err
				}
			}
			analyseAt *= 2
		}
		progress("writing", end, len(recs))
	}
	return nil
}

// importTables are the tables an import writes to.
var importTables = []string{"subjects", "custody_periods", "orders", "order_terms", "owner_assignments", "reviews",
	"checks", "order_events", "term_versions"}

// createAll inserts a slice of rows, if it has any.
func createAll(tx *gorm.DB, rows any) error {
	n := 0
	switch x := rows.(type) {
	case *[]subjectRow:
		n = len(*x)
	case *[]importCustodyRow:
		n = len(*x)
	case *[]orderRow:
		n = len(*x)
	case *[]termRow:
		n = len(*x)
	case *[]importAssignmentRow:
		n = len(*x)
	case *[]importReviewRow:
		n = len(*x)
	case *[]importCheckRow:
		n = len(*x)
	}
	if n == 0 {
		return nil
	}
	return translate(tx.CreateInBatches(rows, 500).Error)
}

var _ domain.Importer = (*Store)(nil)
