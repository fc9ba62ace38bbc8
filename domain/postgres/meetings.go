package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// OpenMeeting opens a tasking meeting for a force and freezes its agenda:
// the force's open flags at this moment, in the agenda's section order.
func (s *Store) OpenMeeting(ctx context.Context, force string, heldOn domain.Date) (domain.Meeting, error) {
	_, err := s.GetForce(ctx, force)
	if err == nil {
		err = canSee(ctx, force)
	}
	if err == domain.ErrNotFound {
		return domain.Meeting{}, domain.Invalid("force", "is not a known force code")
	} else if err != nil {
		return domain.Meeting{}, err
	}
	if err := canChange(ctx, force); err != nil {
		return domain.Meeting{}, err
	}
	id := newID()
	domain.Note(ctx, "meeting", id)
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO meetings (id, force, held_on, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, force, heldOn.Time, actorID(ctx), s.now()).Error; err != nil {
			return translate(err)
		}
		// The sections and their order are domain.TaskingSections, passed
		// in, so the frozen agenda and the tasking report cannot drift. A
		// meeting recorded for an earlier day leaves out what was not yet
		// overdue on that day (a check or review due, a release date, on or
		// after it): it was not on that meeting's agenda, and its days
		// overdue as of the meeting would be negative.
		if err := tx.Exec(`INSERT INTO meeting_items (meeting_id, position, flag_id, kind, order_id, subject_id, case_type, raised_at, details)
			SELECT @meeting, row_number() OVER (ORDER BY array_position(CAST(@sections AS text[]), f.kind), f.raised_at, f.id),
			       f.id, f.kind, f.order_id, f.subject_id, f.case_type, f.raised_at, f.details
			FROM flags f WHERE f.force = @force AND f.resolved_at IS NULL AND f.kind = ANY (CAST(@sections AS text[]))
			  AND NOT (f.kind = ANY (CAST(@overdue AS text[])) AND agenda_rank(f.kind, f.details, f.raised_at) >= @held)`,
			map[string]any{"meeting": id, "force": force, "sections": textArray(domain.TaskingSections),
				"overdue": textArray(agendaOverdueKinds), "held": heldOn.Time}).Error; err != nil {
			return err
		}
		if err := freezeAgendaOrder(tx, id); err != nil {
			return err
		}
		// Earlier meetings' actions still open are carried forward, overdue
		// ones first, then by due date.
		return tx.Exec(`INSERT INTO meeting_carried (meeting_id, decision_id, position, overdue)
			SELECT @meeting, d.id, row_number() OVER (ORDER BY d.due_by < @held DESC, d.due_by, d.decided_at, d.id),
			       coalesce(d.due_by < @held, false)
			FROM meeting_decisions d JOIN meetings m ON m.id = d.meeting_id
			WHERE m.force = @force AND m.id <> @meeting AND m.held_on <= @held AND d.status = 'open'
			  AND d.withdrawn_at IS NULL AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)`,
			map[string]any{"meeting": id, "force": force, "held": heldOn.Time}).Error
	})
	if err != nil {
		return domain.Meeting{}, err
	}
	return s.GetMeeting(ctx, id, domain.Page{})
}

// GetMeeting returns a meeting with its agenda (per item and per order),
// the actions carried forward, who was there, the sign-off, the decisions
// and who the minutes were shared with.
func (s *Store) GetMeeting(ctx context.Context, id string, p domain.Page) (domain.Meeting, error) {
	limit := domain.MeetingPageDefault
	if p.Limit > 0 {
		limit = min(p.Limit, domain.MeetingPageMax)
	}
	return s.meeting(ctx, id, p.Cursor, limit)
}

// MeetingMinutes returns a meeting with its whole agenda in memory (the
// minutes stream it a page at a time: MeetingAgendaInPages).
func (s *Store) MeetingMinutes(ctx context.Context, id string) (domain.Meeting, error) {
	return s.meeting(ctx, id, "", 0)
}

// freezeAgendaOrder writes, in the transaction that froze meeting id's
// items, the place of each of its orders in the agenda (meeting_orders)
// and the agenda's counts, as migration 00310's meeting_agenda_frozen
// defines them, so no page of the agenda ranks or counts it again.
func freezeAgendaOrder(tx *gorm.DB, id string) error {
	return tx.Exec(`SELECT meeting_agenda_frozen(?)`, id).Error
}

// meeting reads a meeting and the page of its agenda after cursor, limit
// orders of it (0: all). The page is a range of the orders' places in the
// agenda, written when it was frozen (freezeAgendaOrder).
func (s *Store) meeting(ctx context.Context, id, cursor string, limit int) (domain.Meeting, error) {
	db := s.db.WithContext(ctx)
	m, err := s.visibleMeeting(ctx, db, id)
	if err != nil {
		return domain.Meeting{}, err
	}
	domain.Note(ctx, "meeting", m.ID)
	var items textArray // the page's items; nil: every item
	if limit > 0 {
		after := 0
		if cursor != "" {
			// The cursor is the last order shown and its place, which must
			// be that order's place in this meeting's agenda.
			parts, ok := domain.DecodeKeyCursor(cursor, 2)
			var place int64
			if ok {
				place, _ = strconv.ParseInt(parts[0], 10, 32)
			}
			var placed bool
			if place >= 1 {
				if err := db.Raw(`SELECT EXISTS (SELECT 1 FROM meeting_orders WHERE meeting_id = ? AND order_rank = ? AND order_id = ?)`,
					id, place, parts[1]).Scan(&placed).Error; err != nil {
					return domain.Meeting{}, err
				}
			}
			if !placed {
				return domain.Meeting{}, domain.Invalid("cursor", "is not a cursor this service gave out")
			}
			after = int(place)
		}
		m.OrdersBefore = after
		page, err := agendaPage(db, id, after, limit+1)
		if err != nil {
			return domain.Meeting{}, err
		}
		if len(page) > limit {
			page = page[:limit]
			last := page[limit-1]
			next := domain.EncodeKeyCursor(strconv.Itoa(last.OrderRank), last.OrderID)
			m.NextCursor = &next
		}
		items = itemsOf(page)
	}
	if err := s.agendaOrders(ctx, db, &m, items); err != nil {
		return domain.Meeting{}, err
	}
	if m.CarriedActions, err = s.actions(ctx, db, `d.id IN (SELECT decision_id FROM meeting_carried WHERE meeting_id = @meeting)`,
		map[string]any{"meeting": id, "as_of": m.HeldOn.Time}, `(SELECT position FROM meeting_carried c WHERE c.meeting_id = @meeting AND c.decision_id = d.id)`, 10_000); err != nil {
		return domain.Meeting{}, err
	}
	if err := s.meetingPeople(db, &m); err != nil {
		return domain.Meeting{}, err
	}
	return m, nil
}

