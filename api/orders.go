package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type termRequest struct {
	Category   *string            `json:"category"`
	Text       *string            `json:"text"`
	StartsOn   *string            `json:"starts_on"`
	EndsOn     *string            `json:"ends_on"`
	Monitoring *monitoringRequest `json:"monitoring"`
}

// orderRequest is what a client may set when recording an order.
type orderRequest struct {
	SubjectID          *string       `json:"subject_id"`
	Type               *string       `json:"type"`
	Reference          *string       `json:"reference"`
	Court              *string       `json:"court"`
	CourtType          *string       `json:"court_type"`
	MadeOn             *string       `json:"made_on"`
	Commencement       *string       `json:"commencement"`
	StartsOn           *string       `json:"starts_on"`
	EndsOn             *string       `json:"ends_on"`
	DurationMonths     *int          `json:"duration_months"`
	Terms              []termRequest `json:"terms"`
	ReviewIntervalDays *int          `json:"review_interval_days"`
	// ServedAtHearing: the subject was represented at the hearing (s.10),
	// recorded as the order's service on the day it was made.
	ServedAtHearing *bool `json:"served_at_hearing"`
	// Interim: an interim order (s.5E); InterimOrderID: on the full order,
	// the interim order it replaces (which then ends).
	Interim        *bool              `json:"interim"`
	InterimOrderID *string            `json:"interim_order_id"`
	Conviction     *convictionRequest `json:"conviction"`
}

// convictionRequest is what a Crown Court order was made for (s.19).
type convictionRequest struct {
	Offences    []string `json:"offences"`
	ConvictedOn *string  `json:"convicted_on"`
	Court       *string  `json:"court"`
}

// orderPatch adds ending an order to what a client may change.
type orderPatch struct {
	orderRequest
	Status    *string `json:"status"`
	EndedOn   *string `json:"ended_on"`
	EndReason *string `json:"end_reason"`
}

func (r orderRequest) apply(o *domain.Order, v *domain.ValidationError) {
	o.SubjectID, o.Type, o.Reference, o.Court, o.CourtType = str(r.SubjectID), str(r.Type), str(r.Reference), str(r.Court), str(r.CourtType)
	o.Commencement = str(r.Commencement)
	o.MadeOn = domain.Date{}
	if d := dateField(v, "made_on", r.MadeOn); d != nil {
		o.MadeOn = *d
	}
	o.StartsOn = dateField(v, "starts_on", r.StartsOn)
	o.EndsOn = dateField(v, "ends_on", r.EndsOn)
	o.DurationMonths, o.ReviewIntervalDays = r.DurationMonths, r.ReviewIntervalDays
	o.ServedAtHearing = r.ServedAtHearing != nil && *r.ServedAtHearing
	o.Interim = r.Interim != nil && *r.Interim
	o.InterimOrderID = nil
	if r.InterimOrderID != nil {
		if id, ok := domain.CanonicalID(*r.InterimOrderID); ok {
			o.InterimOrderID = &id
		} else {
			v.Add("interim_order_id", "must be a UUID in the form 01234567-89ab-cdef-0123-456789abcdef")
		}
	}
	o.Conviction = nil
	if c := r.Conviction; c != nil {
		o.Conviction = &domain.Conviction{Offences: c.Offences, Court: str(c.Court)}
		if d := dateField(v, "conviction.convicted_on", c.ConvictedOn); d != nil {
			o.Conviction.ConvictedOn = *d
		}
	}
	o.Terms = make([]domain.Term, len(r.Terms))
	for i, t := range r.Terms {
		o.Terms[i] = legalTermRequest{Category: t.Category, Text: t.Text, StartsOn: t.StartsOn, EndsOn: t.EndsOn,
			Monitoring: t.Monitoring}.term(v, "terms["+strconv.Itoa(i)+"]")
	}
}

func orderPatchOf(o domain.Order) orderPatch {
	made := o.MadeOn.String()
	terms := make([]termRequest, len(o.Terms))
	for i, t := range o.Terms {
		terms[i] = termRequest{Category: &o.Terms[i].Category, Text: &o.Terms[i].Text, StartsOn: dateStr(t.StartsOn),
			EndsOn: dateStr(t.EndsOn)}
		if m := t.Monitoring; m != nil {
			terms[i].Monitoring = &monitoringRequest{ResponsiblePerson: &m.ResponsiblePerson, Duties: &m.Duties}
		}
	}
	return orderPatch{orderRequest: orderRequest{SubjectID: &o.SubjectID, Type: &o.Type, Reference: &o.Reference,
		Court: &o.Court, CourtType: &o.CourtType, MadeOn: &made, Commencement: &o.Commencement,
		StartsOn: dateStr(o.StartsOn), EndsOn: dateStr(o.EndsOn), DurationMonths: o.DurationMonths, Terms: terms,
		ReviewIntervalDays: o.ReviewIntervalDays, Interim: &o.Interim, InterimOrderID: o.InterimOrderID,
		Conviction: convictionRequestOf(o.Conviction)}, Status: &o.Status}
}

