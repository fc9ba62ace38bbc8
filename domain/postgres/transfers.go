package postgres

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"scpo/domain"
)

type transferRow struct {
	ID             string
	SubjectID      string
	FromForce      string
	ToForce        string
	Status         string
	Reason         string
	RequestedBy    *string
	RequestedAt    time.Time
	DecidedBy      *string
	DecidedAt      *time.Time
	DecisionReason *string
	FirstNames     string  `gorm:"->"`
	LastName       string  `gorm:"->"`
	PNCID          string  `gorm:"column:pnc_id;->"`
	RName          *string `gorm:"->"`
	REmail         *string `gorm:"->"`
	DName          *string `gorm:"->"`
	DEmail         *string `gorm:"->"`
}

func (r transferRow) domain() domain.Transfer {
	t := domain.Transfer{ID: r.ID, SubjectID: r.SubjectID, SubjectName: strings.TrimSpace(r.FirstNames + " " + r.LastName), PNCID: r.PNCID,
		Orders: []domain.TransferOrder{}, FromForce: r.FromForce, ToForce: r.ToForce, Status: r.Status, Reason: r.Reason,
		RequestedBy: officerRef(r.RequestedBy, r.RName, r.REmail), RequestedAt: r.RequestedAt.UTC(),
		DecidedBy: officerRef(r.DecidedBy, r.DName, r.DEmail), DecisionReason: r.DecisionReason}
	if r.DecidedAt != nil {
		at := r.DecidedAt.UTC()
		t.DecidedAt = &at
	}
	return t
}

const transferSelect = `SELECT t.*, s.first_names, s.last_name, s.pnc_id, rb.name AS r_name, rb.email AS r_email,
	db.name AS d_name, db.email AS d_email
	FROM transfers t JOIN subjects s ON s.id = t.subject_id
	LEFT JOIN officers rb ON rb.id = t.requested_by LEFT JOIN officers db ON db.id = t.decided_by `

// transfers loads transfers with the orders of their subjects, in two
// queries whatever their number.
func (s *Store) transfers(db *gorm.DB, where string, args []any, order string, limit int) ([]domain.Transfer, error) {
	var rows []transferRow
	if err := db.Raw(transferSelect+`WHERE `+where+` ORDER BY `+order+` `+limitSQL(limit), args...).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Transfer, len(rows))
	subjects := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		subjects[i] = r.SubjectID
		domain.Note(db.Statement.Context, "transfer", r.ID)
		domain.Note(db.Statement.Context, "subject", r.SubjectID)
	}
	if len(rows) == 0 {
		return out, nil
	}
	var orders []struct {
		SubjectID string
		ID        string
		Reference string
		Status    string
	}
	if err := db.Raw(`SELECT subject_id, id, reference, status FROM orders WHERE subject_id IN ? ORDER BY made_on, id`,
		subjects).Scan(&orders).Error; err != nil {
		return nil, err
	}
	for i := range out {
		for _, o := range orders {
			if o.SubjectID == out[i].SubjectID {
				out[i].Orders = append(out[i].Orders, domain.TransferOrder{OrderID: o.ID, Reference: o.Reference, Status: o.Status})
			}
		}
	}
	return out, nil
}

// canSeeTransfer: a transfer is the business of both forces, the receiver
// included before the subject is theirs (it names the subject and the
// orders' references, enough to decide).
func canSeeTransfer(ctx context.Context, t domain.Transfer) error {
	sc := domain.ScopeFrom(ctx)
	if sc.CanRead(t.FromForce) || sc.CanRead(t.ToForce) {
		return nil
	}
	return domain.ErrNotFound
}

// RequestTransfer asks for a subject, with their orders, to move to
// another force. The sending force asks; the subject stays with it until
// the receiving force accepts.
func (s *Store) RequestTransfer(ctx context.Context, r domain.TransferRequest) (domain.Transfer, error) {
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sub, err := getSubject(tx, r.SubjectID, "UPDATE")
		if err != nil {
			return err
		}
		if err := canChange(ctx, sub.Force); err != nil {
			return err
		}
		domain.Note(ctx, "subject", sub.ID)
		v := &domain.ValidationError{}
		r.Validate(sub.Force, v)
		if !v.Has("to_force") {
			var known int64
			if err := tx.Table("forces").Where("code = ?", r.ToForce).Count(&known).Error; err != nil {
				return err
			}
			if known == 0 {
				v.Add("to_force", "is not a known force code")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		id = newID()
		domain.Note(ctx, "transfer", id)
		return translate(tx.Exec(`INSERT INTO transfers (id, subject_id, from_force, to_force, status, reason, requested_by, requested_at)
			VALUES (?, ?, ?, ?, 'requested', ?, ?, ?)`, id, sub.ID, sub.Force, r.ToForce, r.Reason, actorID(ctx), s.now()).Error)
	})
	if err != nil {
		return domain.Transfer{}, err
	}
	return s.GetTransfer(ctx, id)
}