// agendaOrders reads the items of meeting m named (nil: every item) into
// its Agenda, and their orders, with each order's owners now, into its
// Orders.
func (s *Store) agendaOrders(ctx context.Context, db *gorm.DB, m *domain.Meeting, items textArray) error {
	var err error
	if m.Agenda, err = s.agendaItems(ctx, db, *m, items); err != nil {
		return err
	}
	m.Orders = domain.GroupAgenda(m.Agenda)
	// The orders' owners now, so that an allocation sees whom it replaces.
	orders := make([]string, len(m.Orders))
	for i, o := range m.Orders {
		orders[i] = o.OrderID
	}
	owners, err := currentOwners(db, orders)
	if err != nil {
		return err
	}
	for i := range m.Orders {
		m.Orders[i].Owners = owners[m.Orders[i].OrderID]
	}
	return nil
}

// GetMeetingOrder reads meeting id with orderID's items alone, found by
// the order's place in the agenda (meeting_orders, written when it was
// frozen), and the cursor of the page of pageSize orders it is on: the
// meeting's page read one order's decision form with every order of its
// page (and every officer list with each of them).
func (s *Store) GetMeetingOrder(ctx context.Context, id, orderID string, pageSize int) (domain.Meeting, error) {
	db := s.db.WithContext(ctx)
	m, err := s.visibleMeeting(ctx, db, id)
	if err != nil {
		return domain.Meeting{}, err
	}
	domain.Note(ctx, "meeting", m.ID)
	if !validID(orderID) {
		return domain.Meeting{}, domain.ErrNotFound
	}
	var place []agendaPlace
	if err := db.Raw(`SELECT order_id, order_rank, item_ids FROM meeting_orders WHERE meeting_id = ? AND order_id = ?`,
		id, orderID).Scan(&place).Error; err != nil {
		return domain.Meeting{}, err
	}
	if len(place) == 0 {
		return domain.Meeting{}, domain.ErrNotFound
	}
	m.OrdersBefore = place[0].OrderRank - 1
	if pageSize > 0 {
		// The page it is on starts after the last order of the one before,
		// whose place and order are its cursor (as GetMeeting gives it).
		if start := m.OrdersBefore / pageSize * pageSize; start > 0 {
			var last string
			if err := db.Raw(`SELECT order_id FROM meeting_orders WHERE meeting_id = ? AND order_rank = ?`, id, start).
				Scan(&last).Error; err != nil {
				return domain.Meeting{}, err
			}
			m.PageCursor = domain.EncodeKeyCursor(strconv.Itoa(start), last)
		}
	}
	if err := s.agendaOrders(ctx, db, &m, itemsOf(place)); err != nil {
		return domain.Meeting{}, err
	}
	return m, nil
}

// agendaPlace is an order's place in a meeting's agenda, and its items.
type agendaPlace struct {
	OrderID   string
	OrderRank int
	ItemIDs   textArray
}

// agendaPage reads the places of up to n orders of meeting id's agenda
// after place after.
func agendaPage(db *gorm.DB, id string, after, n int) ([]agendaPlace, error) {
	var page []agendaPlace
	err := db.Raw(`SELECT order_id, order_rank, item_ids FROM meeting_orders WHERE meeting_id = ? AND order_rank > ?
		ORDER BY order_rank `+limitSQL(n), id, after).Scan(&page).Error
	return page, err
}

// itemsOf gives the items of the orders placed.
func itemsOf(page []agendaPlace) textArray {
	items := textArray{}
	for _, p := range page {
		items = append(items, p.ItemIDs...)
	}
	return items
}

// visibleMeeting reads meeting id (without its agenda), ErrNotFound when
// it does not exist or is out of the caller's view.
func (s *Store) visibleMeeting(ctx context.Context, db *gorm.DB, id string) (domain.Meeting, error) {
	if !validID(id) {
		return domain.Meeting{}, domain.ErrNotFound
	}
	list, err := s.meetings(db, "m.id = ?", []any{id}, " ORDER BY m.id", 1)
	if err != nil {
		return domain.Meeting{}, err
	}
	if len(list) == 0 {
		return domain.Meeting{}, domain.ErrNotFound
	}
	if err := canSeeMeeting(ctx, db, list[0].Force, list[0].Region); err != nil {
		return domain.Meeting{}, err
	}
	return list[0], nil
}

