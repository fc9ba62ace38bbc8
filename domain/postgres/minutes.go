package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// actions reads actions (decisions naming who acts) matching where, with
// their meeting, order and subject, ordered by orderBy then due date.
func (s *Store) actions(ctx context.Context, db *gorm.DB, where string, args map[string]any, orderBy string, limit int) ([]domain.Action, error) {
	var rows []struct {
		D            decisionRow `gorm:"embedded"`
		MeetingID    string
		Region       *string
		Force        string
		HeldOn       time.Time
		OrderID      string
		Reference    string
		SubjectID    string
		SubjectName  string
		SubjectForce string
	}
	if err := db.Raw(`SELECT `+decisionColumns+`, coalesce(m.force, s.force) AS force, m.region, m.held_on, i.order_id, o.reference, s.id AS subject_id,
		       s.force AS subject_force,
		       `+subjectNameSQL+` AS subject_name
		FROM meeting_decisions d
		JOIN meetings m ON m.id = d.meeting_id JOIN meeting_items i ON i.id = d.item_id
		JOIN orders o ON o.id = i.order_id JOIN subjects s ON s.id = o.subject_id
		WHERE d.status IS NOT NULL AND `+where+` ORDER BY `+orderBy+`, d.due_by, d.id `+limitSQL(limit), args).
		Scan(&rows).Error; err != nil {
		return nil, err
	}
	ptrs := make([]*decisionRow, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i].D
	}
	if err := withOfficerNames(db, ptrs); err != nil {
		return nil, err
	}
	asOf, _ := args["as_of"].(time.Time)
	out := make([]domain.Action, len(rows))
	for i, r := range rows {
		d := r.D.decision()
		domain.Note(ctx, "order", r.OrderID)
		domain.Note(ctx, "subject", r.SubjectID)
		out[i] = domain.Action{Decision: d, MeetingID: r.MeetingID, Region: deref(r.Region), Force: r.Force, HeldOn: domain.AsDate(r.HeldOn),
			OrderID: r.OrderID, Reference: r.Reference, SubjectID: r.SubjectID, SubjectName: r.SubjectName, SubjectForce: r.SubjectForce,
			Overdue: d.Status != nil && *d.Status == domain.ActionOpen && d.Current() && d.DueBy != nil && d.DueBy.Before(asOf)}
	}
	return out, nil
}

// actionsWhere is the condition (with its named arguments) naming the
// actions q lists, of those the caller may see.
func actionsWhere(ctx context.Context, q domain.ActionQuery) (string, map[string]any) {
	// An action at a regional meeting is the concerned force's: the
	// escalated order's.
	where, scopeArgs := scopeSQL(ctx, "coalesce(m.force, s.force)")
	// scopeSQL's one positional argument becomes a named one.
	args := map[string]any{"as_of": q.AsOf.Time}
	if len(scopeArgs) == 1 {
		where = strings.Replace(where, "?", "@scope", 1)
		args["scope"] = scopeArgs[0]
	}
	if q.Force != "" {
		where += " AND coalesce(m.force, s.force) = @force"
		args["force"] = q.Force
	}
	if q.AssigneeID != "" {
		where += " AND d.action_by = @assignee"
		args["assignee"] = q.AssigneeID
	}
	if q.Status != "" {
		where += " AND d.status = @status"
		args["status"] = q.Status
	}
	if q.OverdueOn != nil {
		where += ` AND d.status = 'open' AND d.withdrawn_at IS NULL AND d.due_by < @overdue
			AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)`
		args["overdue"] = q.OverdueOn.Time
	}
	return where, args
}

// actionDueKeys is the order of a list of actions by due date: the
// earliest due first (those overdue, then due soon), those with no date
// last.
var actionDueKeys = keyset{cols: []string{"coalesce(d.due_by, 'infinity'::date)", "d.id"}, types: []string{"date", "uuid"}}

