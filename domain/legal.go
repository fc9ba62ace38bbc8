package domain

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The legal life of an order: its terms' own dates and versions (s.16(3)-(4)),
// variation (ss.17, 20, 21), discharge (s.18), appeal (ss.23, 24), service
// (s.10), extension while charged (s.22E) and breach (s.25). Every change is
// an event kept with the day it happened and who recorded it; nothing is
// overwritten.

// Order event kinds (GET /orders/{id}/events adds the owner, review, check
// and expiry events kept in their own tables).
const (
	EventMade             = "made"
	EventServed           = "served"
	EventVaried           = "varied"
	EventVariationRefused = "variation_refused"
	EventTermsAmended     = "terms_amended" // the PATCH /orders/{id} form, translated
	EventDischarged       = "discharged"
	EventQuashed          = "quashed"
	EventAppealLodged     = "appeal_lodged"
	EventAppealDecided    = "appeal_decided"
	EventCharged          = "charged"
	EventChargeDecided    = "charge_decided"
	EventBreachRecorded   = "breach_recorded"
	EventBreachOutcome    = "breach_outcome"
	EventNoBreach         = "no_breach"
	// EventExpired and EventRevived: an order expired at its charge's
	// outcome, revived by the end the court settled later (the expiry is
	// otherwise read from the order's status, which the revival changes).
	EventExpired = "expired"
	EventRevived = "revived"
)

// MaxMonitoringMonths: an electronic monitoring requirement lasts at most 12
// months each time it is imposed or extended (s.5B).
const MaxMonitoringMonths = 12

// Monitoring makes a term an electronic monitoring requirement (s.5B).
type Monitoring struct {
	ResponsiblePerson string `json:"responsible_person"`
	Duties            string `json:"duties"`
}

// OrderEvent is one event in an order's life.
type OrderEvent struct {
	ID         string          `json:"id"`
	OrderID    string          `json:"order_id"`
	Kind       string          `json:"kind"`
	On         Date            `json:"on"`
	Court      *string         `json:"court"`
	Details    json.RawMessage `json:"details"`
	RecordedBy *OfficerRef     `json:"recorded_by"`
	RecordedAt time.Time       `json:"recorded_at"`
}

// TermVersion is one version of one term, with the days it was the version
// in force and the events that made and ended it.
type TermVersion struct {
	Term
	VersionID     string  `json:"version_id"`
	Version       int     `json:"version"`
	EffectiveFrom Date    `json:"effective_from"`
	EffectiveTo   *Date   `json:"effective_to"`
	MadeByEvent   string  `json:"made_by_event"`
	EndedByEvent  *string `json:"ended_by_event"`
}

// InForceOn reports whether this version bound the subject on day d: it was
// the current version then and d is within the term's own dates. (Whether
// the order itself was in force is the caller's question.)
func (t TermVersion) InForceOn(d Date) bool {
	return t.EffectiveFrom.OnOrBefore(d) && (t.EffectiveTo == nil || t.EffectiveTo.After(d.Time)) &&
		(t.StartsOn == nil || t.StartsOn.OnOrBefore(d)) && (t.EndsOn == nil || d.OnOrBefore(*t.EndsOn))
}

// InForceOn reports whether the order was in force on day d: started, not
// yet ended (an extension pending keeps it in force past its end date).
func (o Order) InForceOn(d Date) bool {
	if o.StartsOn == nil || o.StartsOn.After(d.Time) {
		return false
	}
	if (o.Status == StatusDischarged || o.Status == StatusQuashed) && o.EndedOn != nil && !o.EndedOn.After(d.Time) {
		return false
	}
	if end := o.EffectiveEnd(); end != nil && end.Before(d.Time) {
		return false
	}
	return true
}

// EffectiveEnd is the last day the order runs to: none while a charge that
// extends it is pending (s.22E), else its extended end or its end date.
func (o Order) EffectiveEnd() *Date {
	if o.ExtensionPending {
		return nil
	}
	if o.ExtendedTo != nil {
		return o.ExtendedTo
	}
	return o.EndsOn
}

// TermsInForce answers the terms in force on a day.
type TermsInForce struct {
	OrderID      string        `json:"order_id"`
	On           Date          `json:"on"`
	OrderInForce bool          `json:"order_in_force"`
	Items        []TermVersion `json:"items"`
}