// agendaItems reads the items of meeting m (only those named, unless
// ids is nil), in position order, with their decisions and their days
// overdue or to release on the meeting's day.
func (s *Store) agendaItems(ctx context.Context, db *gorm.DB, m domain.Meeting, ids textArray) ([]domain.AgendaItem, error) {
	args := map[string]any{"meeting": m.ID}
	where := `i.meeting_id = @meeting`
	if ids != nil {
		args["items"] = ids
		where = `i.id = ANY (CAST(@items AS uuid[]))`
	}
	// Scanned column by column into the items, not by gorm: a page of 100
	// orders is about 270 items, and gorm's reflection over each row (and
	// a copy of every row) was a sixth of the page's CPU.
	q := db.Raw(`SELECT i.id, i.position, coalesce(i.flag_id::text, ''), i.kind, i.order_id, i.subject_id,
		       i.case_type, i.raised_at, i.details, i.escalation_id, s.force,
		       `+subjectNameSQL+`, o.reference, agenda_rank(i.kind, i.details, i.raised_at)
		FROM meeting_items i
		JOIN orders o ON o.id = i.order_id JOIN subjects s ON s.id = i.subject_id
		WHERE `+where+` ORDER BY i.position`, args)
	out := make([]domain.AgendaItem, 0, len(ids))
	if err := eachRow(q, func(rows *sql.Rows) error {
		var it domain.AgendaItem
		var details []byte
		var force string
		var rank time.Time
		if err := rows.Scan(&it.ID, &it.Position, &it.FlagID, &it.Kind, &it.OrderID, &it.SubjectID, &it.CaseType,
			&it.RaisedAt, &details, &it.EscalationID, &force, &it.SubjectName, &it.Reference, &rank); err != nil {
			return err
		}
		it.RaisedAt, it.Details = it.RaisedAt.UTC(), json.RawMessage(details)
		if m.Region != "" {
			it.Force = force
		} else if force != m.Force {
			it.MovedTo = force
		}
		it.DaysOverdue, it.DaysToRelease = agendaDays(it.Kind, domain.AsDate(rank), m.HeldOn)
		out = append(out, it)
		return nil
	}); err != nil {
		return nil, err
	}
	// Their decisions (meeting_decisions_meeting_item).
	where = "d.meeting_id = @meeting"
	if ids != nil {
		where += " AND d.item_id = ANY (CAST(@items AS uuid[]))"
	}
	decisions, err := s.decisions(db, where, args)
	if err != nil {
		return nil, err
	}
	byItem := map[string][]domain.Decision{}
	for _, d := range decisions {
		byItem[d.ItemID] = append(byItem[d.ItemID], d)
	}
	for i := range out {
		out[i].Decisions = byItem[out[i].ID]
		if out[i].Decisions == nil {
			out[i].Decisions = []domain.Decision{}
		}
		domain.Note(ctx, "order", out[i].OrderID)
		domain.Note(ctx, "subject", out[i].SubjectID)
	}
	return out, nil
}

// MeetingAgendaInPages hands each page of size orders of a meeting's
// agenda, worst first, to each: each page is the next range of the
// orders' places in the agenda (freezeAgendaOrder), its items and their
// decisions read by its orders, so the whole agenda is one pass over its
// items and no more than a page is held.
func (s *Store) MeetingAgendaInPages(ctx context.Context, id string, size int, each func([]domain.AgendaOrder) error) error {
	db := s.db.WithContext(ctx)
	m, err := s.visibleMeeting(ctx, db, id)
	if err != nil {
		return err
	}
	for after := 0; after < m.Summary.Orders; after += size {
		page, err := agendaPage(db, id, after, size)
		if err != nil {
			return err
		}
		items, err := s.agendaItems(ctx, db, m, itemsOf(page))
		if err != nil {
			return err
		}
		if err := each(domain.GroupAgenda(items)); err != nil {
			return err
		}
	}
	return nil
}

// agendaOverdueKinds are the agenda's kinds whose rank is the day they
// fell due: an item counts its days overdue from it.
var agendaOverdueKinds = []string{domain.FlagCheckOverdue, domain.FlagReviewOverdue, domain.FlagReleaseDatePassed}

// agendaDays counts an item's days overdue or to release as of day, from
// its agenda rank (the date its problem started or will happen).
func agendaDays(kind string, rank, day domain.Date) (overdue, toRelease *int) {
	switch {
	case slices.Contains(agendaOverdueKinds, kind):
		d := rank.DaysUntil(day)
		return &d, nil
	case kind == domain.FlagPreRelease:
		d := day.DaysUntil(rank)
		return nil, &d
	}
	return nil, nil
}

// meetingPeople fills in who chaired, attended and sent apologies, and who
// the minutes were shared with.
func (s *Store) meetingPeople(db *gorm.DB, m *domain.Meeting) error {
	var people []struct {
		Attendance   string
		OfficerID    *string
		OName        *string
		OEmail       *string
		Name         *string
		Organisation *string
	}
	if err := db.Raw(`SELECT p.attendance, p.officer_id, o.name AS o_name, o.email AS o_email, p.name, p.organisation
		FROM meeting_people p LEFT JOIN officers o ON o.id = p.officer_id
		WHERE p.meeting_id = ? ORDER BY p.position`, m.ID).Scan(&people).Error; err != nil {
		return err
	}
	m.Attendees, m.Apologies = []domain.Attendee{}, []domain.Attendee{}
	for _, p := range people {
		a := domain.Attendee{Officer: officerRef(p.OfficerID, p.OName, p.OEmail), Organisation: p.Organisation}
		if a.Officer != nil {
			a.Name = a.Officer.Name
		} else {
			a.Name = deref(p.Name)
		}
		if p.Attendance == "attended" {
			m.Attendees = append(m.Attendees, a)
		} else {
			m.Apologies = append(m.Apologies, a)
		}
	}
	var shares []struct {
		OfficerID *string
		OName     *string
		OEmail    *string
		Format    string
		Purpose   *string
		SharedAt  time.Time
	}
	if err := db.Raw(`SELECT sh.officer_id, o.name AS o_name, o.email AS o_email, sh.format, sh.purpose, sh.shared_at
		FROM meeting_shares sh LEFT JOIN officers o ON o.id = sh.officer_id
		WHERE sh.meeting_id = ? ORDER BY sh.shared_at, sh.id`, m.ID).Scan(&shares).Error; err != nil {
		return err
	}
	m.SharedWith = make([]domain.Share, len(shares))
	for i, sh := range shares {
		m.SharedWith[i] = domain.Share{Officer: officerRef(sh.OfficerID, sh.OName, sh.OEmail), Format: sh.Format,
			Purpose: sh.Purpose, SharedAt: sh.SharedAt.UTC()}
	}
	return nil
}

type meetingRow struct {
	ID        string
	Force     string
	Region    string
	HeldOn    time.Time
	CreatedBy *string
	ByName    *string
	ByEmail   *string
	CreatedAt time.Time
	ChairID   *string
	CName     *string
	CEmail    *string
	SignedAt  *time.Time
	SignedBy  *string
	SName     *string
	SEmail    *string
	// The frozen agenda's counts (freezeAgendaOrder).
	AgendaItems, AgendaOrders int
	AgendaSections            []byte
}