func convictionRequestOf(c *domain.Conviction) *convictionRequest {
	if c == nil {
		return nil
	}
	on := c.ConvictedOn.String()
	return &convictionRequest{Offences: c.Offences, ConvictedOn: &on, Court: &c.Court}
}

func (s *Server) createOrder(c echo.Context) error {
	var req orderRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	var o domain.Order
	req.apply(&o, v)
	if req.SubjectID == nil || *req.SubjectID == "" {
		v.Add("subject_id", "is required")
	}
	if v.Err() != nil {
		o.Validate(domain.Subject{}, s.today(), v)
		return v
	}
	out, err := s.store.CreateOrder(ctxOf(c), o)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/orders/"+out.ID)
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

var (
	orderStatuses = []string{domain.StatusPending, domain.StatusActive, domain.StatusDischarged, domain.StatusExpired, domain.StatusQuashed}
	caseTypes     = []string{domain.CaseCommunity, domain.CasePrison}
)

func (s *Server) listOrders(c echo.Context) error {
	q := newQuery(c, "force", "status", "case_type", "subject_id", "owner", "flag", "reference")
	f := domain.OrderFilter{Force: q.str("force"), Status: q.oneOf("status", orderStatuses),
		CaseType: q.oneOf("case_type", caseTypes), SubjectID: q.id("subject_id"), Owner: q.id("owner"),
		Flag: q.oneOf("flag", domain.FlagKinds), Reference: q.str("reference")}
	if len(f.Reference) > 50 {
		q.errs.Add("reference", "must be at most 50 characters")
	}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.store.ListOrders(ctxOf(c), f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(items, next))
}

func (s *Server) getOrder(c echo.Context) error {
	out, err := s.store.GetOrder(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

func (s *Server) patchOrder(c echo.Context) error {
	var shape orderPatch
	body, err := patchBody(c, &shape)
	if err != nil {
		return err
	}
	var given map[string]json.RawMessage
	_ = json.Unmarshal(body, &given)
	has := func(k string) bool { _, ok := given[k]; return ok }
	today := s.today()
	out, err := s.store.UpdateOrder(ctxOf(c), c.Param("id"), ifMatch(c), func(o *domain.Order, sub domain.Subject) error {
		base := orderPatchOf(*o)
		// ends_on and duration_months are one fact stored twice: a patch
		// that gives one (or moves the start) re-derives the other.
		switch {
		case has("ends_on") && has("duration_months"):
		case has("duration_months"), has("starts_on") && !has("ends_on"):
			base.EndsOn = nil
		default:
			// The stored end date is the fact; the duration follows it.
			if base.EndsOn != nil {
				base.DurationMonths = nil
			}
		}
		var req orderPatch
		if err := patchInto(base, body, &req); err != nil {
			return err
		}
		v := &domain.ValidationError{}
		before := *o
		stored := o.Status
		if has("served_at_hearing") {
			v.Add("served_at_hearing", "is taken when an order is recorded; record service with POST /api/v1/orders/{id}/service")
		}
		if str(req.SubjectID) != o.SubjectID {
			v.Add("subject_id", "cannot be changed; record a new order for another subject")
		}
		req.apply(o, v)
		endedOn := dateField(v, "ended_on", req.EndedOn)
		o.Vary(before, sub, today, v)
		// Validate re-derives pending or active from the dates; only an
		// explicit change of status, or an end date or reason, ends the order.
		if st := str(req.Status); has("status") && st != stored || has("ended_on") || has("end_reason") {
			o.End(st, endedOn, req.EndReason, today, v)
		}
		return v.Err()
	})
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

type ownerRequest struct {
	OfficerID *string `json:"officer_id"`
	Reason    *string `json:"reason"`
}

func ownerRole(c echo.Context) (string, error) {
	role := c.Param("role")
	if _, ok := domain.OfficerRoleFor(role); !ok {
		return "", domain.ErrNotFound
	}
	return role, nil
}

func (s *Server) assignOwner(c echo.Context) error {
	role, err := ownerRole(c)
	if err != nil {
		return err
	}
	var req ownerRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	a, err := s.store.AssignOwner(ctxOf(c), domain.OwnerChange{OrderID: c.Param("id"), Role: role,
		OfficerID: str(req.OfficerID), Reason: str(req.Reason), By: actor(c).ID, IfVersion: ifMatch(c)})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, a)
}

func (s *Server) removeOwner(c echo.Context) error {
	role, err := ownerRole(c)
	if err != nil {
		return err
	}
	q := newQuery(c, "reason")
	if err := q.err(); err != nil {
		return err
	}
	if err := s.store.RemoveOwner(ctxOf(c), domain.OwnerChange{OrderID: c.Param("id"), Role: role,
		Reason: q.str("reason"), By: actor(c).ID, IfVersion: ifMatch(c)}); err != nil {
		return err
	}
	if err := recordAudit(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) ownerHistory(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.OwnerAssignment, string, error) {
		return s.store.OwnerHistory(ctxOf(c), c.Param("id"), p)
	})
}

type reviewRequest struct {
	ReviewedOn *string `json:"reviewed_on"`
	Kind       *string `json:"kind"`
	Outcome    *string `json:"outcome"`
	Notes      *string `json:"notes"`
}

func (s *Server) recordReview(c echo.Context) error {
	var req reviewRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	r := domain.Review{Kind: str(req.Kind), Outcome: str(req.Outcome), Notes: req.Notes}
	if d := dateField(v, "reviewed_on", req.ReviewedOn); d != nil {
		r.ReviewedOn = *d
	}
	if v.Err() != nil {
		r.Validate(domain.Order{}, s.today(), v)
		return v
	}
	out, err := s.store.RecordReview(ctxOf(c), c.Param("id"), r)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

func (s *Server) listReviews(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.Review, string, error) {
		return s.store.ListReviews(ctxOf(c), c.Param("id"), p)
	})
}

type checkRequest struct {
	Kind  *string `json:"kind"`
	DueOn *string `json:"due_on"`
	Notes *string `json:"notes"`
}

func (s *Server) scheduleCheck(c echo.Context) error {
	var req checkRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	ch := domain.Check{Kind: str(req.Kind), Notes: req.Notes}
	if d := dateField(v, "due_on", req.DueOn); d != nil {
		ch.DueOn = *d
	}
	if v.Err() != nil {
		ch.ValidateSchedule(domain.Order{}, v)
		return v
	}
	out, err := s.store.ScheduleCheck(ctxOf(c), c.Param("id"), ch)
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

type checkCompletion struct {
	CompletedOn *string `json:"completed_on"`
	Outcome     *string `json:"outcome"`
	Notes       *string `json:"notes"`
	// Reason is required to correct a completed check, and refused otherwise.
	Reason *string `json:"reason"`
}

func (s *Server) completeCheck(c echo.Context) error {
	var req checkCompletion
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	today := s.today()
	out, err := s.store.CompleteCheck(ctxOf(c), c.Param("id"), c.Param("check_id"), ifMatch(c), func(ch *domain.Check) error {
		v := &domain.ValidationError{}
		switch ch.StatusOf() {
		case domain.CheckCancelled:
			return domain.Conflict("status", "the check was cancelled and cannot be completed or corrected")
		case domain.CheckCompleted:
			// A correction: what is given replaces what was recorded.
			completedOn := dateField(v, "completed_on", req.CompletedOn)
			if req.CompletedOn != nil && completedOn == nil {
				return v
			}
			return ch.Correct(completedOn, req.Outcome, req.Notes, strings.TrimSpace(str(req.Reason)), domain.Order{}, today, v)
		}
		if req.Reason != nil {
			v.Add("reason", "is only taken when correcting a completed check")
		}
		ch.CompletedOn = dateField(v, "completed_on", req.CompletedOn)
		ch.Outcome = req.Outcome
		if req.Notes != nil {
			ch.Notes = req.Notes
		}
		if v.Err() != nil {
			ch.ValidateCompletion(domain.Order{}, s.today(), v)
			return v
		}
		return nil
	})
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

type checkCancellation struct {
	Reason *string `json:"reason"`
}

func (s *Server) cancelCheck(c echo.Context) error {
	var req checkCancellation
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	out, err := s.store.CancelCheck(ctxOf(c), c.Param("id"), c.Param("check_id"), ifMatch(c), strings.TrimSpace(str(req.Reason)))
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

func (s *Server) listChecks(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.Check, string, error) {
		return s.store.ListChecks(ctxOf(c), c.Param("id"), p)
	})
}