// GetTransfer returns one transfer either force may see.
func (s *Store) GetTransfer(ctx context.Context, id string) (domain.Transfer, error) {
	if !validID(id) {
		return domain.Transfer{}, domain.ErrNotFound
	}
	list, err := s.transfers(s.db.WithContext(ctx), "t.id = ?", []any{id}, "t.id", 1)
	if err != nil {
		return domain.Transfer{}, err
	}
	if len(list) == 0 {
		return domain.Transfer{}, domain.ErrNotFound
	}
	if err := canSeeTransfer(ctx, list[0]); err != nil {
		return domain.Transfer{}, err
	}
	return list[0], nil
}

// transfersWhere is the condition (and its arguments) naming the
// transfers f lists, of those the caller may see.
func transfersWhere(ctx context.Context, f domain.TransferFilter) (string, []any) {
	where, args := "true", []any{}
	sc := domain.ScopeFrom(ctx)
	if !sc.AllForces {
		forces := append([]string{""}, sc.ReadForces...)
		where, args = "(t.from_force IN ? OR t.to_force IN ?)", []any{forces, forces}
	}
	if f.Force != "" {
		switch f.Direction {
		case "incoming":
			where, args = where+" AND t.to_force = ?", append(args, f.Force)
		case "outgoing":
			where, args = where+" AND t.from_force = ?", append(args, f.Force)
		default:
			where, args = where+" AND (t.to_force = ? OR t.from_force = ?)", append(args, f.Force, f.Force)
		}
	}
	if f.Status != "" {
		where, args = where+" AND t.status = ?", append(args, f.Status)
	}
	if f.Settled {
		where += " AND t.status <> 'requested'"
	}
	if f.SubjectID != "" {
		where, args = where+" AND t.subject_id = ?", append(args, f.SubjectID)
	}
	return where, args
}

// ListTransfers lists transfers, newest first: a force's incoming ones
// (waiting on its chair), its outgoing ones, or both.
func (s *Store) ListTransfers(ctx context.Context, f domain.TransferFilter, p domain.Page) ([]domain.Transfer, string, error) {
	where, args := transfersWhere(ctx, f)
	if p.Cursor != "" {
		where, args = where+" AND t.id < ?", append(args, p.Cursor)
	}
	limit := pageLimit(p)
	// The row read past the page (to tell whether another follows) is
	// not shown, so not noted on the trail.
	list, err := s.transfers(s.db.WithContext(domain.WithAudit(ctx, nil)), where, args, "t.id DESC", limit+1)
	if err != nil {
		return nil, "", err
	}
	list, next, err := pageOf(list, limit, func(t domain.Transfer) string { return t.ID })
	for _, t := range list {
		domain.Note(ctx, "transfer", t.ID)
		domain.Note(ctx, "subject", t.SubjectID)
	}
	return list, next, err
}

// CountTransfers counts the transfers ListTransfers lists with f.
func (s *Store) CountTransfers(ctx context.Context, f domain.TransferFilter) (int, error) {
	where, args := transfersWhere(ctx, f)
	var n int
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM transfers t WHERE `+where, args...).Scan(&n).Error
	return n, err
}

// DecideTransfer settles a requested transfer. The receiving force accepts
// or declines; the sending force may withdraw. On acceptance, in the same
// transaction: the subject moves, their orders with them; the sender's
// owners' assignments end ("transferred to …"), so the orders stand
// unowned on the receiver's agenda; the open flags follow the subject.
func (s *Store) DecideTransfer(ctx context.Context, id, status string, reason *string) (domain.Transfer, error) {
	if !validID(id) {
		return domain.Transfer{}, domain.ErrNotFound
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var rows []transferRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("transfers").Where("id = ?", id).
			Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return domain.ErrNotFound
		}
		t := rows[0].domain()
		if err := canSeeTransfer(ctx, t); err != nil {
			return err
		}
		domain.Note(ctx, "transfer", t.ID)
		domain.Note(ctx, "subject", t.SubjectID)
		decider := t.ToForce
		if status == domain.TransferWithdrawn {
			decider = t.FromForce
		}
		if !domain.ScopeFrom(ctx).CanWrite(decider) {
			return domain.ErrForbidden
		}
		now := s.now()
		if err := t.Decide(status, reason, deref(actorID(ctx)), now); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE transfers SET status = ?, decided_by = ?, decided_at = ?, decision_reason = ? WHERE id = ?`,
			t.Status, actorID(ctx), now, t.DecisionReason, t.ID).Error; err != nil {
			return translate(err)
		}
		if status != domain.TransferAccepted {
			return nil
		}
		return s.moveSubject(tx, t, now)
	})
	if err != nil {
		return domain.Transfer{}, err
	}
	return s.GetTransfer(ctx, id)
}