func (s *Store) meetings(db *gorm.DB, where string, args []any, orderBy string, limit int) ([]domain.Meeting, error) {
	var rows []meetingRow
	if err := db.Raw(`SELECT m.id, coalesce(m.force, '') AS force, coalesce(m.region, '') AS region, m.held_on, m.created_by, b.name AS by_name, b.email AS by_email, m.created_at,
		       m.chair_id, c.name AS c_name, c.email AS c_email, m.signed_at, m.signed_by, sb.name AS s_name, sb.email AS s_email,
		       m.agenda_items, m.agenda_orders, m.agenda_sections
		FROM meetings m LEFT JOIN officers b ON b.id = m.created_by LEFT JOIN officers c ON c.id = m.chair_id
		LEFT JOIN officers sb ON sb.id = m.signed_by WHERE `+where+orderBy+` `+limitSQL(limit),
		args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Meeting, len(rows))
	for i, r := range rows {
		var signed *time.Time
		if r.SignedAt != nil {
			t := r.SignedAt.UTC()
			signed = &t
		}
		out[i] = domain.Meeting{ID: r.ID, Force: r.Force, Region: r.Region, HeldOn: domain.AsDate(r.HeldOn),
			CreatedBy: officerRef(r.CreatedBy, r.ByName, r.ByEmail), CreatedAt: r.CreatedAt.UTC(), Agenda: []domain.AgendaItem{},
			Orders: []domain.AgendaOrder{}, CarriedActions: []domain.Action{}, Attendees: []domain.Attendee{},
			Apologies: []domain.Attendee{}, SharedWith: []domain.Share{},
			Chair: officerRef(r.ChairID, r.CName, r.CEmail), SignedAt: signed, SignedBy: officerRef(r.SignedBy, r.SName, r.SEmail),
			Summary: domain.MeetingSummary{Items: r.AgendaItems, Orders: r.AgendaOrders, Sections: map[string]int{}}}
		if err := json.Unmarshal(r.AgendaSections, &out[i].Summary.Sections); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// meetingsWhere is the condition (and its arguments) naming the meetings
// f lists: a force meeting to those who read its force, a regional
// meeting to those who read every force of its region (as canSeeMeeting).
func meetingsWhere(ctx context.Context, f domain.MeetingFilter) (string, []any) {
	where, args := "true", []any{}
	if sc := domain.ScopeFrom(ctx); !sc.AllForces {
		read := append([]string{""}, sc.ReadForces...)
		where = `(m.force IN ? OR (m.region IS NOT NULL AND EXISTS (SELECT 1 FROM forces rf WHERE rf.region = m.region)
			AND NOT EXISTS (SELECT 1 FROM forces rf WHERE rf.region = m.region AND rf.code NOT IN ?)))`
		args = []any{read, read}
	}
	if f.Force != "" {
		where, args = where+" AND m.force = ?", append(args, f.Force)
	}
	if f.Region != "" {
		where, args = where+" AND m.region = ?", append(args, f.Region)
	}
	return where, args
}

// latestMeetingKeys is the order of a list of the latest meetings: the
// day held, then as opened, the latest first (meetings_force and
// meetings_region, migrations 00005 and 00171).
var latestMeetingKeys = keyset{cols: []string{"m.held_on", "m.id"}, types: []string{"date", "uuid"}, desc: true}

// ListMeetings lists meetings (without agendas), oldest first (in the
// order opened), or with f.Latest the latest held first.
func (s *Store) ListMeetings(ctx context.Context, f domain.MeetingFilter, p domain.Page) ([]domain.Meeting, string, error) {
	where, args := meetingsWhere(ctx, f)
	limit := pageLimit(p)
	if f.Latest {
		after, keyArgs, err := latestMeetingKeys.after(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		list, err := s.meetings(s.db.WithContext(ctx), where+" AND "+after, append(args, keyArgs...),
			latestMeetingKeys.orderBy(), limit+1)
		if err != nil {
			return nil, "", err
		}
		list, next := keysetPage(list, limit, func(m domain.Meeting) []string { return []string{m.HeldOn.String(), m.ID} })
		return list, next, nil
	}
	if p.Cursor != "" {
		where, args = where+" AND m.id > ?", append(args, p.Cursor)
	}
	list, err := s.meetings(s.db.WithContext(ctx), where, args, " ORDER BY m.id", limit+1)
	if err != nil {
		return nil, "", err
	}
	return pageOf(list, limit, func(m domain.Meeting) string { return m.ID })
}

// CountMeetings counts the meetings ListMeetings lists with f.
func (s *Store) CountMeetings(ctx context.Context, f domain.MeetingFilter) (int, error) {
	where, args := meetingsWhere(ctx, f)
	var n int
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM meetings m WHERE `+where, args...).Scan(&n).Error
	return n, err
}

type decisionRow struct {
	ID              string
	ItemID          string
	Decision        string
	ActionBy        *string
	AName           *string
	AEmail          *string
	DueBy           *time.Time
	Notes           *string
	OwnerRole       *string
	OwnerID         *string
	CheckKind       *string
	CheckDueOn      *time.Time
	AssignmentID    *string
	CheckID         *string
	DecidedBy       *string
	DName           *string
	DEmail          *string
	DecidedAt       time.Time
	Status          *string
	StatusNote      *string
	StatusOn        *time.Time
	StatusBy        *string
	SbName          *string
	SbEmail         *string
	Corrects        *string
	CorrectedBy     *string
	Reason          *string
	WithdrawnAt     *time.Time
	WithdrawnBy     *string
	WbName          *string
	WbEmail         *string
	WithdrawnReason *string
	Amendment       bool
	OwName          *string
	OwEmail         *string
	ReassignedFrom  *string
	RfName          *string
	RfEmail         *string
	ReplacedOwner   *string
	RoName          *string
	RoEmail         *string
}

// decisionColumns reads a decision (d) and the decision that corrected
// it. The officers it names are looked up after (withOfficerNames): joined
// in, five look-ups of officers made the statement take 4-5 ms to plan,
// on every page of a meeting.
const decisionColumns = `d.*, (SELECT c.id FROM meeting_decisions c WHERE c.corrects = d.id) AS corrected_by`

// withOfficerNames fills in the names and emails of the officers the
// decisions name, in one look-up.
func withOfficerNames(db *gorm.DB, rows []*decisionRow) error {
	ids := map[string]bool{}
	for _, r := range rows {
		for _, id := range []*string{r.ActionBy, r.DecidedBy, r.StatusBy, r.WithdrawnBy, r.OwnerID, r.ReassignedFrom, r.ReplacedOwner} {
			if id != nil {
				ids[*id] = true
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var officers []struct{ ID, Name, Email string }
	if err := db.Raw(`SELECT id, name, email FROM officers WHERE id = ANY (CAST(? AS uuid[]))`,
		textArray(slices.Collect(maps.Keys(ids)))).Scan(&officers).Error; err != nil {
		return err
	}
	type nameEmail struct{ name, email *string }
	byID := make(map[string]nameEmail, len(officers))
	for _, o := range officers {
		byID[o.ID] = nameEmail{&o.Name, &o.Email}
	}
	for _, r := range rows {
		for _, f := range []struct {
			id          *string
			name, email **string
		}{{r.ActionBy, &r.AName, &r.AEmail}, {r.DecidedBy, &r.DName, &r.DEmail}, {r.StatusBy, &r.SbName, &r.SbEmail},
			{r.WithdrawnBy, &r.WbName, &r.WbEmail}, {r.OwnerID, &r.OwName, &r.OwEmail},
			{r.ReassignedFrom, &r.RfName, &r.RfEmail}, {r.ReplacedOwner, &r.RoName, &r.RoEmail}} {
			if f.id != nil {
				if o, ok := byID[*f.id]; ok {
					*f.name, *f.email = o.name, o.email
				}
			}
		}
	}
	return nil
}

// decisionRows reads decisions with the names of the officers they name.
func decisionRows(db *gorm.DB, sql string, args ...any) ([]decisionRow, error) {
	var rows []decisionRow
	if err := db.Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	ptrs := make([]*decisionRow, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	return rows, withOfficerNames(db, ptrs)
}

func (r decisionRow) decision() domain.Decision {
	d := domain.Decision{ID: r.ID, ItemID: r.ItemID, Decision: r.Decision,
		ActionBy: officerRef(r.ActionBy, r.AName, r.AEmail), DueBy: datePtr(r.DueBy), Notes: r.Notes,
		Role: r.OwnerRole, OfficerID: r.OwnerID, CheckKind: r.CheckKind, CheckDueOn: datePtr(r.CheckDueOn),
		AssignmentID: r.AssignmentID, CheckID: r.CheckID, DecidedBy: officerRef(r.DecidedBy, r.DName, r.DEmail),
		DecidedAt: r.DecidedAt.UTC(), Status: r.Status, StatusNote: r.StatusNote, StatusOn: datePtr(r.StatusOn),
		StatusBy: officerRef(r.StatusBy, r.SbName, r.SbEmail), Corrects: r.Corrects, CorrectedBy: r.CorrectedBy,
		Reason: r.Reason, Amendment: r.Amendment, Owner: officerRef(r.OwnerID, r.OwName, r.OwEmail),
		ReassignedFrom: officerRef(r.ReassignedFrom, r.RfName, r.RfEmail), Replaced: officerRef(r.ReplacedOwner, r.RoName, r.RoEmail)}
	if r.WithdrawnAt != nil {
		d.Withdrawn = &domain.Withdrawal{At: r.WithdrawnAt.UTC(), By: officerRef(r.WithdrawnBy, r.WbName, r.WbEmail),
			Reason: deref(r.WithdrawnReason)}
	}
	return d
}

func (s *Store) decisions(db *gorm.DB, where string, arg any) ([]domain.Decision, error) {
	rows, err := decisionRows(db, `SELECT `+decisionColumns+` FROM meeting_decisions d
		WHERE `+where+` ORDER BY d.decided_at, d.id`, arg)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Decision, len(rows))
	for i, r := range rows {
		out[i] = r.decision()
	}
	return out, nil
}

// lockedMeeting is a meeting read (and locked) inside a change.
type lockedMeeting struct {
	domain.Meeting
	signed bool
}

// lockMeeting locks a meeting the caller may change, so decisions,
// attendance and sign-off are taken one at a time.
func lockMeeting(ctx context.Context, tx *gorm.DB, id string) (lockedMeeting, error) {
	var rows []struct {
		Force    string
		Region   string
		HeldOn   time.Time
		ChairID  *string
		SignedAt *time.Time
	}
	if err := tx.Raw(`SELECT coalesce(force, '') AS force, coalesce(region, '') AS region, held_on, chair_id, signed_at
		FROM meetings WHERE id = ? FOR UPDATE`, id).Scan(&rows).Error; err != nil {
		return lockedMeeting{}, err
	}
	if len(rows) == 0 {
		return lockedMeeting{}, domain.ErrNotFound
	}
	if rows[0].Region != "" {
		if err := canLeadRegion(ctx, tx, rows[0].Region); err != nil {
			return lockedMeeting{}, err
		}
	} else if err := canChange(ctx, rows[0].Force); err != nil {
		return lockedMeeting{}, err
	}
	domain.Note(ctx, "meeting", id)
	m := domain.Meeting{ID: id, Force: rows[0].Force, Region: rows[0].Region, HeldOn: domain.AsDate(rows[0].HeldOn), SignedAt: rows[0].SignedAt}
	if rows[0].ChairID != nil {
		m.Chair = &domain.OfficerRef{ID: *rows[0].ChairID}
	}
	return lockedMeeting{Meeting: m, signed: rows[0].SignedAt != nil}, nil
}

// keepsMinutes refuses a change to a force meeting's minutes by anyone but
// its force's tasking chair or an administrator: the routes that keep
// minutes are open to regional leads too, for the region's meetings, but
// a lead keeps no force meeting's, their own force's either.
func keepsMinutes(ctx context.Context, m lockedMeeting) error {
	if m.Region != "" {
		return nil
	}
	if me, ok := domain.ActorFrom(ctx); ok && !me.HasRole(domain.RoleAdmin) && !me.HasRole(domain.RoleTaskingChair) {
		return domain.ErrForbidden
	}
	return nil
}

// Decide records a meeting's decision on an agenda item and carries it
// out, all in one transaction: if the owner cannot be assigned or the check
// cannot be scheduled, nothing is recorded. After the chair signed the
// minutes a decision is an amendment, and needs a reason.
func (s *Store) Decide(ctx context.Context, meetingID string, d domain.Decision) (domain.Decision, error) {
	return s.decideAt(ctx, meetingID, d, false)
}

// DecideRegional is Decide at a regional meeting; a force meeting is not
// one (ErrNotFound).
func (s *Store) DecideRegional(ctx context.Context, meetingID string, d domain.Decision) (domain.Decision, error) {
	return s.decideAt(ctx, meetingID, d, true)
}

func (s *Store) decideAt(ctx context.Context, meetingID string, d domain.Decision, regional bool) (domain.Decision, error) {
	if !validID(meetingID) {
		return domain.Decision{}, domain.ErrNotFound
	}
	var id string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		m, err := lockMeeting(ctx, tx, meetingID)
		if err != nil {
			return err
		}
		if regional && m.Region == "" {
			return domain.ErrNotFound
		}
		if err := keepsMinutes(ctx, m); err != nil {
			return err
		}
		id, err = s.decide(ctx, tx, m, d, nil)
		return err
	})
	if err != nil {
		return domain.Decision{}, err
	}
	return s.decision(ctx, id)
}

func (s *Store) decision(ctx context.Context, id string) (domain.Decision, error) {
	list, err := s.decisions(s.db.WithContext(ctx), "d.id = ?", id)
	if err != nil {
		return domain.Decision{}, err
	}
	if len(list) == 0 {
		return domain.Decision{}, domain.ErrNotFound
	}
	return list[0], nil
}

// decide validates and carries out d at meeting m (locked), in tx, and
// records it, correcting the decision corrects when given.
func (s *Store) decide(ctx context.Context, tx *gorm.DB, m lockedMeeting, d domain.Decision, corrects *string) (string, error) {
	v := &domain.ValidationError{}
	d.Validate(v)
	if d.ItemID != "" && !validID(d.ItemID) {
		v.Add("item_id", "is not an item of this meeting's agenda")
	}
	if m.signed && corrects == nil && (d.Reason == nil || *d.Reason == "") {
		v.Add("reason", "is required: the minutes are signed, so this is an amendment")
	}
	if d.Reason != nil && len(*d.Reason) > 500 {
		v.Add("reason", "must be at most 500 characters")
	}
	id := newID()
	by := actorID(ctx)
	var item []struct{ OrderID, Force, Region string }
	if !v.Has("item_id") {
		// The subject shared, so a move waits for the decision (or the
		// decision for the move, and then sees it): a decision made as
		// the subject moved left an action the move had not cancelled.
		if err := tx.Raw(`SELECT i.order_id, s.force, f.region FROM meeting_items i JOIN subjects s ON s.id = i.subject_id
			JOIN forces f ON f.code = s.force
			WHERE i.meeting_id = ? AND i.id = ? FOR SHARE OF s`, m.ID, d.ItemID).Scan(&item).Error; err != nil {
			return "", err
		}
		switch {
		case len(item) == 0:
			v.Add("item_id", "is not an item of this meeting's agenda")
		case m.Region == "" && item[0].Force != m.Force,
			m.Region != "" && (item[0].Region != m.Region || canSee(ctx, item[0].Force) != nil):
			// The agenda was set before the subject moved: the order is
			// now another force's (or region's), and so are its decisions.
			v.Add("item_id", "the order's subject has moved to another force since the agenda was set: "+
				"decisions on it are now for the force it moved to")
			item = nil
		}
	}
	var actionBy *domain.Officer
	if d.ActionBy != nil {
		o, err := shareVisibleOfficer(tx, d.ActionBy.ID)
		if err == nil {
			actionBy = &o
		} else if err != domain.ErrNotFound {
			return "", err
		}
	}
	itemForce := m.Force
	if len(item) > 0 && m.Region != "" {
		itemForce = item[0].Force
	}
	d.ValidateFor(m.Meeting, itemForce, actionBy, v)
	if err := v.Err(); err != nil {
		return "", err
	}
	// After the checks: a check's day taken as its action's is judged once,
	// on the check (it was also judged as the empty due date's).
	d.ActionDueWithCheck()
	orderID := item[0].OrderID
	domain.Note(ctx, "order", orderID)
	if d.Decision == domain.DecisionEscalate {
		// One escalation of an order waits for the regional meeting at a
		// time (two put it on that agenda twice); a correction replaces it.
		// Waiting means a regional meeting would take it: one made by a
		// force of another region than the subject's now never will, and
		// does not stop the new force escalating. Escalations of an order
		// take turns on a lock, so two meetings cannot both find none.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('scpo:escalate:' || ?))`, orderID).Error; err != nil {
			return "", err
		}
		var waiting []struct{ HeldOn time.Time }
		if err := tx.Raw(`SELECT m.held_on FROM meeting_decisions d JOIN meeting_items i ON i.id = d.item_id
			JOIN meetings m ON m.id = d.meeting_id JOIN forces mf ON mf.code = m.force
			JOIN subjects s ON s.id = i.subject_id JOIN forces sf ON sf.code = s.force
			WHERE i.order_id = ? AND d.decision = ? AND d.withdrawn_at IS NULL AND d.id IS DISTINCT FROM ?
			  AND mf.region = sf.region
			  AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)
			  AND NOT EXISTS (SELECT 1 FROM meeting_items r WHERE r.escalation_id = d.id)
			LIMIT 1`, orderID, domain.DecisionEscalate, corrects).Scan(&waiting).Error; err != nil {
			return "", err
		}
		if len(waiting) > 0 {
			return "", domain.Conflict("decision", "the order is already escalated (at the meeting of %s) and waits for "+
				"the regional meeting: withdraw that escalation first to escalate it again", domain.AsDate(waiting[0].HeldOn))
		}
	}
	switch d.Decision {
	case domain.DecisionAssignOwner:
		a, replaced, err := assignOwner(tx, domain.OwnerChange{OrderID: orderID, Role: *d.Role, OfficerID: *d.OfficerID,
			Reason: "tasking meeting decision", By: deref(by), Replacing: d.Replacing}, by, s.clock)
		if err != nil {
			return "", err
		}
		d.AssignmentID = &a.ID
		if replaced != nil {
			d.Replaced = &replaced.Officer
		}
	case domain.DecisionScheduleCheck:
		checkID, err := scheduleCheck(tx, orderID, domain.Check{Kind: *d.CheckKind, DueOn: *d.CheckDueOn,
			Notes: d.Notes}, by, s.now())
		if err != nil {
			return "", renameField(err, map[string]string{"kind": "check_kind", "due_on": "check_due_on"})
		}
		d.CheckID = &checkID
	}
	var actionByID, status, replacedID *string
	if d.Replaced != nil {
		replacedID = &d.Replaced.ID
	}
	if d.ActionBy != nil {
		actionByID = &d.ActionBy.ID
		open := domain.ActionOpen
		status = &open
		// The assignee hears of it (the outbox, in this transaction).
		if err := s.notify(tx, domain.Event{Kind: domain.EventActionAssigned, OfficerID: d.ActionBy.ID,
			OrderID: orderID, Subject: id, On: d.DueBy}); err != nil {
			return "", err
		}
	}
	var checkDue, dueBy *time.Time
	if d.CheckDueOn != nil {
		checkDue = &d.CheckDueOn.Time
	}
	if d.DueBy != nil {
		dueBy = &d.DueBy.Time
	}
	touch(tx, orderID)
	return id, translate(tx.Exec(`INSERT INTO meeting_decisions (id, meeting_id, item_id, decision, action_by, due_by, notes,
		owner_role, owner_id, check_kind, check_due_on, assignment_id, check_id, decided_by, decided_at,
		status, corrects, reason, amendment, replaced_owner)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, m.ID, d.ItemID, d.Decision, actionByID, dueBy,
		d.Notes, d.Role, d.OfficerID, d.CheckKind, checkDue, d.AssignmentID, d.CheckID, by, s.now(),
		status, corrects, d.Reason, m.signed, replacedID).Error)
}

// renameField maps a rule's field names onto the names of the request that
// invoked it.
func renameField(err error, names map[string]string) error {
	v, ok := err.(*domain.ValidationError)
	if !ok {
		return err
	}
	out := &domain.ValidationError{}
	for _, e := range v.Errors {
		if n, ok := names[e.Field]; ok {
			e.Field = n
		}
		out.Add(e.Field, "%s", e.Message)
	}
	return out
}

// Reassign moves an officer's current owner assignments to another
// officer in one transaction, each with a history row carrying the reason,
// and the meeting actions given to the officer on those orders with them.
// Every ownership is checked first: one that cannot move (the receiving
// officer cannot own it, or the caller cannot change its force) blocks the
// whole move, and the refusal names each. A preview answers the same plan
// and writes nothing.
func (s *Store) Reassign(ctx context.Context, r domain.Reassignment) (domain.ReassignmentResult, error) {
	out := domain.ReassignmentResult{Preview: r.Preview, Moves: []domain.ReassignmentItem{},
		Blocked: []domain.ReassignmentItem{}, Assignments: []domain.OwnerAssignment{}}
	v := &domain.ValidationError{}
	r.Validate(v)
	if err := v.Err(); err != nil {
		return out, err
	}
	if _, err := s.GetOfficer(ctx, r.FromOfficerID); err != nil {
		return out, err
	}
	by := actorID(ctx)
	var subjects map[string]string // order → subject, of the orders planned
	// A whole move (a leaver's: no roles named) also takes the officer's
	// open actions on orders they do not own, of the force the receiver
	// acts for: left behind, they stood overdue on the agenda with nobody
	// to close them.
	var othersForce string
	plan := func(tx *gorm.DB) error {
		read := shareOfficer
		if r.Preview {
			// A preview's transaction is read-only, and changes nothing.
			read = func(tx *gorm.DB, id string) (domain.Officer, error) { return getOfficer(tx, id, false) }
		}
		to, err := read(tx, r.ToOfficerID)
		if err != nil || canSee(ctx, forceOf(to)) != nil {
			noteRefused(ctx, "officer", r.ToOfficerID)
			return domain.Invalid("to_officer_id", "no such officer")
		}
		if !to.Active {
			return domain.Invalid("to_officer_id", "the officer is deactivated")
		}
		if len(r.Roles) == 0 && canChange(ctx, forceOf(to)) == nil {
			othersForce = forceOf(to)
		}
		var current []struct {
			OrderID    string
			Role       string
			Reference  string
			SubjectID  string
			FirstNames string
			LastName   string
			Force      string
		}
		q := `SELECT a.order_id, a.role, o.reference, s.id AS subject_id, s.first_names, s.last_name, s.force
			FROM owner_assignments a JOIN orders o ON o.id = a.order_id JOIN subjects s ON s.id = o.subject_id
			WHERE a.officer_id = ? AND a.ended_at IS NULL AND o.status IN ('pending', 'active')`
		args := []any{r.FromOfficerID}
		if len(r.Roles) > 0 {
			q += ` AND a.role IN ?`
			args = append(args, r.Roles)
		}
		if err := tx.Raw(q+` ORDER BY a.order_id, a.role`, args...).Scan(&current).Error; err != nil {
			return err
		}
		out.Moves, out.Blocked = []domain.ReassignmentItem{}, []domain.ReassignmentItem{}
		subjects = map[string]string{}
		for _, c := range current {
			subjects[c.OrderID] = c.SubjectID
			item := domain.ReassignmentItem{OrderID: c.OrderID, Reference: c.Reference,
				SubjectName: strings.TrimSpace(c.FirstNames + " " + c.LastName), Force: c.Force, Role: c.Role}
			var why error
			if canChange(ctx, c.Force) != nil {
				why = domain.Invalid("orders", "you cannot change %s's records", c.Force)
			} else {
				why = canOwn(tx, to, c.Role, c.Force)
			}
			if why != nil {
				reason := why.(*domain.ValidationError).Errors[0].Message
				item.Reason = &reason
				out.Blocked = append(out.Blocked, item)
				continue
			}
			out.Moves = append(out.Moves, item)
		}
		var actions int64
		if err := tx.Raw(`SELECT count(*) FROM meeting_decisions d JOIN meeting_items i ON i.id = d.item_id
			JOIN subjects s ON s.id = i.subject_id
			WHERE d.action_by = ? AND d.status = 'open' AND d.withdrawn_at IS NULL
			  AND (i.order_id = ANY (CAST(? AS uuid[])) OR `+actionsOfOthers+`)`,
			r.FromOfficerID, orderIDs(out.Moves), othersForce).
			Scan(&actions).Error; err != nil {
			return err
		}
		out.ActionsMoved = int(actions)
		return nil
	}
	if r.Preview {
		// Read-only: nothing is locked or written, and the preview is audited as a consultation.
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET TRANSACTION READ ONLY`).Error; err != nil {
				return err
			}
			return plan(tx)
		})
		return out, err
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// The officer's orders are locked first, in id order, and the plan
		// is read under the locks. An order given to the officer after the
		// locks were taken (the plan is a statement of its own, with a
		// later snapshot) is locked then and the plan read again, until
		// every order planned is locked. Locks taken in two steps can
		// deadlock with another reassignment; PostgreSQL then aborts one,
		// which runs again (see txOn), as does one that finds an
		// assignment it planned to move already moved (moveAssignments).
		var first []string
		if err := tx.Raw(`SELECT id FROM orders WHERE id IN (SELECT order_id FROM owner_assignments
			WHERE officer_id = ? AND ended_at IS NULL) ORDER BY id FOR UPDATE`, r.FromOfficerID).Scan(&first).Error; err != nil {
			return err
		}
		locked := map[string]bool{}
		for _, id := range first {
			locked[id] = true
		}
		for round := 0; ; round++ {
			if err := plan(tx); err != nil {
				return err
			}
			var more textArray
			for _, m := range out.Moves {
				if !locked[m.OrderID] {
					more = append(more, m.OrderID)
					locked[m.OrderID] = true
				}
			}
			if len(more) == 0 {
				break
			}
			if round == 4 {
				return errTryAgain
			}
			if err := tx.Exec(`SELECT 1 FROM orders WHERE id = ANY (CAST(? AS uuid[])) ORDER BY id FOR UPDATE`,
				more).Error; err != nil {
				return err
			}
		}
		if err := out.Refusal(); err != nil {
			return err
		}
		domain.Note(ctx, "officer", r.FromOfficerID, r.ToOfficerID)
		for _, m := range out.Moves {
			domain.Note(ctx, "order", m.OrderID)
			domain.Note(ctx, "subject", subjects[m.OrderID])
		}
		var err error
		out.Assignments, err = moveAssignments(tx, out.Moves, r.FromOfficerID, r.ToOfficerID, r.Reason, by, s.now())
		if err != nil {
			return err
		}
		// The meeting's open actions on those orders follow them (one done
		// or cancelled stays with who did it); who they were first given
		// to is kept (reassigned_from, shown beside the new holder), and
		// the new holder is told of each, as when an action is given.
		var actions []struct {
			ID, OrderID, Status string
			DueBy               *time.Time
		}
		// The subjects of the other orders whose actions move, shared: a
		// move of force cancelling their old officers' actions waits, or
		// goes first and leaves them to this move (as in decide).
		if othersForce != "" {
			if err := tx.Exec(`SELECT s.id FROM meeting_decisions d JOIN meeting_items i ON i.id = d.item_id
				JOIN subjects s ON s.id = i.subject_id
				WHERE d.action_by = ? AND `+actionsOfOthers+` ORDER BY s.id FOR SHARE OF s`,
				r.FromOfficerID, othersForce).Error; err != nil {
				return err
			}
		}
		if err := tx.Raw(`UPDATE meeting_decisions d SET action_by = ?, reassigned_from = coalesce(d.reassigned_from, d.action_by)
			FROM meeting_items i JOIN subjects s ON s.id = i.subject_id
			WHERE i.id = d.item_id AND d.action_by = ? AND d.status = 'open' AND d.withdrawn_at IS NULL
			  AND (i.order_id = ANY (CAST(? AS uuid[])) OR `+actionsOfOthers+`)
			RETURNING d.id, i.order_id, d.status, d.due_by`,
			r.ToOfficerID, r.FromOfficerID, orderIDs(out.Moves), othersForce).Scan(&actions).Error; err != nil {
			return err
		}
		for _, a := range actions {
			// On the trail, and their flags (action_overdue) settled anew.
			domain.Note(ctx, "order", a.OrderID)
			touch(tx, a.OrderID)
			if a.Status != domain.ActionOpen {
				continue
			}
			if err := s.notify(tx, domain.Event{Kind: domain.EventActionAssigned, OfficerID: r.ToOfficerID,
				OrderID: a.OrderID, Subject: a.ID, On: datePtr(a.DueBy)}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errTryAgain) {
		return out, domain.Conflict("from_officer_id",
			"the officer's orders kept changing while they were being moved; try again")
	}
	if err != nil {
		return out, err
	}
	out.Moved = len(out.Assignments)
	return out, nil
}

// actionsOfOthers is a whole move's open actions on orders the officer
// does not own, of the force bound to it ("" for none).
const actionsOfOthers = `(d.status = 'open' AND d.withdrawn_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id) AND s.force = ?)`

// orderIDs lists the items' orders as one array parameter.
func orderIDs(items []domain.ReassignmentItem) textArray {
	out := make(textArray, 0, len(items))
	for _, it := range items {
		out = append(out, it.OrderID)
	}
	return out
}

var (
	_ domain.Reports    = (*Store)(nil)
	_ domain.Meetings   = (*Store)(nil)
	_ domain.Reassigner = (*Store)(nil)
	_ domain.Sweeps     = (*Store)(nil)
	_ domain.Policies   = (*Store)(nil)
)
