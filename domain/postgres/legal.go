package postgres

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"scpo/domain"
)

// The legal life of an order: every change is an event (order_events) and
// every version of every term is kept (term_versions). Each change locks
// the order (lockOrder), which marks it touched, so the flags it ends are
// resolved and the event kinds' flags raised in its own transaction.

func (t termRow) domain() domain.Term {
	return domain.Term{ID: t.TermID, Category: t.Category, Text: t.Text, StartsOn: datePtr(t.StartsOn),
		EndsOn: datePtr(t.EndsOn), Monitoring: monitoringOf(t.Monitoring)}
}

func monitoringJSON(m *domain.Monitoring) *string {
	if m == nil {
		return nil
	}
	b, _ := json.Marshal(m)
	s := string(b)
	return &s
}

func monitoringOf(s *string) *domain.Monitoring {
	if s == nil {
		return nil
	}
	var m domain.Monitoring
	if json.Unmarshal([]byte(*s), &m) != nil {
		return nil
	}
	return &m
}

// recordEvent adds one event to an order's life, recorded by the caller.
func (s *Store) recordEvent(tx *gorm.DB, orderID, kind string, on domain.Date, court *string, details any) (domain.OrderEvent, error) {
	b, err := json.Marshal(details)
	if err != nil {
		return domain.OrderEvent{}, err
	}
	if details == nil {
		b = []byte("{}")
	}
	ev := domain.OrderEvent{ID: newID(), OrderID: orderID, Kind: kind, On: on, Court: court, Details: b,
		RecordedAt: s.now()}
	by := actorID(tx.Statement.Context)
	if err := translate(tx.Exec(`INSERT INTO order_events (id, order_id, kind, on_date, court, details, recorded_by, recorded_at)
		VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?)`, ev.ID, orderID, kind, on.Time, court, string(b), by, ev.RecordedAt).Error); err != nil {
		return domain.OrderEvent{}, err
	}
	if by != nil {
		ev.RecordedBy = &domain.OfficerRef{ID: *by}
		if a, ok := domain.ActorFrom(tx.Statement.Context); ok {
			ev.RecordedBy.Name, ev.RecordedBy.Email = a.Name, a.Email
		}
	}
	domain.Note(tx.Statement.Context, "order_event", ev.ID)
	return ev, nil
}

// recordMade records the "made" event of new orders and version 1 of each of
// their terms (from order_terms), in force from the day each was made.
func recordMade(tx *gorm.DB, orderIDs []string, now time.Time) error {
	return tx.Exec(`WITH ev AS (
		INSERT INTO order_events (order_id, kind, on_date, court, details, recorded_by, recorded_at)
		SELECT id, 'made', made_on, court, jsonb_build_object('court_type', court_type, 'reference', reference), ?, ?
		FROM orders WHERE id = ANY (CAST(? AS uuid[]))
		RETURNING id, order_id, on_date)
	INSERT INTO term_versions (order_id, term_id, version, position, category, text, starts_on, ends_on, monitoring,
	                           effective_from, made_by_event)
	SELECT t.order_id, t.term_id, 1, t.position, t.category, t.text, t.starts_on, t.ends_on, t.monitoring, ev.on_date, ev.id
	FROM order_terms t JOIN ev ON ev.order_id = t.order_id`, actorID(tx.Statement.Context), now, textArray(orderIDs)).Error
}

// assignTermIDs gives the terms a plan adds their IDs, in New and Current.
func assignTermIDs(p *domain.TermPlan) {
	var added []string
	for i := range p.New {
		if p.New[i].ID == "" {
			p.New[i].ID = newID()
			added = append(added, p.New[i].ID)
		}
	}
	for i := range p.Current {
		if p.Current[i].ID == "" && len(added) > 0 {
			p.Current[i].ID, added = added[0], added[1:]
		}
	}
}

// applyTermPlan ends the versions a change replaces or removes and adds the
// new ones, in force from effective, then rewrites the current terms.
func applyTermPlan(tx *gorm.DB, orderID, eventID string, effective domain.Date, p domain.TermPlan) error {
	if len(p.Ended) > 0 {
		if err := tx.Exec(`UPDATE term_versions SET effective_to = greatest(effective_from, ?), ended_by_event = ?
			WHERE order_id = ? AND term_id = ANY (CAST(? AS uuid[])) AND ended_by_event IS NULL`,
			effective.Time, eventID, orderID, textArray(p.Ended)).Error; err != nil {
			return err
		}
	}
	pos := map[string]int{}
	for i, t := range p.Current {
		pos[t.ID] = i
	}
	for _, t := range p.New {
		if err := translate(tx.Exec(`INSERT INTO term_versions (order_id, term_id, version, position, category, text,
			starts_on, ends_on, monitoring, effective_from, made_by_event)
			SELECT ?, ?, coalesce((SELECT max(version) FROM term_versions WHERE term_id = ?), 0) + 1, ?, ?, ?, ?, ?,
			       CAST(? AS jsonb), ?, ?`,
			orderID, t.ID, t.ID, pos[t.ID], t.Category, t.Text, timePtr(t.StartsOn), timePtr(t.EndsOn),
			monitoringJSON(t.Monitoring), effective.Time, eventID).Error); err != nil {
			return err
		}
	}
	return writeTerms(tx, orderID, p.Current)
}