// Actions lists the actions the caller may see, as given (or with ByDue
// the earliest due first): those given to an officer, of a force, with a
// status, or (OverdueOn) open and due before a day.
func (s *Store) Actions(ctx context.Context, q domain.ActionQuery) ([]domain.Action, string, error) {
	where, args := actionsWhere(ctx, q)
	orderBy := "d.id"
	if q.ByDue {
		after, keyArgs, err := actionDueKeys.after(q.Page.Cursor)
		if err != nil {
			return nil, "", err
		}
		// The keyset's positional arguments as named ones.
		for i, a := range keyArgs {
			name := "key" + strconv.Itoa(i)
			after = strings.Replace(after, "?", "@"+name, 1)
			args[name] = a
		}
		where += " AND " + after
		orderBy = strings.TrimPrefix(actionDueKeys.orderBy(), " ORDER BY ")
	} else if q.Page.Cursor != "" {
		if !validID(q.Page.Cursor) {
			return nil, "", domain.Invalid("cursor", "is not a cursor this service gave out")
		}
		where += " AND d.id > @cursor"
		args["cursor"] = q.Page.Cursor
	}
	limit := pageLimit(q.Page)
	// The row read past the page (to tell whether another follows) is
	// not shown, so not noted on the trail.
	list, err := s.actions(domain.WithAudit(ctx, nil), s.db.WithContext(ctx), where, args, orderBy, limit+1)
	if err != nil {
		return nil, "", err
	}
	var next string
	if q.ByDue {
		list, next = keysetPage(list, limit, func(a domain.Action) []string {
			due := "infinity"
			if a.DueBy != nil {
				due = a.DueBy.String()
			}
			return []string{due, a.ID}
		})
	} else if list, next, err = pageOf(list, limit, func(a domain.Action) string { return a.ID }); err != nil {
		return nil, "", err
	}
	for _, a := range list {
		domain.Note(ctx, "order", a.OrderID)
		domain.Note(ctx, "subject", a.SubjectID)
	}
	return list, next, nil
}