// moveSubject carries out an accepted transfer.
func (s *Store) moveSubject(tx *gorm.DB, t domain.Transfer, now time.Time) error {
	sub, err := getSubject(tx, t.SubjectID, "UPDATE")
	if err != nil {
		return err
	}
	if sub.Force != t.FromForce {
		return domain.Conflict("status", "the subject has moved to %s since the transfer was requested", sub.Force)
	}
	if err := tx.Exec(`UPDATE subjects SET force = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		t.ToForce, now, sub.ID).Error; err != nil {
		return translate(err)
	}
	// The orders' flags, resolved ones too, go with them: who may read a
	// flag is decided by its force, and the old force no longer sees the
	// orders. By the subject's orders: flags have no index on the subject.
	if err := tx.Exec(`UPDATE flags SET force = ? WHERE order_id IN (SELECT id FROM orders WHERE subject_id = ?)
		AND force <> ?`, t.ToForce, sub.ID, t.ToForce).Error; err != nil {
		return err
	}
	if _, err := endOwnersWhoCannotAct(tx, "o.subject_id = @id", sub.ID, "transferred to "+forceName(tx, t.ToForce), now); err != nil {
		return err
	}
	if err := endActionsOnMove(tx, sub.ID, t.ToForce, s.Today(), now); err != nil {
		return err
	}
	var orders []string
	if err := tx.Table("orders").Where("subject_id = ?", sub.ID).Pluck("id", &orders).Error; err != nil {
		return err
	}
	domain.Note(tx.Statement.Context, "order", orders...)
	touch(tx, orders...)
	return nil
}

var _ domain.Transfers = (*Store)(nil)

// endActionsOnMove cancels the open meeting actions on a moved subject's
// orders given to officers not of the force it moved to: they can no
// longer see the order, and the force it moved to could not close them
// (its agenda kept them overdue for good). The new force decides what is
// done now; the action says why it ended, and the officer is told, as they
// were told when it was given.
func endActionsOnMove(tx *gorm.DB, subjectID, toForce string, today domain.Date, now time.Time) error {
	return cancelActions(tx, "i.subject_id = @subject AND f.force IS DISTINCT FROM @force",
		"'overtaken: the subject moved to ' || @where || ', whose officers decide what is done now'",
		map[string]any{"subject": subjectID, "force": toForce, "where": forceName(tx, toForce)}, today, now)
}

// cancelActions cancels the open meeting actions matching where (over
// decisions d, items i, the officer given it f and the order's subject s)
// with the note written by note, and tells each officer in the outbox.
func cancelActions(tx *gorm.DB, where, note string, args map[string]any, today domain.Date, now time.Time) error {
	args["today"], args["now"], args["by"] = today.Time, now, actorID(tx.Statement.Context)
	var orders []string
	err := tx.Raw(`WITH cancelled AS (
		UPDATE meeting_decisions d SET status = 'cancelled', status_on = @today, status_at = @now, status_by = @by,
			status_note = `+note+`
		FROM meeting_items i, officers f, subjects s
		WHERE i.id = d.item_id AND f.id = d.action_by AND s.id = i.subject_id
		  AND d.status = 'open' AND d.withdrawn_at IS NULL AND `+where+`
		RETURNING d.id, d.action_by, i.order_id)
		, told AS (
		INSERT INTO notification_events (kind, officer_id, order_id, subject, created_at)
		SELECT '`+domain.EventActionCancelled+`', c.action_by, c.order_id, c.id::text, @now FROM cancelled c
		ON CONFLICT DO NOTHING)
		SELECT DISTINCT order_id::text FROM cancelled`, args).Scan(&orders).Error
	// Their orders' action_overdue ends with the actions, in this change.
	touch(tx, orders...)
	return err
}

// forceName is a force's name, for the reasons a change writes in words
// (they named the force by its code); the code if it has none.
// canOwn is domain.CanOwn with the force named as officers know it,
// looked up only when the officer is not of it (the refusal names it).
func canOwn(tx *gorm.DB, officer domain.Officer, ownerRole, force string) error {
	f := domain.Force{Code: force}
	if officer.Force == nil || *officer.Force != force {
		f.Name = forceName(tx, force)
	}
	return domain.CanOwn(officer, ownerRole, f)
}

func forceName(tx *gorm.DB, code string) string {
	var names []string
	if err := tx.Raw(`SELECT name FROM forces WHERE code = ?`, code).Scan(&names).Error; err != nil || len(names) == 0 {
		return code
	}
	return names[0]
}