// bumpOrder moves the order's version on after a change recorded elsewhere.
func (s *Store) bumpOrder(tx *gorm.DB, o domain.Order, extra map[string]any) error {
	set := map[string]any{"version": gorm.Expr("version + 1"), "updated_at": s.now()}
	for k, v := range extra {
		set[k] = v
	}
	return translate(tx.Model(&orderRow{}).Where("id = ?", o.ID).Updates(set).Error)
}

// endFlags resolves an ended order's open flags.
func (s *Store) endFlags(tx *gorm.DB, orderID string) error {
	return tx.Exec(`UPDATE flags SET resolved_at = ? WHERE order_id = ? AND resolved_at IS NULL`, s.now(), orderID).Error
}

type termVersionRow struct {
	ID            string
	OrderID       string
	TermID        string
	Version       int
	Position      int
	Category      string
	Text          string
	StartsOn      *time.Time
	EndsOn        *time.Time
	Monitoring    *string
	EffectiveFrom time.Time
	EffectiveTo   *time.Time
	MadeByEvent   string
	EndedByEvent  *string
}

func (r termVersionRow) domain() domain.TermVersion {
	return domain.TermVersion{Term: domain.Term{ID: r.TermID, Category: r.Category, Text: r.Text,
		StartsOn: datePtr(r.StartsOn), EndsOn: datePtr(r.EndsOn), Monitoring: monitoringOf(r.Monitoring)},
		VersionID: r.ID, Version: r.Version, EffectiveFrom: domain.AsDate(r.EffectiveFrom),
		EffectiveTo: datePtr(r.EffectiveTo), MadeByEvent: r.MadeByEvent, EndedByEvent: r.EndedByEvent}
}

// termVersionKeys: every version of an order's terms, by the day each took
// effect, then the term's place and its version.
var termVersionKeys = keyset{cols: []string{"effective_from", "position", "version", "id"},
	types: []string{"date", "integer", "integer", "uuid"}}