// validateTerm checks one term against its order: its category and text,
// its own dates within the order's five years, and an electronic
// monitoring requirement's responsible person, duties and 12 months.
func validateTerm(o Order, t *Term, field string, v *ValidationError) {
	if !slices.Contains(TermCategories, t.Category) {
		v.Add(field+".category", "must be one of %s", strings.Join(TermCategories, ", "))
	}
	t.Text = strings.TrimSpace(t.Text)
	if t.Text == "" {
		v.Add(field+".text", "is required")
	} else if len(t.Text) > 4000 {
		v.Add(field+".text", "must be at most 4000 characters")
	}
	from := o.MadeOn
	if o.StartsOn != nil {
		from = *o.StartsOn
	}
	if t.StartsOn != nil && !from.IsZero() && t.StartsOn.Before(from.Time) {
		v.Add(field+".starts_on", "must not be before the order comes into force (%s)", from)
	}
	if t.EndsOn != nil {
		switch {
		case t.StartsOn != nil && t.EndsOn.Before(t.StartsOn.Time):
			v.Add(field+".ends_on", "must not be before starts_on")
		case o.EndsOn != nil && t.EndsOn.After(o.EndsOn.Time):
			v.Add(field+".ends_on", "must not be after the order ends (%s): a term lasts at most as long as its order (s.16(3))", o.EndsOn)
		case o.EndsOn == nil && !from.IsZero() && t.EndsOn.After(from.AddMonths(MaxOrderMonths).Time):
			v.Add(field+".ends_on", "must be within five years of the order coming into force (s.16(2))")
		}
	}
	if m := t.Monitoring; m != nil {
		if t.Category != "electronic_monitoring" {
			v.Add(field+".category", "must be electronic_monitoring for a monitoring requirement")
		}
		m.ResponsiblePerson, m.Duties = strings.TrimSpace(m.ResponsiblePerson), strings.TrimSpace(m.Duties)
		requireText(v, field+".monitoring.responsible_person", m.ResponsiblePerson, 200)
		requireText(v, field+".monitoring.duties", m.Duties, 4000)
		if t.StartsOn == nil {
			v.Add(field+".starts_on", "is required for an electronic monitoring requirement")
		}
		if t.EndsOn == nil {
			v.Add(field+".ends_on", "is required for an electronic monitoring requirement")
		} else if t.StartsOn != nil && t.EndsOn.After(t.StartsOn.AddMonths(MaxMonitoringMonths).Time) {
			v.Add(field+".ends_on", "a monitoring requirement lasts at most %d months each time it is imposed or extended (s.5B)", MaxMonitoringMonths)
		}
	}
}

// TermPlan is what a change to the terms does: the versions it ends (by
// term id) and the terms it adds or replaces (a new term has no ID yet),
// and the terms current afterwards, in order.
type TermPlan struct {
	Ended   []string
	New     []Term
	Current []Term
}

// Empty reports whether the plan changes nothing.
func (p TermPlan) Empty() bool { return len(p.Ended) == 0 && len(p.New) == 0 }

// AmendTerms is the PATCH /orders/{id} form of a change of terms: the new
// list replaces the old position by position; a term whose category, text,
// dates and monitoring are unchanged keeps its version.
func AmendTerms(before, after []Term) TermPlan {
	var p TermPlan
	for i, t := range after {
		if i < len(before) {
			t.ID = before[i].ID
			if sameTerm(before[i], t) {
				p.Current = append(p.Current, before[i])
				continue
			}
			p.Ended = append(p.Ended, before[i].ID)
		} else {
			t.ID = ""
		}
		p.New = append(p.New, t)
		p.Current = append(p.Current, t)
	}
	for _, t := range before[min(len(before), len(after)):] {
		p.Ended = append(p.Ended, t.ID)
	}
	return p
}

func sameTerm(a, b Term) bool {
	eqDate := func(x, y *Date) bool { return x == nil && y == nil || x != nil && y != nil && x.Equal(y.Time) }
	eqMon := func(x, y *Monitoring) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return a.Category == b.Category && a.Text == b.Text && eqDate(a.StartsOn, b.StartsOn) && eqDate(a.EndsOn, b.EndsOn) &&
		eqMon(a.Monitoring, b.Monitoring)
}

// Variation applicants (s.17(1)-(3)) and outcomes.
const (
	ApplicantAuthority  = "applicant_authority"
	ApplicantSubject    = "subject"
	ApplicantThirdParty = "third_party"

	VariationGranted       = "granted"
	VariationRefused       = "refused"
	VariationGrantedInPart = "granted_in_part"
)

var (
	VariationApplicants = []string{ApplicantAuthority, ApplicantSubject, ApplicantThirdParty}
	VariationOutcomes   = []string{VariationGranted, VariationRefused, VariationGrantedInPart}
)

// Variation is an application to vary an order and the court's decision.
type Variation struct {
	Applicant     string   `json:"applicant"`
	ApplicantName *string  `json:"applicant_name"`
	Court         string   `json:"court"`
	AppliedOn     *Date    `json:"applied_on"`
	HeardOn       Date     `json:"heard_on"`
	Outcome       string   `json:"outcome"`
	Notes         *string  `json:"notes"`
	Added         []Term   `json:"terms_added"`
	Changed       []Term   `json:"terms_changed"`
	Removed       []string `json:"terms_removed"`
}

