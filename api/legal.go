package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// The legal life of an order: terms in force on a day and their versions,
// variation, service, discharge, appeal, extension while charged and
// breach, and the order's timeline.

type monitoringRequest struct {
	ResponsiblePerson *string `json:"responsible_person"`
	Duties            *string `json:"duties"`
}

// legalTermRequest is a term with its own dates, as a variation gives it.
type legalTermRequest struct {
	ID         *string            `json:"id"`
	Category   *string            `json:"category"`
	Text       *string            `json:"text"`
	StartsOn   *string            `json:"starts_on"`
	EndsOn     *string            `json:"ends_on"`
	Monitoring *monitoringRequest `json:"monitoring"`
}

func (t legalTermRequest) term(v *domain.ValidationError, field string) domain.Term {
	out := domain.Term{ID: str(t.ID), Category: str(t.Category), Text: str(t.Text),
		StartsOn: dateField(v, field+".starts_on", t.StartsOn), EndsOn: dateField(v, field+".ends_on", t.EndsOn)}
	if t.Monitoring != nil {
		out.Monitoring = &domain.Monitoring{ResponsiblePerson: str(t.Monitoring.ResponsiblePerson),
			Duties: str(t.Monitoring.Duties)}
	}
	return out
}

func terms(v *domain.ValidationError, field string, in []legalTermRequest) []domain.Term {
	out := make([]domain.Term, len(in))
	for i, t := range in {
		out[i] = t.term(v, field+"["+strconv.Itoa(i)+"]")
	}
	return out
}

func (s *Server) termsOn(c echo.Context) error {
	q := newQuery(c, "on")
	on := s.today()
	if d := q.date("on"); d != nil {
		on = *d
	}
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.TermsOn(ctxOf(c), c.Param("id"), on)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

func (s *Server) termVersions(c echo.Context) error {
	return recordList(c, 4, func(p domain.Page) ([]domain.TermVersion, string, error) {
		return s.store.TermVersions(ctxOf(c), c.Param("id"), p)
	})
}

func (s *Server) orderEvents(c echo.Context) error {
	return recordList(c, 4, func(p domain.Page) ([]domain.OrderEvent, string, error) {
		return s.store.OrderEvents(ctxOf(c), c.Param("id"), p)
	})
}

// orderDecisions answers the meetings' decisions on the order: its force's
// tasking meetings and the regional meeting an escalation went to.
func (s *Server) orderDecisions(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.OrderDecision, string, error) {
		return s.store.OrderDecisions(ctxOf(c), c.Param("id"), p)
	})
}

type variationRequest struct {
	Applicant     *string            `json:"applicant"`
	ApplicantName *string            `json:"applicant_name"`
	Court         *string            `json:"court"`
	AppliedOn     *string            `json:"applied_on"`
	HeardOn       *string            `json:"heard_on"`
	Outcome       *string            `json:"outcome"`
	Notes         *string            `json:"notes"`
	TermsAdded    []legalTermRequest `json:"terms_added"`
	TermsChanged  []legalTermRequest `json:"terms_changed"`
	TermsRemoved  []string           `json:"terms_removed"`
}