// termVersions reads every version of an order's terms.
func termVersions(db *gorm.DB, orderID string) ([]domain.TermVersion, error) {
	var rows []termVersionRow
	if err := db.Raw(`SELECT * FROM term_versions WHERE order_id = ?`+termVersionKeys.orderBy(),
		orderID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.TermVersion, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func inForceOn(versions []domain.TermVersion, o domain.Order, on domain.Date) []domain.TermVersion {
	out := []domain.TermVersion{}
	if !o.InForceOn(on) {
		return out
	}
	for _, tv := range versions {
		if tv.InForceOn(on) {
			out = append(out, tv)
		}
	}
	return out
}

// TermVersions lists a page of the versions of an order's terms.
func (s *Store) TermVersions(ctx context.Context, orderID string, p domain.Page) ([]domain.TermVersion, string, error) {
	after, args, err := termVersionKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	var rows []termVersionRow
	if err := s.db.WithContext(ctx).Raw(`SELECT * FROM term_versions WHERE order_id = ? AND `+after+
		termVersionKeys.orderBy()+limitClause(limit), append([]any{orderID}, args...)...).Scan(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next := keysetPage(rows, limit, func(r termVersionRow) []string {
		return []string{keyDate(r.EffectiveFrom), strconv.Itoa(r.Position), strconv.Itoa(r.Version), r.ID}
	})
	out := make([]domain.TermVersion, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, next, nil
}

// TermsOn answers the terms that bound the subject on a day.
func (s *Store) TermsOn(ctx context.Context, orderID string, on domain.Date) (domain.TermsInForce, error) {
	o, err := s.GetOrder(ctx, orderID)
	if err != nil {
		return domain.TermsInForce{}, err
	}
	all, err := termVersions(s.db.WithContext(ctx), orderID)
	if err != nil {
		return domain.TermsInForce{}, err
	}
	return domain.TermsInForce{OrderID: o.ID, On: on, OrderInForce: o.InForceOn(on), Items: inForceOn(all, o, on)}, nil
}

// lastTermChange is the latest day a version of the order's terms took effect.
func lastTermChange(tx *gorm.DB, orderID string) (domain.Date, error) {
	last, err := scanDay(tx, `SELECT max(greatest(effective_from, coalesce(effective_to, effective_from))) FROM term_versions
		WHERE order_id = ?`, orderID)
	if err != nil || last == nil {
		return domain.Date{}, err
	}
	return *last, nil
}

// Vary records an application to vary the order and the court's decision;
// a grant makes new versions of the terms, in force from the hearing.
func (s *Store) Vary(ctx context.Context, orderID string, va domain.Variation) (domain.OrderEvent, error) {
	today := s.Today()
	var ev domain.OrderEvent
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := liveOrder(tx, orderID)
		if err != nil {
			return err
		}
		last, err := lastTermChange(tx, orderID)
		if err != nil {
			return err
		}
		v := &domain.ValidationError{}
		plan := va.Plan(o, last, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		assignTermIDs(&plan)
		kind := domain.EventVaried
		if va.Outcome == domain.VariationRefused {
			kind = domain.EventVariationRefused
		} else {
			va.Changed = plan.New[:len(va.Changed)]
			va.Added = plan.New[len(va.Changed):]
		}
		court := va.Court
		if ev, err = s.recordEvent(tx, o.ID, kind, va.HeardOn, &court, va); err != nil {
			return err
		}
		if kind == domain.EventVariationRefused {
			return nil
		}
		if err := applyTermPlan(tx, o.ID, ev.ID, va.HeardOn, plan); err != nil {
			return err
		}
		return s.bumpOrder(tx, o, nil)
	})
	return ev, err
}

// RecordService records how and when the subject was given notice (s.10).
func (s *Store) RecordService(ctx context.Context, orderID string, sv domain.Service) (domain.OrderEvent, error) {
	today := s.Today()
	var ev domain.OrderEvent
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := liveOrder(tx, orderID)
		if err != nil {
			return err
		}
		v := &domain.ValidationError{}
		sv.Validate(o, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		ev, err = s.recordEvent(tx, o.ID, domain.EventServed, sv.ServedOn, nil, sv)
		return err
	})
	return ev, err
}

// Discharge ends the order on the court's decision (s.18).
func (s *Store) Discharge(ctx context.Context, orderID string, e domain.Ending) (domain.OrderEvent, error) {
	today := s.Today()
	var ev domain.OrderEvent
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := liveOrder(tx, orderID)
		if err != nil {
			return err
		}
		v := &domain.ValidationError{}
		o.Discharge(&e, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		court := e.Court
		if ev, err = s.recordEvent(tx, o.ID, domain.EventDischarged, e.On, &court, e); err != nil {
			return err
		}
		if err := s.bumpOrder(tx, o, map[string]any{"status": o.Status, "ended_on": timePtr(o.EndedOn),
			"end_reason": o.EndReason}); err != nil {
			return err
		}
		return s.endFlags(tx, o.ID)
	})
	return ev, err
}

// LodgeAppeal records an appeal as pending (ss.23, 24).
func (s *Store) LodgeAppeal(ctx context.Context, orderID string, a domain.Appeal) (domain.OrderEvent, error) {
	today := s.Today()
	var ev domain.OrderEvent
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := liveOrder(tx, orderID)
		if err != nil {
			return err
		}
		if err := o.LodgeAppeal(&a, today, &domain.ValidationError{}); err != nil {
			return err
		}
		court := a.Court
		if ev, err = s.recordEvent(tx, o.ID, domain.EventAppealLodged, a.LodgedOn, &court, a); err != nil {
			return err
		}
		return s.bumpOrder(tx, o, map[string]any{"appeal_pending": true})
	})
	return ev, err
}

// DecideAppeal records the decision on the pending appeal appealID; an
// appeal allowed quashes the order.
func (s *Store) DecideAppeal(ctx context.Context, orderID, appealID string, d domain.AppealDecision) (domain.OrderEvent, error) {
	if !validID(appealID) {
		return domain.OrderEvent{}, domain.ErrNotFound
	}
	today := s.Today()
	var ev domain.OrderEvent
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		var lodged []struct {
			OnDate  time.Time
			Decided bool
		}
		if err := tx.Raw(`SELECT e.on_date, EXISTS (SELECT 1 FROM order_events d WHERE d.order_id = e.order_id
				AND d.kind = 'appeal_decided' AND d.details ->> 'appeal_id' = CAST(e.id AS text)) AS decided
			FROM order_events e WHERE e.id = ? AND e.order_id = ? AND e.kind = 'appeal_lodged'`, appealID, o.ID).
			Scan(&lodged).Error; err != nil {
			return err
		}
		if len(lodged) == 0 {
			return domain.ErrNotFound
		}
		if lodged[0].Decided {
			return domain.Conflict("appeal", "this appeal has already been decided")
		}
		if o.Ended() {
			return errEnded(o)
		}
		if err := o.DecideAppeal(&d, domain.AsDate(lodged[0].OnDate), today, &domain.ValidationError{}); err != nil {
			return err
		}
		court := d.Court
		details := map[string]any{"appeal_id": appealID, "outcome": d.Outcome, "notes": d.Notes}
		if ev, err = s.recordEvent(tx, o.ID, domain.EventAppealDecided, d.DecidedOn, &court, details); err != nil {
			return err
		}
		extra := map[string]any{"appeal_pending": false}
		if o.Status == domain.StatusQuashed {
			if _, err := s.recordEvent(tx, o.ID, domain.EventQuashed, d.DecidedOn, &court,
				map[string]any{"appeal_id": appealID, "reason": o.EndReason}); err != nil {
				return err
			}
			extra["status"], extra["ended_on"], extra["end_reason"] = o.Status, timePtr(o.EndedOn), o.EndReason
		}
		if err := s.bumpOrder(tx, o, extra); err != nil {
			return err
		}
		if o.Ended() {
			return s.endFlags(tx, o.ID)
		}
		return nil
	})
	return ev, err
}