// Plan checks a variation against the order (its current terms in
// o.Terms) and the day of its last change of terms, and works out what it
// does to the terms. A refused application changes nothing but is kept.
// bindsAfter refuses a term the variation makes that could never bind: its
// own end before the day the variation takes effect (a monitoring term
// renewed with its old dates, say).
func (va *Variation) bindsAfter(t *Term, field string, v *ValidationError) {
	if t.EndsOn != nil && !va.HeardOn.IsZero() && t.EndsOn.Before(va.HeardOn.Time) && !v.Has(field+".ends_on") {
		v.Add(field+".ends_on", "is before the variation takes effect (%s): the term as varied would never bind; give its new end", va.HeardOn)
	}
}

func (va *Variation) Plan(o Order, lastChange Date, today Date, v *ValidationError) TermPlan {
	if !slices.Contains(VariationApplicants, va.Applicant) {
		v.Add("applicant", "must be one of %s", strings.Join(VariationApplicants, ", "))
	}
	if va.ApplicantName != nil {
		n := strings.TrimSpace(*va.ApplicantName)
		va.ApplicantName = &n
	}
	if va.Applicant == ApplicantThirdParty && (va.ApplicantName == nil || *va.ApplicantName == "") {
		v.Add("applicant_name", "is required for a third party significantly affected by the order (s.17(3))")
	} else if va.ApplicantName != nil && len(*va.ApplicantName) > 200 {
		v.Add("applicant_name", "must be at most 200 characters")
	}
	va.Court = strings.TrimSpace(va.Court)
	requireText(v, "court", va.Court, 200)
	if va.Notes != nil && len(*va.Notes) > 4000 {
		v.Add("notes", "must be at most 4000 characters")
	}
	if !v.Has("heard_on") {
		switch {
		case va.HeardOn.IsZero():
			v.Add("heard_on", "is required")
		case va.HeardOn.After(today.Time):
			v.Add("heard_on", "must not be in the future")
		case va.HeardOn.Before(o.MadeOn.Time):
			v.Add("heard_on", "must not be before the order was made (%s)", o.MadeOn)
		case va.HeardOn.Before(lastChange.Time):
			v.Add("heard_on", "must not be before the last change of the terms (%s): versions are kept in order", lastChange)
		}
	}
	if va.AppliedOn != nil && !va.HeardOn.IsZero() && va.AppliedOn.After(va.HeardOn.Time) {
		v.Add("applied_on", "must not be after heard_on")
	}
	changes := len(va.Added) + len(va.Changed) + len(va.Removed)
	switch va.Outcome {
	case VariationRefused:
		if len(va.Added) > 0 {
			v.Add("terms_added", "must be empty: a refused application changes nothing")
		}
		if len(va.Changed) > 0 {
			v.Add("terms_changed", "must be empty: a refused application changes nothing")
		}
		if len(va.Removed) > 0 {
			v.Add("terms_removed", "must be empty: a refused application changes nothing")
		}
		return TermPlan{Current: o.Terms}
	case VariationGranted, VariationGrantedInPart:
		if changes == 0 {
			v.Add("terms_added", "give the terms added, changed or removed when the variation is granted")
		}
	case "":
		v.Add("outcome", "is required")
	default:
		v.Add("outcome", "must be one of %s", strings.Join(VariationOutcomes, ", "))
	}
	if changes > 100 {
		v.Add("terms_added", "at most 100 changes at once")
		return TermPlan{}
	}
	current := map[string]int{}
	for i, t := range o.Terms {
		current[t.ID] = i
	}
	touched := map[string]string{}
	var p TermPlan
	replaced := map[string]Term{}
	for i := range va.Changed {
		t := &va.Changed[i]
		field := fmt.Sprintf("terms_changed[%d]", i)
		if _, ok := current[t.ID]; !ok {
			v.Add(field+".id", "is not a term of this order in force now")
			continue
		}
		if prev, dup := touched[t.ID]; dup {
			v.Add(field+".id", "is already %s by this variation", prev)
			continue
		}
		touched[t.ID] = "changed"
		validateTerm(o, t, field, v)
		va.bindsAfter(t, field, v)
		replaced[t.ID] = *t
		p.Ended = append(p.Ended, t.ID)
		p.New = append(p.New, *t)
	}
	removed := map[string]bool{}
	for i, id := range va.Removed {
		field := fmt.Sprintf("terms_removed[%d]", i)
		if _, ok := current[id]; !ok {
			v.Add(field, "is not a term of this order in force now")
			continue
		}
		if prev, dup := touched[id]; dup {
			v.Add(field, "is already %s by this variation", prev)
			continue
		}
		touched[id] = "removed"
		removed[id] = true
		p.Ended = append(p.Ended, id)
	}
	for _, t := range o.Terms {
		switch {
		case removed[t.ID]:
		case replaced[t.ID].ID != "":
			p.Current = append(p.Current, replaced[t.ID])
		default:
			p.Current = append(p.Current, t)
		}
	}
	for i := range va.Added {
		t := &va.Added[i]
		t.ID = ""
		validateTerm(o, t, fmt.Sprintf("terms_added[%d]", i), v)
		va.bindsAfter(t, fmt.Sprintf("terms_added[%d]", i), v)
		p.New = append(p.New, *t)
		p.Current = append(p.Current, *t)
	}
	if len(p.Current) > 100 {
		v.Add("terms_added", "an order has at most 100 terms")
	}
	return p
}