func (s *Server) vary(c echo.Context) error {
	var req variationRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	va := domain.Variation{Applicant: str(req.Applicant), ApplicantName: req.ApplicantName, Court: str(req.Court),
		AppliedOn: dateField(v, "applied_on", req.AppliedOn), Outcome: str(req.Outcome), Notes: req.Notes,
		Added: terms(v, "terms_added", req.TermsAdded), Changed: terms(v, "terms_changed", req.TermsChanged),
		Removed: req.TermsRemoved}
	if d := dateField(v, "heard_on", req.HeardOn); d != nil {
		va.HeardOn = *d
	}
	for i, t := range req.TermsChanged {
		if t.ID == nil {
			v.Add("terms_changed["+strconv.Itoa(i)+"].id", "is required: the term changed")
		}
	}
	if v.Err() != nil {
		va.Plan(domain.Order{}, domain.Date{}, s.today(), v)
		return v
	}
	out, err := s.store.Vary(ctxOf(c), c.Param("id"), va)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

type serviceRequest struct {
	Method   *string `json:"method"`
	ServedOn *string `json:"served_on"`
	Address  *string `json:"address"`
	Notes    *string `json:"notes"`
}

func (s *Server) recordService(c echo.Context) error {
	var req serviceRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	sv := domain.Service{Method: str(req.Method), Address: req.Address, Notes: req.Notes}
	if d := dateField(v, "served_on", req.ServedOn); d != nil {
		sv.ServedOn = *d
	}
	if v.Err() != nil {
		sv.Validate(domain.Order{}, s.today(), v)
		return v
	}
	out, err := s.store.RecordService(ctxOf(c), c.Param("id"), sv)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

type dischargeRequest struct {
	Court     *string `json:"court"`
	On        *string `json:"on"`
	Reason    *string `json:"reason"`
	Applicant *string `json:"applicant"`
}

func (s *Server) discharge(c echo.Context) error {
	var req dischargeRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	e := domain.Ending{Court: str(req.Court), Reason: str(req.Reason), Applicant: str(req.Applicant)}
	if d := dateField(v, "on", req.On); d != nil {
		e.On = *d
	}
	if v.Err() != nil {
		o := domain.Order{}
		o.Discharge(&e, s.today(), v)
		return v
	}
	out, err := s.store.Discharge(ctxOf(c), c.Param("id"), e)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

type appealRequest struct {
	Court     *string `json:"court"`
	LodgedOn  *string `json:"lodged_on"`
	Appellant *string `json:"appellant"`
	Grounds   *string `json:"grounds"`
}

func (s *Server) lodgeAppeal(c echo.Context) error {
	var req appealRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	a := domain.Appeal{Court: str(req.Court), Appellant: str(req.Appellant), Grounds: req.Grounds}
	if d := dateField(v, "lodged_on", req.LodgedOn); d != nil {
		a.LodgedOn = *d
	}
	if v.Err() != nil {
		o := domain.Order{}
		_ = o.LodgeAppeal(&a, s.today(), v)
		return v
	}
	out, err := s.store.LodgeAppeal(ctxOf(c), c.Param("id"), a)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

type appealDecisionRequest struct {
	Court     *string `json:"court"`
	DecidedOn *string `json:"decided_on"`
	Outcome   *string `json:"outcome"`
	Notes     *string `json:"notes"`
}

func (s *Server) decideAppeal(c echo.Context) error {
	var req appealDecisionRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	d := domain.AppealDecision{Court: str(req.Court), Outcome: str(req.Outcome), Notes: req.Notes}
	if day := dateField(v, "decided_on", req.DecidedOn); day != nil {
		d.DecidedOn = *day
	}
	if v.Err() != nil {
		return v
	}
	out, err := s.store.DecideAppeal(ctxOf(c), c.Param("id"), c.Param("appeal_id"), d)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}

type chargeRequest struct {
	ChargeKind *string `json:"charge_kind"`
	ChargedOn  *string `json:"charged_on"`
	Offence    *string `json:"offence"`
	Court      *string `json:"court"`
}

func (s *Server) recordCharge(c echo.Context) error {
	var req chargeRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	x := domain.Extension{ChargeKind: str(req.ChargeKind), Offence: str(req.Offence), Court: str(req.Court)}
	if d := dateField(v, "charged_on", req.ChargedOn); d != nil {
		x.ChargedOn = *d
	}
	if v.Err() != nil {
		return v
	}
	out, err := s.store.RecordCharge(ctxOf(c), c.Param("id"), x)
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

type chargeOutcomeRequest struct {
	Outcome       *string `json:"outcome"`
	OutcomeOn     *string `json:"outcome_on"`
	SettledEndsOn *string `json:"settled_ends_on"`
}

func (s *Server) decideCharge(c echo.Context) error {
	var req chargeOutcomeRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	on := dateField(v, "outcome_on", req.OutcomeOn)
	settled := dateField(v, "settled_ends_on", req.SettledEndsOn)
	if v.Err() != nil {
		return v
	}
	out, err := s.store.DecideCharge(ctxOf(c), c.Param("id"), c.Param("extension_id"), ifMatch(c), req.Outcome, on, settled)
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

func (s *Server) listExtensions(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.Extension, string, error) {
		return s.store.ListExtensions(ctxOf(c), c.Param("id"), p)
	})
}

type breachRequest struct {
	OccurredOn    *string  `json:"occurred_on"`
	TermIDs       []string `json:"term_ids"`
	FoundByCheck  *string  `json:"found_by_check"`
	FoundByReview *string  `json:"found_by_review"`
	Description   *string  `json:"description"`
	Action        *string  `json:"action"`
	Outcome       *string  `json:"outcome"`
	OutcomeOn     *string  `json:"outcome_on"`
	Sentence      *string  `json:"sentence"`
}

func (s *Server) recordBreach(c echo.Context) error {
	var req breachRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	b := domain.BreachCase{TermIDs: req.TermIDs, FoundByCheck: req.FoundByCheck, FoundByReview: req.FoundByReview,
		Description: str(req.Description), Action: str(req.Action), Outcome: str(req.Outcome),
		OutcomeOn: dateField(v, "outcome_on", req.OutcomeOn), Sentence: req.Sentence}
	if b.Outcome == "" {
		b.Outcome = "pending"
	}
	if d := dateField(v, "occurred_on", req.OccurredOn); d != nil {
		b.OccurredOn = *d
	}
	if v.Err() != nil {
		return v
	}
	out, err := s.store.RecordBreach(ctxOf(c), c.Param("id"), b)
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

type breachOutcomeRequest struct {
	Action    *string `json:"action"`
	Outcome   *string `json:"outcome"`
	OutcomeOn *string `json:"outcome_on"`
	Sentence  *string `json:"sentence"`
}

func (s *Server) decideBreach(c echo.Context) error {
	var req breachOutcomeRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	on := dateField(v, "outcome_on", req.OutcomeOn)
	if req.Outcome == nil {
		v.Add("outcome", "is required")
	}
	if v.Err() != nil {
		return v
	}
	out, err := s.store.DecideBreach(ctxOf(c), c.Param("id"), c.Param("breach_id"), ifMatch(c), req.Action,
		str(req.Outcome), on, req.Sentence)
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

func (s *Server) listBreaches(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.BreachCase, string, error) {
		return s.store.ListBreaches(ctxOf(c), c.Param("id"), p)
	})
}

type noBreachRequest struct {
	Reason *string `json:"reason"`
}

func (s *Server) decideNoBreach(c echo.Context) error {
	var req noBreachRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	out, err := s.store.DecideNoBreach(ctxOf(c), c.Param("id"), c.Param("check_id"), str(req.Reason))
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, out)
}