type extensionRow struct {
	ID            string
	OrderID       string
	ChargeKind    string
	ChargedOn     time.Time
	Offence       string
	Court         string
	Outcome       *string
	OutcomeOn     *time.Time
	SettledEndsOn *time.Time
	RecordedBy    *string
	RecorderName  *string
	RecorderEmail *string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (r extensionRow) domain() domain.Extension {
	x := domain.Extension{ID: r.ID, OrderID: r.OrderID, ChargeKind: r.ChargeKind, ChargedOn: domain.AsDate(r.ChargedOn),
		Offence: r.Offence, Court: r.Court, Outcome: r.Outcome, OutcomeOn: datePtr(r.OutcomeOn),
		SettledEndsOn: datePtr(r.SettledEndsOn), Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	x.RecordedBy = officerRef(r.RecordedBy, r.RecorderName, r.RecorderEmail)
	return x
}

// extensionKeys: an order's charges, by the day each was charged.
var extensionKeys = keyset{cols: []string{"x.charged_on", "x.id"}, types: []string{"date", "uuid"}}

// extensions reads the charges matching where; tail ends the statement.
func extensions(db *gorm.DB, where, tail string, args ...any) ([]domain.Extension, error) {
	var rows []extensionRow
	if err := db.Raw(`SELECT x.*, f.name AS recorder_name, f.email AS recorder_email
		FROM order_extensions x LEFT JOIN officers f ON f.id = x.recorded_by WHERE `+where+extensionKeys.orderBy()+tail,
		args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.Extension, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// RecordCharge records a charge that extends the order while it is pending
// (s.22E): until its outcome is recorded the order does not expire.
func (s *Store) RecordCharge(ctx context.Context, orderID string, x domain.Extension) (domain.Extension, error) {
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		if o.Ended() && o.Status != domain.StatusExpired {
			return errEnded(o)
		}
		v := &domain.ValidationError{}
		o.Extend(&x, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		x.ID, x.OrderID = newID(), o.ID
		now := s.now()
		if err := translate(tx.Exec(`INSERT INTO order_extensions (id, order_id, charge_kind, charged_on, offence, court,
			recorded_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, x.ID, o.ID, x.ChargeKind,
			x.ChargedOn.Time, x.Offence, x.Court, actorID(ctx), now, now).Error); err != nil {
			return err
		}
		court := x.Court
		if _, err := s.recordEvent(tx, o.ID, domain.EventCharged, x.ChargedOn, &court, map[string]any{
			"extension_id": x.ID, "charge_kind": x.ChargeKind, "offence": x.Offence}); err != nil {
			return err
		}
		return s.bumpOrder(tx, o, map[string]any{"extension_pending": true, "status": o.Status})
	})
	if err != nil {
		return domain.Extension{}, err
	}
	list, err := extensions(s.db.WithContext(ctx), "x.id = ?", "", x.ID)
	if err != nil || len(list) == 0 {
		return domain.Extension{}, err
	}
	return list[0], nil
}

// DecideCharge records the outcome of the charge (and, then or later, the
// end the court settles); the order runs to the later of its end date and
// the outcome, or to the settled end.
func (s *Store) DecideCharge(ctx context.Context, orderID, extensionID string, ifVersion *int, outcome *string,
	outcomeOn, settled *domain.Date) (domain.Extension, error) {
	if !validID(extensionID) {
		return domain.Extension{}, domain.ErrNotFound
	}
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		all, err := extensions(tx, "x.order_id = ?", "", o.ID)
		if err != nil {
			return err
		}
		var x *domain.Extension
		var others []domain.Extension
		for i := range all {
			if all[i].ID == extensionID {
				x = &all[i]
			} else {
				others = append(others, all[i])
			}
		}
		if x == nil {
			return domain.ErrNotFound
		}
		if ifVersion != nil && *ifVersion != x.Version {
			return domain.ErrStale
		}
		// An order the lifecycle sweep expired at its charge's outcome may
		// still have its end settled by the court (s.22E): a later end
		// revives it, as a charge recorded after the end date does.
		settling := o.Status == domain.StatusExpired && x.Outcome != nil && x.SettledEndsOn == nil
		if o.Ended() && !settling {
			return errEnded(o)
		}
		if x.SettledEndsOn != nil {
			return domain.Conflict("settled_ends_on", "the charge is decided and the end settled (%s)", x.SettledEndsOn)
		}
		wasDecided := x.Outcome != nil
		endedOn := o.EffectiveEnd() // before the settled end moves it
		v := &domain.ValidationError{}
		o.DecideCharge(x, others, outcome, outcomeOn, settled, today, v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE order_extensions SET outcome = ?, outcome_on = ?, settled_ends_on = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, x.Outcome, timePtr(x.OutcomeOn),
			timePtr(x.SettledEndsOn), s.now(), x.ID).Error; err != nil {
			return err
		}
		on := *x.OutcomeOn
		if wasDecided {
			on = today
		}
		court := x.Court
		if _, err := s.recordEvent(tx, o.ID, domain.EventChargeDecided, on, &court, map[string]any{
			"extension_id": x.ID, "outcome": x.Outcome, "outcome_on": x.OutcomeOn, "settled_ends_on": x.SettledEndsOn,
			"extended_to": o.ExtendedTo}); err != nil {
			return err
		}
		changes := map[string]any{"extension_pending": o.ExtensionPending, "extended_to": timePtr(o.ExtendedTo)}
		if settling && o.ExtendedTo != nil && !o.ExtendedTo.Before(today.Time) {
			changes["status"] = domain.StatusActive
			// The expiry this undoes stays in the history (it was read
			// from the status alone), and the revival with it.
			if endedOn != nil {
				if _, err := s.recordEvent(tx, o.ID, domain.EventExpired, endedOn.AddDays(1), nil,
					map[string]any{"ends_on": endedOn}); err != nil {
					return err
				}
			}
			if _, err := s.recordEvent(tx, o.ID, domain.EventRevived, today, &court,
				map[string]any{"extension_id": x.ID, "runs_to": o.ExtendedTo}); err != nil {
				return err
			}
		}
		return s.bumpOrder(tx, o, changes)
	})
	if err != nil {
		return domain.Extension{}, err
	}
	list, err := extensions(s.db.WithContext(ctx), "x.id = ?", "", extensionID)
	if err != nil || len(list) == 0 {
		return domain.Extension{}, err
	}
	return list[0], nil
}

// ListExtensions lists a page of the charges that extended an order.
func (s *Store) ListExtensions(ctx context.Context, orderID string, p domain.Page) ([]domain.Extension, string, error) {
	after, args, err := extensionKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	list, err := extensions(s.db.WithContext(ctx), "x.order_id = ? AND "+after, limitClause(limit), append([]any{orderID}, args...)...)
	if err != nil {
		return nil, "", err
	}
	list, next := keysetPage(list, limit, func(x domain.Extension) []string { return []string{x.ChargedOn.String(), x.ID} })
	return list, next, nil
}

type breachRow struct {
	ID            string
	OrderID       string
	OccurredOn    time.Time
	FoundByCheck  *string
	FoundByReview *string
	Description   string
	Action        string
	Outcome       string
	OutcomeOn     *time.Time
	Sentence      *string
	TermVersions  textArray
	RecordedBy    *string
	RecorderName  *string
	RecorderEmail *string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// breachKeys: an order's breach cases, by the day each happened.
var breachKeys = keyset{cols: []string{"b.occurred_on", "b.id"}, types: []string{"date", "uuid"}}

// breaches reads the breach cases matching where; tail ends the statement.
func breaches(db *gorm.DB, where, tail string, args ...any) ([]domain.BreachCase, error) {
	var rows []breachRow
	if err := db.Raw(`SELECT b.*, f.name AS recorder_name, f.email AS recorder_email
		FROM breach_cases b LEFT JOIN officers f ON f.id = b.recorded_by WHERE `+where+breachKeys.orderBy()+tail,
		args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]domain.BreachCase, len(rows))
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.TermVersions...)
	}
	versions := map[string]domain.TermVersion{}
	if len(ids) > 0 {
		var vr []termVersionRow
		if err := db.Raw(`SELECT * FROM term_versions WHERE id = ANY (CAST(? AS uuid[]))`, textArray(ids)).
			Scan(&vr).Error; err != nil {
			return nil, err
		}
		for _, r := range vr {
			versions[r.ID] = r.domain()
		}
	}
	for i, r := range rows {
		b := domain.BreachCase{ID: r.ID, OrderID: r.OrderID, OccurredOn: domain.AsDate(r.OccurredOn),
			FoundByCheck: r.FoundByCheck, FoundByReview: r.FoundByReview, Description: r.Description, Action: r.Action,
			Outcome: r.Outcome, OutcomeOn: datePtr(r.OutcomeOn), Sentence: r.Sentence, Terms: []domain.TermVersion{},
			RecordedBy: officerRef(r.RecordedBy, r.RecorderName, r.RecorderEmail), Version: r.Version,
			CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
		for _, id := range r.TermVersions {
			b.Terms = append(b.Terms, versions[id])
		}
		out[i] = b
	}
	return out, nil
}

// RecordBreach records a breach case (s.25) naming the versions of the
// terms in force on the day it happened.
func (s *Store) RecordBreach(ctx context.Context, orderID string, b domain.BreachCase) (domain.BreachCase, error) {
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		all, err := termVersions(tx, o.ID)
		if err != nil {
			return err
		}
		v := &domain.ValidationError{}
		b.Validate(o, inForceOn(all, o, b.OccurredOn), today, v)
		if b.FoundByCheck != nil && !v.Has("found_by_check") {
			if err := mustBelong(tx, "checks", *b.FoundByCheck, o.ID, "found_by_check", v); err != nil {
				return err
			}
		}
		if b.FoundByReview != nil && !v.Has("found_by_review") {
			if err := mustBelong(tx, "reviews", *b.FoundByReview, o.ID, "found_by_review", v); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		b.ID, b.OrderID = newID(), o.ID
		ids := make([]string, len(b.Terms))
		for i, t := range b.Terms {
			ids[i] = t.VersionID
		}
		now := s.now()
		if err := translate(tx.Exec(`INSERT INTO breach_cases (id, order_id, occurred_on, found_by_check, found_by_review,
			description, action, outcome, outcome_on, sentence, term_versions, recorded_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS uuid[]), ?, ?, ?)`, b.ID, o.ID, b.OccurredOn.Time,
			b.FoundByCheck, b.FoundByReview, b.Description, b.Action, b.Outcome, timePtr(b.OutcomeOn), b.Sentence,
			textArray(ids), actorID(ctx), now, now).Error); err != nil {
			return err
		}
		domain.Note(ctx, "breach_case", b.ID)
		_, err = s.recordEvent(tx, o.ID, domain.EventBreachRecorded, b.OccurredOn, nil, map[string]any{
			"breach_id": b.ID, "action": b.Action, "outcome": b.Outcome, "term_versions": ids,
			"found_by_check": b.FoundByCheck, "found_by_review": b.FoundByReview})
		return err
	})
	if err != nil {
		return domain.BreachCase{}, err
	}
	list, err := breaches(s.db.WithContext(ctx), "b.id = ?", "", b.ID)
	if err != nil || len(list) == 0 {
		return domain.BreachCase{}, err
	}
	return list[0], nil
}

// mustBelong refuses a check or review that is not the order's.
func mustBelong(tx *gorm.DB, table, id, orderID, field string, v *domain.ValidationError) error {
	if !validID(id) {
		v.Add(field, "must be a UUID")
		return nil
	}
	var n int64
	if err := tx.Table(table).Where("id = ? AND order_id = ?", id, orderID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		v.Add(field, "is not a %s of this order", map[string]string{"checks": "check", "reviews": "review"}[table])
	}
	return nil
}

// DecideBreach records the outcome of a pending breach case.
func (s *Store) DecideBreach(ctx context.Context, orderID, breachID string, ifVersion *int, action *string, outcome string,
	outcomeOn *domain.Date, sentence *string) (domain.BreachCase, error) {
	if !validID(breachID) {
		return domain.BreachCase{}, domain.ErrNotFound
	}
	today := s.Today()
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		// The order's lock keeps changes to its breach cases apart.
		list, err := breaches(tx, "b.id = ? AND b.order_id = ?", "", breachID, o.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return domain.ErrNotFound
		}
		b := list[0]
		if ifVersion != nil && *ifVersion != b.Version {
			return domain.ErrStale
		}
		if err := b.DecideBreach(action, outcome, outcomeOn, sentence, today, &domain.ValidationError{}); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE breach_cases SET action = ?, outcome = ?, outcome_on = ?, sentence = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, b.Action, b.Outcome, timePtr(b.OutcomeOn), b.Sentence,
			s.now(), b.ID).Error; err != nil {
			return err
		}
		domain.Note(ctx, "breach_case", b.ID)
		_, err = s.recordEvent(tx, o.ID, domain.EventBreachOutcome, *b.OutcomeOn, nil, map[string]any{
			"breach_id": b.ID, "action": b.Action, "outcome": b.Outcome, "sentence": b.Sentence})
		return err
	})
	if err != nil {
		return domain.BreachCase{}, err
	}
	list, err := breaches(s.db.WithContext(ctx), "b.id = ?", "", breachID)
	if err != nil || len(list) == 0 {
		return domain.BreachCase{}, err
	}
	return list[0], nil
}

// ListBreaches lists a page of an order's breach cases, by the day each
// happened.
func (s *Store) ListBreaches(ctx context.Context, orderID string, p domain.Page) ([]domain.BreachCase, string, error) {
	after, args, err := breachKeys.after(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	list, err := breaches(s.db.WithContext(ctx), "b.order_id = ? AND "+after, limitClause(limit), append([]any{orderID}, args...)...)
	if err != nil {
		return nil, "", err
	}
	list, next := keysetPage(list, limit, func(b domain.BreachCase) []string { return []string{b.OccurredOn.String(), b.ID} })
	return list, next, nil
}

// DecideNoBreach records that a non-compliant check was not a breach.
func (s *Store) DecideNoBreach(ctx context.Context, orderID, checkID, reason string) (domain.OrderEvent, error) {
	if !validID(checkID) {
		return domain.OrderEvent{}, domain.ErrNotFound
	}
	var ev domain.OrderEvent
	err := s.tx(ctx, func(tx *gorm.DB) error {
		o, _, err := lockOrder(tx, orderID)
		if err != nil {
			return err
		}
		var rows []struct {
			Outcome        *string
			NoBreachReason *string
			Cases          int
		}
		if err := tx.Raw(`SELECT c.outcome, c.no_breach_reason,
			(SELECT count(*) FROM breach_cases b WHERE b.found_by_check = c.id) AS cases
			FROM checks c WHERE c.id = ? AND c.order_id = ? FOR UPDATE`, checkID, o.ID).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return domain.ErrNotFound
		}
		r := rows[0]
		switch {
		case r.Outcome == nil || *r.Outcome != "non_compliant":
			return domain.Conflict("check", "only a check recorded non_compliant asks for a breach decision")
		case r.NoBreachReason != nil:
			return domain.Conflict("check", "a no-breach decision is already recorded for this check")
		case r.Cases > 0:
			return domain.Conflict("check", "a breach case already names this check")
		}
		v := &domain.ValidationError{}
		reason = domain.NoBreach(reason, v)
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE checks SET no_breach_reason = ?, no_breach_by = ?, no_breach_at = ?,
			version = version + 1, updated_at = ? WHERE id = ?`, reason, actorID(ctx), s.now(), s.now(), checkID).Error; err != nil {
			return err
		}
		ev, err = s.recordEvent(tx, o.ID, domain.EventNoBreach, s.Today(), nil, map[string]any{"check_id": checkID, "reason": reason})
		return err
	})
	return ev, err
}

// orderTimelineSQL is every event of one order's life, oldest first: its
// own events, owners given and taken away, reviews, checks scheduled and
// completed, and its expiry. Days of timestamps are taken in the service's
// zone (@zone, SCPO_TIMEZONE), as the pages give days.
const orderTimelineSQL = `
    SELECT e.id::text AS id, e.kind, e.on_date, e.court, e.details, e.recorded_by, e.recorded_at
    FROM order_events e WHERE e.order_id = @id
    UNION ALL
    SELECT a.id::text, 'owner_assigned', (a.assigned_at AT TIME ZONE @zone)::date, NULL,
           jsonb_build_object('role', a.role, 'officer_id', a.officer_id, 'officer_name', f.name, 'reason', a.reason),
           a.assigned_by, a.assigned_at
    FROM owner_assignments a JOIN officers f ON f.id = a.officer_id WHERE a.order_id = @id
    UNION ALL
    SELECT a.id::text || ':ended', 'owner_ended', (a.ended_at AT TIME ZONE @zone)::date, NULL,
           jsonb_build_object('role', a.role, 'officer_id', a.officer_id, 'officer_name', f.name, 'reason', a.end_reason),
           a.ended_by, a.ended_at
    FROM owner_assignments a JOIN officers f ON f.id = a.officer_id WHERE a.order_id = @id AND a.ended_at IS NOT NULL
    UNION ALL
    -- The day it came into force: on a day of its own, or on release.
    SELECT o.id::text || ':in_force', 'in_force', o.starts_on, NULL,
           jsonb_build_object('commencement', o.commencement), NULL, o.created_at
    FROM orders o WHERE o.id = @id AND o.starts_on <= @today
      -- Not for an order ended before its day came (discharged while pending).
      AND (o.ended_on IS NULL OR o.starts_on <= o.ended_on)
    UNION ALL
    -- Its subject's transfers to another force while it stood.
    SELECT t.id::text || ':transferred', 'transferred', (t.decided_at AT TIME ZONE @zone)::date, NULL,
           jsonb_build_object('from_force', t.from_force, 'to_force', t.to_force), t.decided_by, t.decided_at
    FROM transfers t JOIN orders o ON o.subject_id = t.subject_id
    WHERE o.id = @id AND t.status = 'accepted' AND t.decided_at >= o.created_at
      AND (o.ended_on IS NULL OR (t.decided_at AT TIME ZONE @zone)::date <= o.ended_on)
    UNION ALL
    SELECT r.id::text, 'review', r.reviewed_on, NULL,
           jsonb_build_object('review_id', r.id, 'kind', r.kind, 'outcome', r.outcome, 'imported', r.imported), r.recorded_by, r.created_at
    FROM reviews r WHERE r.order_id = @id
    UNION ALL
    SELECT c.id::text || ':scheduled', 'check_scheduled', (c.created_at AT TIME ZONE @zone)::date, NULL,
           jsonb_build_object('check_id', c.id, 'kind', c.kind, 'due_on', c.due_on), c.scheduled_by, c.created_at
    FROM checks c WHERE c.order_id = @id
    UNION ALL
    SELECT c.id::text || ':completed', CASE WHEN c.outcome = 'cancelled' THEN 'check_cancelled' ELSE 'check_completed' END,
           c.completed_on, NULL, jsonb_build_object('check_id', c.id, 'kind', c.kind, 'outcome', c.outcome),
           c.completed_by, c.updated_at
    FROM checks c WHERE c.order_id = @id AND c.completed_on IS NOT NULL
    UNION ALL
    SELECT o.id::text || ':expired', 'expired', coalesce(o.extended_to, o.ends_on) + 1, NULL,
           jsonb_build_object('ends_on', coalesce(o.extended_to, o.ends_on)), NULL, o.updated_at
    FROM orders o WHERE o.id = @id AND o.status = 'expired'`

// eventKeys: an order's timeline, oldest first (its making first of its
// day). An event's ID is text: a record's own, or a record's with what
// happened to it (":ended", ":scheduled").
var eventKeys = keyset{cols: []string{"t.on_date", "t.kind <> 'made'", "t.recorded_at", "t.id"},
	types: []string{"date", "boolean", "timestamptz", "text"}}

// OrderEvents is a page of the order's timeline, oldest first, with who
// recorded each.
func (s *Store) OrderEvents(ctx context.Context, orderID string, p domain.Page) ([]domain.OrderEvent, string, error) {
	if _, _, err := eventKeys.after(p.Cursor); err != nil {
		return nil, "", err
	}
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, "", err
	}
	limit := pageLimit(p)
	out, err := s.orderEvents(ctx, orderID, eventKeys, p.Cursor, limit+1)
	if err != nil {
		return nil, "", err
	}
	out, next := keysetPage(out, limit, func(e domain.OrderEvent) []string {
		return []string{e.On.String(), strconv.FormatBool(e.Kind != domain.EventMade), keyTime(e.RecordedAt), e.ID}
	})
	return out, next, nil
}

// LatestOrderEvents is the last n events of the order's timeline, oldest
// first.
func (s *Store) LatestOrderEvents(ctx context.Context, orderID string, n int) ([]domain.OrderEvent, error) {
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return nil, err
	}
	out, err := s.orderEvents(ctx, orderID, eventKeys.reversed(), "", n)
	slices.Reverse(out)
	return out, err
}

// orderEvents reads at most limit events of the order's timeline in keys'
// order, after cursor.
func (s *Store) orderEvents(ctx context.Context, orderID string, keys keyset, cursor string, limit int) ([]domain.OrderEvent, error) {
	after, args, err := keys.after(cursor)
	if err != nil {
		return nil, err
	}
	// The cursor's parts are positional; the timeline's own are named.
	named := map[string]any{"id": orderID, "today": s.Today().Time, "zone": s.sqlZone()}
	for i, a := range args {
		k := "k" + strconv.Itoa(i)
		named[k] = a
		after = strings.Replace(after, "?", "@"+k, 1)
	}
	var rows []struct {
		ID         string
		Kind       string
		OnDate     time.Time
		Court      *string
		Details    []byte
		RecordedBy *string
		RecordedAt time.Time
	}
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT * FROM (`+orderTimelineSQL+`) t WHERE `+after+keys.orderBy()+` LIMIT `+strconv.Itoa(limit),
		named).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range rows {
		if r.RecordedBy != nil {
			ids = append(ids, *r.RecordedBy)
		}
	}
	names := map[string]domain.OfficerRef{}
	if len(ids) > 0 {
		var refs []domain.OfficerRef
		if err := db.Raw(`SELECT id, name, email FROM officers WHERE id = ANY (CAST(? AS uuid[]))`, textArray(ids)).
			Scan(&refs).Error; err != nil {
			return nil, err
		}
		for _, r := range refs {
			names[r.ID] = r
		}
	}
	out := make([]domain.OrderEvent, len(rows))
	for i, r := range rows {
		ev := domain.OrderEvent{ID: r.ID, OrderID: orderID, Kind: r.Kind, On: domain.AsDate(r.OnDate), Court: r.Court,
			Details: json.RawMessage(r.Details), RecordedAt: r.RecordedAt.UTC()}
		if len(ev.Details) == 0 {
			ev.Details = json.RawMessage("{}")
		}
		if r.RecordedBy != nil {
			ref := names[*r.RecordedBy]
			ref.ID = *r.RecordedBy
			ev.RecordedBy = &ref
		}
		out[i] = ev
	}
	return out, nil
}

// CountOrderLists counts an order's reviews, its timeline's events and its
// flags.
func (s *Store) CountOrderLists(ctx context.Context, orderID string) (domain.OrderListCounts, error) {
	var out domain.OrderListCounts
	if _, err := s.GetOrder(ctx, orderID); err != nil {
		return out, err
	}
	err := s.db.WithContext(ctx).Raw(`SELECT (SELECT count(*) FROM reviews WHERE order_id = @id) AS reviews,
		(SELECT count(*) FROM (`+orderTimelineSQL+`) t) AS events,
		(SELECT count(*) FROM flags WHERE order_id = @id) AS flags`,
		map[string]any{"id": orderID, "today": s.Today().Time, "zone": s.sqlZone()}).Scan(&out).Error
	return out, err
}

var _ domain.LegalLife = (*Store)(nil)