// Service methods (s.10).
const (
	ServedAtHearing        = "represented_at_hearing"
	ServedInPerson         = "in_person"
	ServedRecordedDelivery = "recorded_delivery"
)

var ServiceMethods = []string{ServedAtHearing, ServedInPerson, ServedRecordedDelivery}

// Service is how and when the subject was given notice of the order.
type Service struct {
	Method   string  `json:"method"`
	ServedOn Date    `json:"served_on"`
	Address  *string `json:"address"` // recorded delivery: the last known address
	Notes    *string `json:"notes"`
}

// Validate checks a record of service against the order.
func (s *Service) Validate(o Order, today Date, v *ValidationError) {
	if !slices.Contains(ServiceMethods, s.Method) {
		v.Add("method", "must be one of %s", strings.Join(ServiceMethods, ", "))
	}
	if !v.Has("served_on") {
		switch {
		case s.ServedOn.IsZero():
			v.Add("served_on", "is required")
		case s.ServedOn.After(today.Time):
			v.Add("served_on", "must not be in the future")
		case s.ServedOn.Before(o.MadeOn.Time):
			v.Add("served_on", "must not be before the order was made (%s)", o.MadeOn)
		case s.Method == ServedAtHearing && !s.ServedOn.Equal(o.MadeOn.Time):
			v.Add("served_on", "must be the day the order was made (%s) when the subject was represented at the hearing", o.MadeOn)
		}
	}
	if s.Method == ServedRecordedDelivery && (s.Address == nil || strings.TrimSpace(*s.Address) == "") {
		v.Add("address", "is required for recorded delivery: the subject's last known address (s.10)")
	}
	if s.Address != nil && len(*s.Address) > 500 {
		v.Add("address", "must be at most 500 characters")
	}
	if s.Notes != nil && len(*s.Notes) > 4000 {
		v.Add("notes", "must be at most 4000 characters")
	}
}

// Ending is a discharge (s.18) or a quashing on appeal (ss.23, 24): the court
// and the day it took effect.
type Ending struct {
	Court     string `json:"court"`
	On        Date   `json:"on"`
	Reason    string `json:"reason"`
	Applicant string `json:"applicant,omitempty"` // discharge: who applied (s.18)
}

// Discharge ends the order on the court's decision (s.18).
func (o *Order) Discharge(e *Ending, today Date, v *ValidationError) {
	e.Court, e.Reason = strings.TrimSpace(e.Court), strings.TrimSpace(e.Reason)
	requireText(v, "court", e.Court, 200)
	if e.Applicant != "" && !slices.Contains(VariationApplicants, e.Applicant) {
		v.Add("applicant", "must be one of %s", strings.Join(VariationApplicants, ", "))
	}
	on, reason := e.On, e.Reason
	var onp *Date
	if !e.On.IsZero() {
		onp = &on
	} else if v.Has("on") {
		return
	}
	o.endAs(StatusDischarged, onp, &reason, "on", "reason", today, v)
}

// Appeal outcomes (ss.23, 24).
const (
	AppealAllowed   = "allowed"   // the order is quashed
	AppealDismissed = "dismissed" // the order stands
	AppealVaried    = "varied"    // the order stands as varied (record the variation)
)

var AppealOutcomes = []string{AppealAllowed, AppealDismissed, AppealVaried}

// Appeal is an appeal against the making (or refusal to vary or discharge)
// of an order.
type Appeal struct {
	Court     string  `json:"court"`
	LodgedOn  Date    `json:"lodged_on"`
	Appellant string  `json:"appellant"` // subject, applicant_authority, third_party
	Grounds   *string `json:"grounds"`
}