// CountActions counts the actions Actions lists with q.
func (s *Store) CountActions(ctx context.Context, q domain.ActionQuery) (int, error) {
	where, args := actionsWhere(ctx, q)
	var n int
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM meeting_decisions d
		JOIN meetings m ON m.id = d.meeting_id JOIN meeting_items i ON i.id = d.item_id
		JOIN orders o ON o.id = i.order_id JOIN subjects s ON s.id = o.subject_id
		WHERE d.status IS NOT NULL AND `+where, args).Scan(&n).Error
	return n, err
}

// GetAction reads one action the caller may see.
func (s *Store) GetAction(ctx context.Context, id string) (domain.Action, error) {
	if !validID(id) {
		return domain.Action{}, domain.ErrNotFound
	}
	list, err := s.actions(ctx, s.db.WithContext(ctx), "d.id = @id", map[string]any{"id": id, "as_of": s.Today().Time}, "d.id", 1)
	if err != nil {
		return domain.Action{}, err
	}
	if len(list) == 0 || canSee(ctx, list[0].Force) != nil {
		return domain.Action{}, domain.ErrNotFound
	}
	return list[0], nil
}

// SetActionStatus marks an open action done (with a completion note) or
// cancelled (with a reason). The officer it was given to may do so, and
// so may the force's chair or an admin.
func (s *Store) SetActionStatus(ctx context.Context, id string, u domain.ActionUpdate) (domain.Action, error) {
	v := &domain.ValidationError{}
	u.Validate(s.Today(), v)
	if err := v.Err(); err != nil {
		return domain.Action{}, err
	}
	if !validID(id) {
		return domain.Action{}, domain.ErrNotFound
	}
	me, _ := domain.ActorFrom(ctx)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		rows, err := decisionRows(tx, `SELECT `+decisionColumns+` FROM meeting_decisions d WHERE d.id = ? FOR UPDATE OF d`, id)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return domain.ErrNotFound
		}
		var m []struct{ Force, OrderID string }
		if err := tx.Raw(`SELECT coalesce(m.force, s.force) AS force, i.order_id FROM meetings m JOIN meeting_items i ON i.meeting_id = m.id
			JOIN subjects s ON s.id = i.subject_id WHERE i.id = ?`,
			rows[0].ItemID).Scan(&m).Error; err != nil {
			return err
		}
		if err := canChange(ctx, m[0].Force); err != nil {
			return err
		}
		d := rows[0].decision()
		if deref(rows[0].ActionBy) != me.ID && !me.HasRole(domain.RoleTaskingChair) && !me.HasRole(domain.RoleAdmin) {
			return domain.ErrForbidden
		}
		if err := d.ValidateStatus(); err != nil {
			return err
		}
		// The day it was given is the service's day (an action given at
		// 00:30 in summer was taken as given the day before).
		if given := domain.DateOf(d.DecidedAt, s.loc); u.On.Before(given.Time) {
			return domain.Invalid("on", "must not be before the action was given (%s)", given)
		}
		domain.Note(ctx, "order", m[0].OrderID)
		touch(tx, m[0].OrderID)
		return tx.Exec(`UPDATE meeting_decisions SET status = ?, status_note = ?, status_on = ?, status_by = ?, status_at = ?
			WHERE id = ?`, u.Status, u.Note, u.On.Time, actorID(ctx), s.now(), id).Error
	})
	if err != nil {
		return domain.Action{}, err
	}
	return s.GetAction(ctx, id)
}

// Correct records d in place of decision id: the original stays in the
// minutes, marked corrected by the new one, which says why. The new
// decision is carried out like any other (a corrected owner is assigned).
func (s *Store) Correct(ctx context.Context, meetingID, id string, d domain.Decision, reason string) (domain.Decision, error) {
	if !validID(meetingID) || !validID(id) {
		return domain.Decision{}, domain.ErrNotFound
	}
	v := &domain.ValidationError{}
	if reason == "" {
		v.Add("reason", "is required: say why the decision is corrected")
	} else if len(reason) > 500 {
		v.Add("reason", "must be at most 500 characters")
	}
	var newID string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		m, err := lockMeeting(ctx, tx, meetingID)
		if err == nil {
			err = keepsMinutes(ctx, m)
		}
		if err != nil {
			return err
		}
		orig, err := s.lockDecision(tx, meetingID, id)
		if err != nil {
			return err
		}
		if !orig.Current() {
			return domain.Conflict("id", "the decision was already corrected or withdrawn")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if d.ItemID == "" {
			d.ItemID = orig.ItemID
		}
		d.Reason = &reason
		newID, err = s.decide(ctx, tx, m, d, &id)
		if err != nil {
			return err
		}
		// The original's action, if open, is replaced by the correction's.
		return tx.Exec(`UPDATE meeting_decisions SET status = 'cancelled', status_note = ?, status_on = ?, status_by = ?, status_at = ?
			WHERE id = ? AND status = 'open'`, "corrected: "+reason, s.Today().Time, actorID(ctx), s.now(), id).Error
	})
	if err != nil {
		return domain.Decision{}, err
	}
	return s.decision(ctx, newID)
}

// Withdraw ends a decision with a reason; it stays in the minutes, marked
// withdrawn, and its action (if open) is cancelled.
func (s *Store) Withdraw(ctx context.Context, meetingID, id, reason string) (domain.Decision, error) {
	if !validID(meetingID) || !validID(id) {
		return domain.Decision{}, domain.ErrNotFound
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		m, err := lockMeeting(ctx, tx, meetingID)
		if err == nil {
			err = keepsMinutes(ctx, m)
		}
		if err != nil {
			return err
		}
		orig, err := s.lockDecision(tx, meetingID, id)
		if err != nil {
			return err
		}
		if !orig.Current() {
			return domain.Conflict("id", "the decision was already corrected or withdrawn")
		}
		v := &domain.ValidationError{}
		if reason == "" {
			v.Add("reason", "is required: say why the decision is withdrawn")
		} else if len(reason) > 500 {
			v.Add("reason", "must be at most 500 characters")
		}
		if err := v.Err(); err != nil {
			return err
		}
		return tx.Exec(`UPDATE meeting_decisions SET withdrawn_at = @now, withdrawn_by = @by, withdrawn_reason = @reason,
			status = CASE WHEN status = 'open' THEN 'cancelled' ELSE status END,
			status_note = CASE WHEN status = 'open' THEN 'withdrawn: ' || @reason ELSE status_note END,
			status_on = CASE WHEN status = 'open' THEN CAST(@today AS date) ELSE status_on END,
			status_by = CASE WHEN status = 'open' THEN @by ELSE status_by END,
			status_at = CASE WHEN status = 'open' THEN @now ELSE status_at END
			WHERE id = @id`, map[string]any{"now": s.now(), "by": actorID(ctx), "reason": reason, "today": s.Today().Time,
			"id": id}).Error
	})
	if err != nil {
		return domain.Decision{}, err
	}
	return s.decision(ctx, id)
}

func (s *Store) lockDecision(tx *gorm.DB, meetingID, id string) (domain.Decision, error) {
	rows, err := decisionRows(tx, `SELECT `+decisionColumns+` FROM meeting_decisions d
		WHERE d.id = ? AND d.meeting_id = ? FOR UPDATE OF d`, id, meetingID)
	if err != nil {
		return domain.Decision{}, err
	}
	if len(rows) == 0 {
		return domain.Decision{}, domain.ErrNotFound
	}
	return rows[0].decision(), nil
}

// SetAttendance replaces who chaired, attended and sent apologies. The
// chair is an active officer of the meeting's force; attendees are
// officers of the register the caller may see, or named people from
// outside it. Signed minutes are not changed (409).
func (s *Store) SetAttendance(ctx context.Context, meetingID string, a domain.Attendance) (domain.Meeting, error) {
	if !validID(meetingID) {
		return domain.Meeting{}, domain.ErrNotFound
	}
	v := &domain.ValidationError{}
	a.Validate(v)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		m, err := lockMeeting(ctx, tx, meetingID)
		if err == nil {
			err = keepsMinutes(ctx, m)
		}
		if err != nil {
			return err
		}
		if m.signed {
			return domain.Conflict("signed_at", "the minutes are signed: attendance can no longer change")
		}
		if a.ChairID != nil && !v.Has("chair_id") {
			o, err := getOfficer(tx, *a.ChairID, false)
			switch {
			case err == domain.ErrNotFound || (err == nil && canSee(ctx, forceOf(o)) != nil):
				noteRefused(ctx, "officer", *a.ChairID)
				v.Add("chair_id", "no such officer")
			case err != nil:
				return err
			case !o.Active:
				v.Add("chair_id", "the officer is deactivated")
			case m.Region != "":
				var inRegion int64
				if o.Force != nil {
					if err := tx.Table("forces").Where("code = ? AND region = ?", *o.Force, m.Region).Count(&inRegion).Error; err != nil {
						return err
					}
				}
				if inRegion == 0 {
					v.Add("chair_id", "the chair must be an officer of a force of the region (%s)", m.Region)
				}
			case o.Force == nil || *o.Force != m.Force:
				v.Add("chair_id", "the chair must be an officer of %s", m.Force)
			}
			// The chair signs the minutes: one who could not (keepsMinutes)
			// would leave them unsignable.
			if !v.Has("chair_id") && !domain.CanChair(o, m.Region != "") {
				role := domain.RoleTaskingChair
				if m.Region != "" {
					role = domain.RoleRegional
				}
				v.Add("chair_id", "the chair signs the minutes, so must hold the %s role", domain.RoleName(role))
			}
		}
		type person struct {
			attendance string
			p          domain.AttendeeInput
			field      string
		}
		var people []person
		for i, p := range a.Attendees {
			people = append(people, person{"attended", p, "attendees[" + strconv.Itoa(i) + "]"})
		}
		for i, p := range a.Apologies {
			people = append(people, person{"apologies", p, "apologies[" + strconv.Itoa(i) + "]"})
		}
		seen := map[string]bool{}
		for _, p := range people {
			if p.p.OfficerID == nil || v.Has(p.field) {
				continue
			}
			if seen[*p.p.OfficerID] {
				v.Add(p.field+".officer_id", "is listed twice")
				continue
			}
			seen[*p.p.OfficerID] = true
			o, err := getOfficer(tx, *p.p.OfficerID, false)
			if err == domain.ErrNotFound || (err == nil && canSee(ctx, forceOf(o)) != nil) {
				noteRefused(ctx, "officer", *p.p.OfficerID)
				v.Add(p.field+".officer_id", "no such officer")
			} else if err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE meetings SET chair_id = ? WHERE id = ?`, *a.ChairID, meetingID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM meeting_people WHERE meeting_id = ?`, meetingID).Error; err != nil {
			return err
		}
		for i, p := range people {
			var name, org *string
			if p.p.OfficerID == nil {
				n, o := strings.TrimSpace(*p.p.Name), strings.TrimSpace(*p.p.Organisation)
				name, org = &n, &o
			}
			if err := tx.Exec(`INSERT INTO meeting_people (meeting_id, attendance, position, officer_id, name, organisation)
				VALUES (?, ?, ?, ?, ?, ?)`, meetingID, p.attendance, i+1, p.p.OfficerID, name, org).Error; err != nil {
				return translate(err)
			}
		}
		return nil
	})
	if err != nil {
		return domain.Meeting{}, err
	}
	return s.GetMeeting(ctx, meetingID, domain.Page{})
}

// SignOff signs the minutes as the meeting's chair. From then on a change
// is a recorded amendment.
func (s *Store) SignOff(ctx context.Context, meetingID string) (domain.Meeting, error) {
	if !validID(meetingID) {
		return domain.Meeting{}, domain.ErrNotFound
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		m, err := lockMeeting(ctx, tx, meetingID)
		if err == nil {
			err = keepsMinutes(ctx, m)
		}
		if err != nil {
			return err
		}
		if m.Chair != nil {
			o, err := getOfficer(tx, m.Chair.ID, false)
			if err != nil {
				return err
			}
			m.Chair.Name = o.Name
		}
		me, _ := domain.ActorFrom(ctx)
		if err := m.CanSign(me.ID); err != nil {
			return err
		}
		return tx.Exec(`UPDATE meetings SET signed_at = ?, signed_by = ? WHERE id = ?`, s.now(), me.ID, meetingID).Error
	})
	if err != nil {
		return domain.Meeting{}, err
	}
	return s.GetMeeting(ctx, meetingID, domain.Page{})
}

// ShareMinutes records that the caller downloaded the minutes (format csv
// or html) for purpose; the request's audit entry, a disclosure, is
// written in the same transaction.
func (s *Store) ShareMinutes(ctx context.Context, meetingID, format, purpose string) error {
	if !validID(meetingID) {
		return domain.ErrNotFound
	}
	var p *string
	if purpose != "" {
		p = &purpose
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var m []struct{ Force, Region string }
		if err := tx.Raw(`SELECT coalesce(force, '') AS force, coalesce(region, '') AS region FROM meetings WHERE id = ?`,
			meetingID).Scan(&m).Error; err != nil {
			return err
		}
		if len(m) == 0 || canSeeMeeting(ctx, tx, m[0].Force, m[0].Region) != nil {
			return domain.ErrNotFound
		}
		domain.Note(ctx, "meeting", meetingID)
		return tx.Exec(`INSERT INTO meeting_shares (id, meeting_id, officer_id, format, purpose, shared_at) VALUES (?, ?, ?, ?, ?, ?)`,
			newID(), meetingID, actorID(ctx), format, p, s.now()).Error
	})
}