// LodgeAppeal records that an appeal is pending.
func (o *Order) LodgeAppeal(a *Appeal, today Date, v *ValidationError) error {
	if o.AppealPending {
		return Conflict("appeal", "an appeal is already pending; record its decision first")
	}
	a.Court = strings.TrimSpace(a.Court)
	requireText(v, "court", a.Court, 200)
	if !slices.Contains(VariationApplicants, a.Appellant) {
		v.Add("appellant", "must be one of %s", strings.Join(VariationApplicants, ", "))
	}
	checkEventDay(v, "lodged_on", a.LodgedOn, o.MadeOn, today)
	if a.Grounds != nil && len(*a.Grounds) > 4000 {
		v.Add("grounds", "must be at most 4000 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	o.AppealPending = true
	return nil
}

// AppealDecision is the appeal court's decision.
type AppealDecision struct {
	Court     string  `json:"court"`
	DecidedOn Date    `json:"decided_on"`
	Outcome   string  `json:"outcome"`
	Notes     *string `json:"notes"`
}

// DecideAppeal records the decision of the pending appeal; an appeal
// allowed quashes the order from the day of the decision.
func (o *Order) DecideAppeal(d *AppealDecision, lodgedOn Date, today Date, v *ValidationError) error {
	if !o.AppealPending {
		return Conflict("appeal", "no appeal is pending")
	}
	d.Court = strings.TrimSpace(d.Court)
	requireText(v, "court", d.Court, 200)
	if !slices.Contains(AppealOutcomes, d.Outcome) {
		v.Add("outcome", "must be one of %s", strings.Join(AppealOutcomes, ", "))
	}
	checkEventDay(v, "decided_on", d.DecidedOn, lodgedOn, today)
	if d.Notes != nil && len(*d.Notes) > 4000 {
		v.Add("notes", "must be at most 4000 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	o.AppealPending = false
	if d.Outcome == AppealAllowed {
		on, reason := d.DecidedOn, "quashed on appeal by "+d.Court
		o.Status, o.EndedOn, o.EndReason = StatusQuashed, &on, &reason
	}
	return nil
}

func checkEventDay(v *ValidationError, field string, d, notBefore, today Date) {
	if v.Has(field) {
		return
	}
	switch {
	case d.IsZero():
		v.Add(field, "is required")
	case d.After(today.Time):
		v.Add(field, "must not be in the future")
	case d.Before(notBefore.Time):
		v.Add(field, "must not be before %s", notBefore)
	}
}

// Charge kinds and outcomes for an extension (s.22E).
const (
	ChargeSeriousOffence = "serious_offence"
	ChargeBreach         = "breach"
)

var (
	ChargeKinds    = []string{ChargeSeriousOffence, ChargeBreach}
	ChargeOutcomes = []string{"convicted", "acquitted", "discontinued", "other"}
)

// Extension is a charge that extends the order while it is pending (s.22E).
type Extension struct {
	ID            string      `json:"id"`
	OrderID       string      `json:"order_id"`
	ChargeKind    string      `json:"charge_kind"`
	ChargedOn     Date        `json:"charged_on"`
	Offence       string      `json:"offence"`
	Court         string      `json:"court"`
	Outcome       *string     `json:"outcome"`
	OutcomeOn     *Date       `json:"outcome_on"`
	SettledEndsOn *Date       `json:"settled_ends_on"`
	RecordedBy    *OfficerRef `json:"recorded_by"`
	Version       int         `json:"version"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

// Extend records a charge that keeps the order in force until it is dealt
// with: the order may then run past five years, and only this way. A charge
// made while the order was in force may be recorded after its end date (it
// is then active again); a discharged or quashed order cannot be extended.
func (o *Order) Extend(x *Extension, today Date, v *ValidationError) {
	if !slices.Contains(ChargeKinds, x.ChargeKind) {
		v.Add("charge_kind", "must be one of %s", strings.Join(ChargeKinds, ", "))
	}
	x.Offence, x.Court = strings.TrimSpace(x.Offence), strings.TrimSpace(x.Court)
	requireText(v, "offence", x.Offence, 500)
	requireText(v, "court", x.Court, 200)
	checkEventDay(v, "charged_on", x.ChargedOn, o.MadeOn, today)
	if !v.Has("charged_on") && o.StartsOn == nil {
		v.Add("charged_on", "the order has not come into force: there is nothing to extend")
	}
	if end := o.EffectiveEnd(); end != nil && !v.Has("charged_on") && x.ChargedOn.After(end.Time) {
		v.Add("charged_on", "must be while the order is in force (it ends on %s)", end)
	}
	if v.Err() == nil {
		// Recorded after the end date passed: the order never ended.
		o.ExtensionPending = true
		if o.Status == StatusExpired {
			o.Status = StatusActive
		}
	}
}

// DecideCharge records the outcome of the charge that extended the order.
// The order then runs to the later of its end date and the outcome, or to
// the end the court settles (settled, which may be given later).
func (o *Order) DecideCharge(x *Extension, others []Extension, outcome *string, outcomeOn, settled *Date, today Date, v *ValidationError) {
	if x.Outcome == nil {
		if outcome == nil || !slices.Contains(ChargeOutcomes, *outcome) {
			v.Add("outcome", "must be one of %s", strings.Join(ChargeOutcomes, ", "))
		}
		if outcomeOn == nil {
			if !v.Has("outcome_on") {
				v.Add("outcome_on", "is required")
			}
		} else {
			checkEventDay(v, "outcome_on", *outcomeOn, x.ChargedOn, today)
		}
	} else {
		if outcome != nil && *outcome != *x.Outcome || outcomeOn != nil && !outcomeOn.Equal(x.OutcomeOn.Time) {
			v.Add("outcome", "is already recorded (%s on %s); only settled_ends_on may be given now", *x.Outcome, x.OutcomeOn)
		}
		if settled == nil && !v.Has("settled_ends_on") {
			v.Add("settled_ends_on", "is required: the outcome is already recorded")
		}
		outcome, outcomeOn = x.Outcome, x.OutcomeOn
	}
	if settled != nil && outcomeOn != nil && settled.Before(outcomeOn.Time) {
		v.Add("settled_ends_on", "must not be before the outcome (%s)", outcomeOn)
	}
	if settled != nil && o.EndsOn != nil && settled.Before(o.EndsOn.Time) && !v.Has("settled_ends_on") {
		// A charge keeps an order in force past its end; it never brings
		// the end forward. A shorter order is a variation.
		v.Add("settled_ends_on", "must not be before the order's end (%s): a charge can only extend an order; to shorten it, record a variation", o.EndsOn)
	}
	if v.Err() != nil {
		return
	}
	x.Outcome, x.OutcomeOn, x.SettledEndsOn = outcome, outcomeOn, settled
	o.ExtensionPending = false
	end := *o.EndsOn
	for _, e := range append(others, *x) {
		if e.Outcome == nil {
			o.ExtensionPending = true
			continue
		}
		last := *e.OutcomeOn
		if e.SettledEndsOn != nil {
			last = *e.SettledEndsOn
		}
		if last.After(end.Time) {
			end = last
		}
	}
	o.ExtendedTo = nil
	if end.After(o.EndsOn.Time) {
		o.ExtendedTo = &end
	}
}

// Breach actions and outcomes (s.25).
var (
	BreachActions  = []string{"none", "warning", "arrest", "charge", "summons"}
	BreachOutcomes = []string{"no_further_action", "convicted", "acquitted", "pending"}
)

// BreachCase is a breach of the order: the terms broken (the versions in
// force on the day), the check or review that found it, what was done and
// what came of it.
type BreachCase struct {
	ID            string        `json:"id"`
	OrderID       string        `json:"order_id"`
	OccurredOn    Date          `json:"occurred_on"`
	FoundByCheck  *string       `json:"found_by_check"`
	FoundByReview *string       `json:"found_by_review"`
	Description   string        `json:"description"`
	Action        string        `json:"action"`
	Outcome       string        `json:"outcome"`
	OutcomeOn     *Date         `json:"outcome_on"`
	Sentence      *string       `json:"sentence"`
	TermIDs       []string      `json:"-"`
	Terms         []TermVersion `json:"terms"`
	RecordedBy    *OfficerRef   `json:"recorded_by"`
	Version       int           `json:"version"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
}

// Validate checks a breach case against the order and the term versions in
// force on the day it happened (inForce), and picks the versions it names.
func (b *BreachCase) Validate(o Order, inForce []TermVersion, today Date, v *ValidationError) {
	checkEventDay(v, "occurred_on", b.OccurredOn, o.MadeOn, today)
	if !v.Has("occurred_on") && !o.InForceOn(b.OccurredOn) {
		v.Add("occurred_on", "the order was not in force on %s", b.OccurredOn)
	}
	b.Description = strings.TrimSpace(b.Description)
	requireText(v, "description", b.Description, 4000)
	if b.FoundByCheck != nil && b.FoundByReview != nil {
		v.Add("found_by_review", "give the check or the review that found it, not both")
	}
	b.validateOutcome(today, v)
	if len(b.TermIDs) == 0 {
		v.Add("term_ids", "name at least one term breached")
	}
	b.Terms = nil
	seen := map[string]bool{}
	for i, id := range b.TermIDs {
		if seen[id] {
			v.Add(fmt.Sprintf("term_ids[%d]", i), "is given twice")
			continue
		}
		seen[id] = true
		found := false
		for _, tv := range inForce {
			if tv.ID == id {
				b.Terms, found = append(b.Terms, tv), true
			}
		}
		if !found && !v.Has("occurred_on") {
			v.Add(fmt.Sprintf("term_ids[%d]", i), "is not a term of this order in force on %s", b.OccurredOn)
		}
	}
}

func (b *BreachCase) validateOutcome(today Date, v *ValidationError) {
	if !slices.Contains(BreachActions, b.Action) {
		v.Add("action", "must be one of %s", strings.Join(BreachActions, ", "))
	}
	switch {
	case !slices.Contains(BreachOutcomes, b.Outcome):
		v.Add("outcome", "must be one of %s", strings.Join(BreachOutcomes, ", "))
	case b.Outcome == "pending":
		if b.OutcomeOn != nil {
			v.Add("outcome_on", "must be empty while the outcome is pending")
		}
		if b.Sentence != nil {
			v.Add("sentence", "must be empty while the outcome is pending")
		}
	default:
		if b.OutcomeOn == nil {
			if !v.Has("outcome_on") {
				v.Add("outcome_on", "is required with an outcome")
			}
		} else {
			checkEventDay(v, "outcome_on", *b.OutcomeOn, b.OccurredOn, today)
		}
		if b.Sentence != nil && b.Outcome != "convicted" {
			v.Add("sentence", "is only recorded on conviction")
		}
	}
	if b.Sentence != nil {
		if s := strings.TrimSpace(*b.Sentence); s == "" || len(s) > 2000 {
			v.Add("sentence", "must be 1 to 2000 characters")
		}
	}
}

// DecideBreach records what came of a breach case still pending.
func (b *BreachCase) DecideBreach(action *string, outcome string, outcomeOn *Date, sentence *string, today Date, v *ValidationError) error {
	if b.Outcome != "pending" {
		return Conflict("outcome", "the outcome is already recorded (%s)", b.Outcome)
	}
	if action != nil {
		b.Action = *action
	}
	if outcome == "pending" {
		v.Add("outcome", "give the outcome the case came to")
	}
	b.Outcome, b.OutcomeOn, b.Sentence = outcome, outcomeOn, sentence
	b.validateOutcome(today, v)
	return v.Err()
}

// NoBreach is a decision that a non-compliant check was not a breach.
func NoBreach(reason string, v *ValidationError) string {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		v.Add("reason", "is required: why the non-compliance was not a breach")
	} else if len(reason) > 2000 {
		v.Add("reason", "must be at most 2000 characters")
	}
	return reason
}

// LegalLife records the events of an order's legal life.
type LegalLife interface {
	TermsOn(ctx context.Context, orderID string, on Date) (TermsInForce, error)
	// TermVersions, OrderEvents, ListExtensions and ListBreaches read a page
	// of an order's list and the cursor of the next ("" after the last).
	TermVersions(ctx context.Context, orderID string, p Page) ([]TermVersion, string, error)
	OrderEvents(ctx context.Context, orderID string, p Page) ([]OrderEvent, string, error)
	// LatestOrderEvents is the last n events of the order's timeline,
	// oldest first.
	LatestOrderEvents(ctx context.Context, orderID string, n int) ([]OrderEvent, error)
	Vary(ctx context.Context, orderID string, va Variation) (OrderEvent, error)
	RecordService(ctx context.Context, orderID string, s Service) (OrderEvent, error)
	Discharge(ctx context.Context, orderID string, e Ending) (OrderEvent, error)
	LodgeAppeal(ctx context.Context, orderID string, a Appeal) (OrderEvent, error)
	DecideAppeal(ctx context.Context, orderID, appealID string, d AppealDecision) (OrderEvent, error)
	RecordCharge(ctx context.Context, orderID string, x Extension) (Extension, error)
	DecideCharge(ctx context.Context, orderID, extensionID string, ifVersion *int, outcome *string, outcomeOn, settled *Date) (Extension, error)
	ListExtensions(ctx context.Context, orderID string, p Page) ([]Extension, string, error)
	RecordBreach(ctx context.Context, orderID string, b BreachCase) (BreachCase, error)
	DecideBreach(ctx context.Context, orderID, breachID string, ifVersion *int, action *string, outcome string, outcomeOn *Date, sentence *string) (BreachCase, error)
	ListBreaches(ctx context.Context, orderID string, p Page) ([]BreachCase, string, error)
	DecideNoBreach(ctx context.Context, orderID, checkID, reason string) (OrderEvent, error)
}

// Flag kinds of an order's legal life.
const (
	// FlagNotServed: an order in force with no service recorded (s.10);
	// raised by the lifecycle sweep.
	FlagNotServed = "not_served"
	// FlagBreachDecisionDue: a check recorded non_compliant with neither a
	// breach case nor a "no breach" decision; raised when the check is.
	FlagBreachDecisionDue = "breach_decision_due"
	// FlagBreachOpen: a breach case whose outcome is pending.
	FlagBreachOpen = "breach_open"
	// FlagExtensionToSettle: the charge that extended the order has been
	// dealt with and the end the court settles is not yet recorded.
	FlagExtensionToSettle = "extension_to_settle"
)

// Flag kinds added with interim orders and electronic monitoring.
const (
	// FlagInterimUnserved: an interim order (s.5E) whose notice was not
	// served within InterimServiceDays of its making; raised by the
	// lifecycle sweep from day 8.
	FlagInterimUnserved = "interim_unserved"
	// FlagEMEnding: an electronic monitoring requirement (s.5B) in force
	// ends within the force's em_warning_days; raised by the lifecycle
	// sweep so the meeting can decide whether to seek its renewal.
	FlagEMEnding = "em_ending"
)

// DefaultEMWarningDays is the em_ending window of a force without its own
// policy (the column default in force_policies says the same).
const DefaultEMWarningDays = 42

// EventReplaced: an interim order ended because the main application was
// decided and the full order made (s.5E); the full order keeps the link.
const EventReplaced = "replaced"

// InterimServiceDays: notice of an interim order must be served within 7
// days of its making (s.5E), by made_on + 7.
const InterimServiceDays = 7

// InterimServeBy is the last day notice of an interim order may be served.
func (o Order) InterimServeBy() Date { return o.MadeOn.AddDays(InterimServiceDays) }

// InterimUnservedOn reports whether an interim order stands unserved past
// its 7 days on day d, given the day it was served (nil: not yet). Made on
// 1 March: due by 8 March (day 7), flagged from 9 March (day 8). The SQL
// rule flag_interim_unserved says the same: the API test
// TestInterimOrderUnservedOnDay8NotDay7 sweeps it on days 7 and 8.
func (o Order) InterimUnservedOn(d Date, servedOn *Date) bool {
	if !o.Interim || !o.InForceOn(d) {
		return false
	}
	if servedOn != nil && servedOn.OnOrBefore(d) {
		return false
	}
	return d.After(o.InterimServeBy().Time)
}

// Conviction is what a Crown Court order was made for (s.19): the
// offences, the day of conviction and the court that convicted.
type Conviction struct {
	Offences    []string `json:"offences"`
	ConvictedOn Date     `json:"convicted_on"`
	Court       string   `json:"court"`
}

func (c *Conviction) validate(o Order, v *ValidationError) {
	if o.CourtType == "high" {
		v.Add("conviction", "must be empty for a High Court order: it is made on application (s.1), not on conviction")
		return
	}
	if len(c.Offences) == 0 {
		v.Add("conviction.offences", "name at least one offence")
	} else if len(c.Offences) > 20 {
		v.Add("conviction.offences", "must have at most 20 entries")
	}
	for i := range c.Offences {
		c.Offences[i] = strings.TrimSpace(c.Offences[i])
		if c.Offences[i] == "" || len(c.Offences[i]) > 500 {
			v.Add(fmt.Sprintf("conviction.offences[%d]", i), "must be 1 to 500 characters")
		}
	}
	c.Court = strings.TrimSpace(c.Court)
	requireText(v, "conviction.court", c.Court, 200)
	switch {
	case c.ConvictedOn.IsZero():
		if !v.Has("conviction.convicted_on") {
			v.Add("conviction.convicted_on", "is required")
		}
	case !o.MadeOn.IsZero() && c.ConvictedOn.After(o.MadeOn.Time):
		v.Add("conviction.convicted_on", "must not be after the order was made (%s): the Crown Court makes it on conviction or later at sentencing (s.19)", o.MadeOn)
	}
}

// validateInterim checks what is particular to an interim order (s.5E):
// made by the High Court while the main application is pending, in force
// from a day (it binds once served), with no end of its own required.
func (o *Order) validateInterim(v *ValidationError) {
	if o.CourtType != "" && o.CourtType != "high" {
		v.Add("court_type", "must be high for an interim order: it is made while an application to the High Court is pending (s.5E)")
	}
	if o.Commencement != "" && o.Commencement != CommenceOnDate {
		v.Add("commencement", "must be on_date for an interim order")
	}
	if o.InterimOrderID != nil {
		v.Add("interim_order_id", "must be empty for an interim order: it is the full order that replaces one")
	}
	if o.Conviction != nil {
		v.Add("conviction", "must be empty for an interim order")
	}
}

// ReplaceInterim ends interim, the order made while the application that
// full decides was pending: it ends the day the full order is made.
func (full Order) ReplaceInterim(interim *Order, v *ValidationError) {
	switch {
	case !interim.Interim:
		v.Add("interim_order_id", "is not an interim order")
	case interim.SubjectID != full.SubjectID:
		v.Add("interim_order_id", "is an interim order for another subject")
	case interim.Ended():
		v.Add("interim_order_id", "has already ended (%s)", interim.Status)
	case full.CourtType != "high":
		v.Add("court_type", "must be high: an interim order is replaced by the order the High Court makes on the main application")
	case full.MadeOn.Before(interim.MadeOn.Time):
		v.Add("made_on", "must not be before the interim order was made (%s)", interim.MadeOn)
	}
	if v.Err() != nil {
		return
	}
	on := full.MadeOn
	reason := "the application was decided: replaced by the full order " + full.Reference
	interim.Status, interim.EndedOn, interim.EndReason = StatusDischarged, &on, &reason
}
