package web

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"scpo/domain"
)

// --- My work ---------------------------------------------------------------

type homeData struct {
	// HasCalendarFeed: the officer has a calendar feed (its address is
	// shown only once, when made).
	HasCalendarFeed bool
	// Notify is what mail the officer chose (digest, immediate or off).
	Notify string
	// Items are a page of the officer's caseload, the earliest review or
	// check due first; Page where it is in the whole.
	Items []domain.CaseloadItem
	Page  keyset
	// Summary counts the whole caseload, not the page.
	Summary domain.CaseloadSummary
	// Flags are the first page's open flags, the worst first, at most
	// homeFlagsShown; MoreFlags: the page's orders have more.
	Flags     []homeFlag
	MoreFlags bool
	// Actions are a page of the open actions meetings gave the officer,
	// the earliest due first (ActionsPage where it is in the whole).
	Actions     []domain.Action
	ActionsPage keyset
	// The summary's bounds of due soon and due later, in days.
	DueSoonDays, DueLaterDays int
}

type homeFlag struct {
	Kind, Reference, OrderID, Subject string
}

// homeFlagsShown bounds the open flags My work lists: the caseload comes
// with the orders most overdue first, so these are on them, and the
// orders list is the way to the rest.
const homeFlagsShown = 20

// caseloadPage reads the page of officerID's caseload the address asks
// for (the first when its cursor is refused) and makes its links. The
// summary comes with it, counting the whole caseload.
func (w *Web) caseloadPage(r *req, officerID string) (domain.Caseload, keyset, error) {
	k := keysetFrom(r)
	cl, err := w.store.Caseload(r.ctx(), officerID, w.today(), domain.Page{Limit: pageSize, Cursor: k.Cursor})
	if k.staleCursor(err) {
		cl, err = w.store.Caseload(r.ctx(), officerID, w.today(), domain.Page{Limit: pageSize})
	}
	if err != nil {
		return cl, k, err
	}
	k.settle(r, len(cl.Items), cl.Summary.Orders, cl.NextCursor)
	return cl, k, nil
}

func (w *Web) home(r *req) error {
	p := r.page("My work", "home", nil)
	switch r.QueryParam("done") {
	case "calendar-revoked":
		p.Flash = "Calendar feed revoked: its address no longer works"
	case "notifications":
		p.Flash = "Your choice of mail is saved"
	case "action-done":
		p.Flash = "Action recorded as done"
	case "action-cancelled":
		p.Flash = "Action cancelled"
	}
	hasFeed, err := w.store.HasCalendarFeed(r.ctx(), r.me.ID)
	if err != nil {
		return err
	}
	notify, err := w.store.NotificationPref(r.ctx(), r.me.ID)
	if err != nil {
		return err
	}
	p.Values["notify"] = notify
	if !w.host.Permitted(r.me, "GET /api/v1/caseload") {
		p.Data = homeData{HasCalendarFeed: hasFeed, Notify: notify}
		return w.render(r, "home", p)
	}
	// A page of the caseload is what the page lists; its summary counts
	// the whole (a page of 500 counted was 500 "in all" of 1,943).
	cl, k, err := w.caseloadPage(r, r.me.ID)
	if err != nil {
		return err
	}
	d := homeData{HasCalendarFeed: hasFeed, Notify: notify, Items: cl.Items, Page: k, Summary: cl.Summary,
		DueSoonDays: domain.CaseloadDueSoonDays, DueLaterDays: domain.CaseloadDueLaterDays}
	if k.Cursor == "" {
		for _, it := range cl.Items {
			for _, f := range it.OpenFlags {
				if len(d.Flags) == homeFlagsShown {
					d.MoreFlags = true
					break
				}
				d.Flags = append(d.Flags, homeFlag{Kind: f, Reference: it.Reference, OrderID: it.OrderID, Subject: it.Subject.Name})
			}
		}
		d.MoreFlags = d.MoreFlags || len(cl.Items) > 0 && cl.Summary.WithOpenFlags > flaggedOn(cl.Items)
	}
	today := w.today()
	if w.host.Permitted(r.me, "GET /api/v1/actions") {
		// The earliest due first (overdue, then due soon), a page at a
		// time with their count, paged apart from the caseload: it read
		// the first 100 as all.
		q := domain.ActionQuery{AssigneeID: r.me.ID, Status: "open", AsOf: today, ByDue: true}
		d.ActionsPage = keysetNamed(r, "actions_", "my-actions")
		if d.Actions, err = readPage(r, &d.ActionsPage, pageSize, func(p domain.Page) ([]domain.Action, string, error) {
			q.Page = p
			return w.store.Actions(r.ctx(), q)
		}, func() (int, error) { return w.store.CountActions(r.ctx(), q) }); err != nil {
			return err
		}
	}
	p.Data = d
	return w.render(r, "home", p)
}

// flaggedOn counts the items with a flag open.
func flaggedOn(items []domain.CaseloadItem) int {
	n := 0
	for _, it := range items {
		if len(it.OpenFlags) > 0 {
			n++
		}
	}
	return n
}

// --- Calendar feed ---------------------------------------------------------

// createCalendarFeed makes (or replaces) the officer's own calendar feed
// and shows its address this once, on the answer to the post: it holds
// the feed's secret, so it is never put in a URL to redirect to.
func (w *Web) createCalendarFeed(r *req) error {
	secret, err := w.store.CreateCalendarFeed(r.ctx(), r.me.ID)
	if err != nil {
		return err
	}
	p := r.page("Your calendar feed", "home", struct{ URL string }{w.host.CalendarURL(r, secret)})
	return w.renderStatus(r, http.StatusCreated, "calendar-feed", p)
}

// setNotifications saves the officer's own choice of mail: a daily digest,
// each event at once, or none.
func (w *Web) setNotifications(r *req) error {
	mode := r.FormValue("notify")
	if !slices.Contains(domain.NotifyModes, mode) {
		// Only a hand-made request gets here (the form's radios are the
		// modes): back to the form, which shows what is saved.
		return r.Redirect(http.StatusSeeOther, "/#notifications")
	}
	if err := w.store.SetNotificationPref(r.ctx(), r.me.ID, mode); err != nil {
		return err
	}
	return r.Redirect(http.StatusSeeOther, "/?done=notifications#notifications")
}

// actionForm shows a meeting action given to the officer (or, for a
// chair, to one of their force's officers), with forms to record it done
// or cancelled.
func (w *Web) actionForm(r *req) error {
	a, err := w.store.GetAction(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	p := r.page("Meeting action on "+a.Reference, "home", w.actionData(r, a))
	setDate(p.Values, "on", w.today())
	return w.render(r, "action", p)
}

// actionPage is an action with whether the reader may close it: the
// officer given it, or a chair or administrator who may change its
// force's records (as SetActionStatus decides); others see no forms.
type actionPage struct {
	Action   domain.Action
	CanClose bool
	// CanOpenOrder: the order is in the reader's view (a subject moved to
	// another force takes its orders out of it; a link would be a 404).
	CanOpenOrder bool
}

func (w *Web) actionData(r *req, a domain.Action) actionPage {
	mine := a.ActionBy != nil && a.ActionBy.ID == r.me.ID
	scope := domain.ScopeFrom(r.ctx())
	chair := (r.me.HasRole(domain.RoleTaskingChair) || r.me.HasRole(domain.RoleAdmin)) && scope.CanWrite(a.Force)
	return actionPage{a, mine || chair, scope.CanRead(a.SubjectForce)}
}

var actionLabels = map[string]string{"note": "What was done", "reason": "Why it is cancelled", "on": "Date"}

// closeAction records an action done (with what was done) or cancelled
// (with why), as POST /actions/{id}/done and /cancel do.
func closeAction(status string) func(*Web, *req) error {
	return func(w *Web, r *req) error {
		a, err := w.store.GetAction(r.ctx(), r.Param("id"))
		if err != nil {
			return err
		}
		p := r.page("Meeting action on "+a.Reference, "home", w.actionData(r, a))
		p.Values = formValues(r, "note", "reason", "on-day", "on-month", "on-year")
		v := &domain.ValidationError{}
		u := domain.ActionUpdate{Status: status, Note: p.Values["note"], On: w.today()}
		if status == domain.ActionCancelled {
			u.Note = p.Values["reason"]
		}
		if d := dateValue(p.Values, "on", v); d != nil {
			u.On = *d
		}
		u.Validate(w.today(), v)
		if v.Err() == nil {
			_, err = w.store.SetActionStatus(r.ctx(), a.ID, u)
		} else {
			err = v
		}
		if err != nil {
			return w.formError(r, err, "action", p, actionLabels)
		}
		return r.Redirect(http.StatusSeeOther, "/?done=action-"+status+"#my-actions")
	}
}

// revokeCalendarFeed ends the officer's own calendar feed.
func (w *Web) revokeCalendarFeed(r *req) error {
	if err := w.store.RevokeCalendarFeed(r.ctx(), r.me.ID); err != nil {
		return err
	}
	return r.Redirect(http.StatusSeeOther, "/?done=calendar-revoked")
}

// --- Find ------------------------------------------------------------------

type findData struct {
	Q        string
	Searched bool
	Subjects []domain.Subject
	Page     keyset // the subjects' page: the store cannot count them
	// Orders are those whose court reference is the search (looked up on
	// the first page, for a search with no space or slash);
	// ForReference: the search reads as a court reference (a digit in it,
	// and not a PNC ID or prison number), so the page says when none
	// matches; a name does not.
	Orders       []domain.Order
	ForReference bool
}

// findPage is how many subjects a page of Find lists.
const findPage = 50

func (w *Web) find(r *req) error {
	q := strings.TrimSpace(r.QueryParam("q"))
	d := findData{Q: q}
	p := r.page("Find a subject or order", "find", &d)
	if q == "" {
		return w.render(r, "find", p)
	}
	if len(q) > 200 {
		p.Errors = []fieldError{{"q", "Search for at most 200 characters"}}
		return w.renderStatus(r, http.StatusUnprocessableEntity, "find", p)
	}
	if !strings.ContainsFunc(q, func(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }) {
		p.Errors = []fieldError{{"q", "Search for a name, PNC ID, prison number or court reference"}}
		return w.renderStatus(r, http.StatusUnprocessableEntity, "find", p)
	}
	d.Searched = true
	filter := domain.SubjectFilter{Q: q}
	identifier := true
	if pnc, err := domain.NormalisePNC(q, w.today()); err == nil {
		filter = domain.SubjectFilter{PNCID: pnc}
	} else if n, err := domain.NormalisePrisonNumber(q); err == nil {
		// As typed or not: a4821kd is A4821KD.
		filter = domain.SubjectFilter{PrisonNumber: n}
	} else {
		identifier = false
	}
	// The subjects a page at a time after the store's cursor (an ID, which
	// the store's links carry encoded, as the API's do).
	k := keysetFrom(r)
	page := domain.Page{Limit: findPage}
	if k.Cursor != "" {
		if id, ok := domain.DecodeCursor(k.Cursor); ok {
			page.Cursor = id
		} else {
			k = keyset{Start: 1} // made up, or kept from an older release
		}
	}
	subs, next, err := w.store.ListSubjects(r.ctx(), filter, page)
	if err != nil {
		return err
	}
	d.Subjects = subs
	k.settle(r, len(subs), -1, cursorOf(next))
	d.Page = k
	reference := !strings.ContainsAny(q, " /")
	d.ForReference = reference && !identifier && strings.ContainsFunc(q, unicode.IsDigit)
	if reference && k.Cursor == "" {
		orders, _, err := w.store.ListOrders(r.ctx(), domain.OrderFilter{Reference: q}, domain.Page{Limit: findPage})
		if err != nil {
			return err
		}
		d.Orders = orders
	}
	return w.render(r, "find", p)
}

// cursorOf is a store's next cursor ("": none) as a keyset's.
func cursorOf(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

// --- Order -----------------------------------------------------------------

type orderData struct {
	Order   domain.Order
	Subject domain.Subject
	History []domain.OwnerAssignment
	// Counts are how many reviews, events and flags the order has;
	// Reviews, Events and Flags the latest orderLatest of each (with every
	// open flag), and Timeline the latest entries of them with the rest
	// (TimelineCut: there are more).
	Counts      domain.OrderListCounts
	TimelineCut bool
	Reviews     []domain.Review
	Checks      []domain.Check
	Checks2     listing
	Flags       []domain.Flag
	Timeline    []event
	// The legal history: the latest events (GET /orders/{id}/events) and
	// the terms in force on the day asked for (?on-day=&on-month=&on-year=).
	Events  []domain.OrderEvent
	TermsOn *domain.TermsInForce
	// What still waits for a decision: the pending appeal (its lodged
	// event), the charges and the breach cases.
	PendingAppeal *domain.OrderEvent
	Extensions    []domain.Extension
	Breaches      []domain.BreachCase
	// Decisions: every meeting's on the order, the regional meeting's too.
	Decisions []domain.OrderDecision
}

type event struct {
	At   time.Time
	Text string
}

var flashes = map[string]string{
	"review":          "Review recorded",
	"check":           "Check outcome recorded",
	"check-scheduled": "Check scheduled",
	"owner":           "Owner allocated",
	// the legal history
	"service":         "Service recorded",
	"variation":       "Variation recorded",
	"breach":          "Breach recorded",
	"discharge":       "Discharge recorded",
	"appeal":          "Appeal recorded",
	"appeal-decision": "Appeal decision recorded",
	"charge":          "Charge recorded",
	"charge-outcome":  "Charge outcome recorded",
	"breach-outcome":  "Breach outcome recorded",
	"no-breach":       "Recorded that the check found no breach",
	// on a subject
	"release": "Release recorded",
	"custody": "Custody details saved",
}

func (w *Web) order(r *req) error {
	ctx := r.ctx()
	o, err := w.store.GetOrder(ctx, r.Param("id"))
	if err != nil {
		return err
	}
	s, err := w.store.GetSubject(ctx, o.SubjectID)
	if err != nil {
		return err
	}
	d := orderData{Order: o, Subject: s}
	if d.History, err = domain.AllPages(func(p domain.Page) ([]domain.OwnerAssignment, string, error) {
		return w.store.OwnerHistory(ctx, o.ID, p)
	}); err != nil {
		return err
	}
	// The latest few reviews and events, each with a count and a link to
	// the rest on a page of their own: an order reviewed for years listed
	// every review, and its whole timeline, twice.
	if d.Counts, err = w.store.CountOrderLists(ctx, o.ID); err != nil {
		return err
	}
	if d.Reviews, _, err = w.store.ListReviews(ctx, o.ID, domain.Page{Limit: orderLatest}); err != nil {
		return err
	}
	checks, err := domain.AllPages(func(p domain.Page) ([]domain.Check, string, error) {
		return w.store.ListChecks(ctx, o.ID, p)
	})
	if err != nil {
		return err
	}
	// The flags: the latest few (by their latest change) and every open
	// one (one a kind at most), with a link to the rest: an order flagged
	// for years listed them all.
	if d.Flags, _, err = w.store.OrderFlags(ctx, o.ID, domain.Page{Limit: orderLatest}); err != nil {
		return err
	}
	open, err := domain.AllPages(func(p domain.Page) ([]domain.Flag, string, error) {
		return w.store.ListFlags(ctx, domain.FlagFilter{OrderID: o.ID, Status: "open"}, p)
	})
	if err != nil {
		return err
	}
	for _, f := range open {
		if !slices.ContainsFunc(d.Flags, func(x domain.Flag) bool { return x.ID == f.ID }) {
			d.Flags = append(d.Flags, f)
		}
	}
	d.Checks, d.Checks2 = paginate(r, checks, func(c domain.Check) *domain.Date { return &c.DueOn })
	if d.Events, err = w.store.LatestOrderEvents(ctx, o.ID, orderLatest); err != nil {
		return err
	}
	// The timeline's latest entries come from the latest of each list it
	// merges (the lists it is not given whole).
	d.Timeline = timeline(o, d.History, d.Reviews, checks, d.Flags, d.Events, w.cfg.Location, w.forceName)
	if len(d.Timeline) > orderLatest {
		d.Timeline, d.TimelineCut = d.Timeline[:orderLatest], true
	}
	d.TimelineCut = d.TimelineCut || d.Counts.Events > len(d.Events) || d.Counts.Reviews > len(d.Reviews) ||
		d.Counts.Flags > len(d.Flags)
	if o.AppealPending {
		if d.PendingAppeal, err = w.pendingAppeal(ctx, o.ID, d.Events); err != nil {
			return err
		}
	}
	if d.Extensions, err = domain.AllPages(func(p domain.Page) ([]domain.Extension, string, error) {
		return w.store.ListExtensions(ctx, o.ID, p)
	}); err != nil {
		return err
	}
	if d.Decisions, err = domain.AllPages(func(p domain.Page) ([]domain.OrderDecision, string, error) {
		return w.store.OrderDecisions(ctx, o.ID, p)
	}); err != nil {
		return err
	}
	if d.Breaches, err = domain.AllPages(func(p domain.Page) ([]domain.BreachCase, string, error) {
		return w.store.ListBreaches(ctx, o.ID, p)
	}); err != nil {
		return err
	}
	p := r.page("Order "+o.Reference, "find", &d)
	vals := map[string]string{"on-day": r.QueryParam("on-day"), "on-month": r.QueryParam("on-month"), "on-year": r.QueryParam("on-year")}
	on := w.today()
	v := &domain.ValidationError{}
	if day := dateValue(vals, "on", v); day != nil {
		on = *day
	}
	for _, fe := range v.Errors {
		p.Errors = append(p.Errors, fieldError{Field: fe.Field, Message: sentence("The day", fe.Message)})
	}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	if v.Err() != nil {
		// The day as typed, under its error, and no terms: another day's
		// under that heading would be read as the day asked for.
		maps.Copy(p.Values, vals)
	} else {
		setDate(p.Values, "on", on)
		terms, err := w.store.TermsOn(ctx, o.ID, on)
		if err != nil {
			return err
		}
		d.TermsOn = &terms
	}
	p.Flash = flashes[r.QueryParam("done")]
	return w.render(r, "order", p)
}

// timeline is the order's life, newest first, in one list.
func timeline(o domain.Order, hist []domain.OwnerAssignment, reviews []domain.Review, checks []domain.Check, flags []domain.Flag,
	legal []domain.OrderEvent, loc *time.Location, forceName func(string) string) []event {
	// A record dated by day is placed at the moment it was recorded when
	// that was the same day (in the service's zone): it sorted before
	// everything timed that day (a breach above the check it came from).
	at := func(day domain.Date, recorded time.Time) time.Time {
		if domain.DateOf(recorded, loc).Equal(day.Time) {
			return recorded
		}
		return day.Time
	}
	ev := []event{{o.MadeOn.Time, "Order made at " + o.Court}}
	// The legal history (service, variations, breaches, charges, appeals,
	// the end) in the same list, so the order's life reads in one place.
	for _, e := range legal {
		// The timeline's own entries for owners, reviews and checks (below)
		// say who and what; the events' copies of them would say it twice.
		switch e.Kind {
		case domain.EventMade, "owner_assigned", "owner_ended", "review", "check_completed", "check_cancelled":
			continue
		}
		text := eventText(e, forceName)
		if e.Court != nil && *e.Court != "" {
			text += " (" + *e.Court + ")"
		}
		ev = append(ev, event{at(e.On, e.RecordedAt), text})
	}
	for _, h := range hist {
		ev = append(ev, event{h.From, roleName(h.Role) + ": " + h.Officer.Name + " allocated (" + h.Reason + ")"})
		if h.Until != nil {
			ev = append(ev, event{*h.Until, roleName(h.Role) + ": " + h.Officer.Name + " no longer owner"})
		}
	}
	for _, rv := range reviews {
		text := humanise(rv.Kind) + " review: " + strings.ToLower(humanise(rv.Outcome))
		if rv.Imported {
			text += " (imported)"
		}
		ev = append(ev, event{at(rv.ReviewedOn, rv.CreatedAt), text})
	}
	for _, c := range checks {
		if c.CompletedOn != nil && c.Outcome != nil {
			ev = append(ev, event{at(*c.CompletedOn, c.UpdatedAt), humanise(c.Kind) + " check: " + strings.ToLower(humanise(*c.Outcome))})
		}
	}
	for _, f := range flags {
		ev = append(ev, event{f.RaisedAt, "Flag raised: " + flagName(f.Kind)})
		if f.ResolvedAt != nil {
			ev = append(ev, event{*f.ResolvedAt, "Flag resolved: " + flagName(f.Kind)})
		}
	}
	slices.SortStableFunc(ev, func(a, b event) int { return b.At.Compare(a.At) })
	return ev
}

// --- Forms: a review -------------------------------------------------------

type reviewData struct{ Order domain.Order }

func (w *Web) reviewForm(r *req) error {
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	p := r.page("Record a review", "find", reviewData{o})
	setDate(p.Values, "reviewed_on", w.today())
	return w.render(r, "review", p)
}

func (w *Web) recordReview(r *req) error {
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	p := r.page("Record a review", "find", reviewData{o})
	p.Values = formValues(r, "reviewed_on-day", "reviewed_on-month", "reviewed_on-year", "kind", "outcome", "notes")
	v := &domain.ValidationError{}
	rv := domain.Review{Kind: p.Values["kind"], Outcome: p.Values["outcome"], Notes: optional(p.Values["notes"])}
	if d := dateValue(p.Values, "reviewed_on", v); d != nil {
		rv.ReviewedOn = *d
	}
	if v.Err() == nil {
		_, err = w.store.RecordReview(r.ctx(), o.ID, rv)
	} else {
		rv.Validate(o, w.today(), v)
		err = v
	}
	if err != nil {
		return w.formError(r, err, "review", p, reviewLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/orders/"+o.ID+"?done=review")
}

var reviewLabels = map[string]string{"reviewed_on": "Date of the review", "kind": "Kind of review",
	"outcome": "Outcome", "notes": "Notes"}

// --- Forms: a check scheduled ----------------------------------------------

func (w *Web) checkScheduleForm(r *req) error {
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	return w.render(r, "check-new", r.page("Schedule a check", "find", reviewData{o}))
}

func (w *Web) scheduleCheck(r *req) error {
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	p := r.page("Schedule a check", "find", reviewData{o})
	p.Values = formValues(r, "kind", "due_on-day", "due_on-month", "due_on-year", "notes")
	v := &domain.ValidationError{}
	c := domain.Check{Kind: p.Values["kind"], Notes: optional(p.Values["notes"])}
	if d := dateValue(p.Values, "due_on", v); d != nil {
		c.DueOn = *d
	} else if !v.Has("due_on") {
		v.Add("due_on", "is required")
	}
	if v.Err() == nil {
		_, err = w.store.ScheduleCheck(r.ctx(), o.ID, c)
	} else {
		c.ValidateSchedule(o, v)
		err = v
	}
	if err != nil {
		return w.formError(r, err, "check-new", p, map[string]string{"kind": "Kind of check", "due_on": "Due", "notes": "Notes"})
	}
	return r.Redirect(http.StatusSeeOther, "/orders/"+o.ID+"?done=check-scheduled#checks")
}

// --- Forms: a check's outcome ----------------------------------------------

type checkData struct {
	Order domain.Order
	Check domain.Check
	Stale bool
}

func (w *Web) loadCheck(r *req) (domain.Order, domain.Check, error) {
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return o, domain.Check{}, err
	}
	checks, err := domain.AllPages(func(p domain.Page) ([]domain.Check, string, error) {
		return w.store.ListChecks(r.ctx(), o.ID, p)
	})
	if err != nil {
		return o, domain.Check{}, err
	}
	for _, c := range checks {
		if c.ID == strings.ToLower(r.Param("check_id")) {
			return o, c, nil
		}
	}
	return o, domain.Check{}, domain.ErrNotFound
}

func (w *Web) checkForm(r *req) error {
	o, ch, err := w.loadCheck(r)
	if err != nil {
		return err
	}
	p := r.page("Record a check outcome", "find", &checkData{Order: o, Check: ch})
	p.Values = checkValues(ch, w.today())
	return w.render(r, "check", p)
}

func checkValues(ch domain.Check, today domain.Date) map[string]string {
	vals := map[string]string{"version": strconv.Itoa(ch.Version), "outcome": derefStr(ch.Outcome), "notes": derefStr(ch.Notes)}
	if ch.CompletedOn != nil {
		setDate(vals, "completed_on", *ch.CompletedOn)
	} else {
		setDate(vals, "completed_on", today)
	}
	return vals
}

func (w *Web) recordCheck(r *req) error {
	o, ch, err := w.loadCheck(r)
	if err != nil {
		return err
	}
	d := &checkData{Order: o, Check: ch}
	p := r.page("Record a check outcome", "find", d)
	p.Values = formValues(r, "completed_on-day", "completed_on-month", "completed_on-year", "outcome", "notes", "version")
	version, err := strconv.Atoi(p.Values["version"])
	if err != nil {
		version = -1
	}
	today := w.today()
	_, err = w.store.CompleteCheck(r.ctx(), o.ID, ch.ID, &version, func(c *domain.Check) error {
		v := &domain.ValidationError{}
		if c.StatusOf() != domain.CheckScheduled {
			return domain.Conflict("outcome", "this check already has an outcome or was cancelled")
		}
		c.CompletedOn = dateValue(p.Values, "completed_on", v)
		c.Outcome = optional(p.Values["outcome"])
		if n := optional(p.Values["notes"]); n != nil {
			c.Notes = n
		}
		if v.Err() != nil {
			c.ValidateCompletion(o, today, v)
			return v
		}
		return nil
	})
	if errors.Is(err, domain.ErrStale) {
		// Someone changed the check since this form was opened: show what
		// it says now, and keep nothing of ours silently.
		_, cur, lerr := w.loadCheck(r)
		if lerr != nil {
			return lerr
		}
		d.Check, d.Stale = cur, true
		p.Values = checkValues(cur, today)
		p.Errors = []fieldError{{"outcome", w.staleMessage(r, domain.RecordRef{Type: "check", ID: cur.ID},
			"this check", cur.UpdatedAt, "Its current details are shown; check them before recording the outcome again")}}
		return w.renderStatus(r, http.StatusConflict, "check", p)
	}
	if err != nil {
		return w.formError(r, err, "check", p, checkLabels)
	}
	return r.Redirect(http.StatusSeeOther, "/orders/"+o.ID+"?done=check")
}

var checkLabels = map[string]string{"completed_on": "Date completed", "outcome": "Outcome", "notes": "Notes"}

// --- Forms: allocate an owner ----------------------------------------------

type ownerData struct {
	Order domain.Order
	Role  string
	// Officers are those who may hold the role, the first pickMax of
	// them by name (narrowed by Filter's name, when typed).
	Officers officerPick
	Filter   nameFilter
	// Load is each officer's line of the force's workload: what they hold
	// and whether they are away, so a chair allocates fairly and not to
	// someone on leave.
	Load    map[string]domain.WorkloadLine
	Current *domain.OwnerSummary
	From    string
}

// ownerChoice is an owner role and the officers who may hold it.
type ownerChoice struct {
	Role string
	officerPick
}

// ownerChoices are, for each of roles, the officers who may hold it on
// force's orders (domain.CanOwn: active, of the force, holding the officer
// role it needs), the first pickMax by name whose name or e-mail address
// holds name, with how many there are; and each officer's line of the
// force's workload (what they hold, whether they are away), so that an
// owner is allocated fairly and not to someone on leave. An order's
// allocation form and a meeting's decision form offer the same officers,
// shown the same way.
func (w *Web) ownerChoices(ctx context.Context, force, name string, roles ...string) ([]ownerChoice, map[string]domain.WorkloadLine, error) {
	out := make([]ownerChoice, len(roles))
	for i, role := range roles {
		officerRole, _ := domain.OfficerRoleFor(role)
		pick, err := w.pickOfficers(ctx, domain.OfficerFilter{Force: force, Role: officerRole}, name)
		if err != nil {
			return nil, nil, err
		}
		out[i] = ownerChoice{Role: role, officerPick: pick.without(func(x domain.Officer) bool {
			return domain.CanOwn(x, role, domain.Force{Code: force}) != nil
		})}
	}
	load, err := w.store.Workload(ctx, force, w.today())
	if err != nil {
		return nil, nil, err
	}
	lines := map[string]domain.WorkloadLine{}
	for _, l := range load.Officers {
		lines[l.Officer.ID] = l
	}
	return out, lines, nil
}

func (w *Web) ownerPage(r *req) (*page, *ownerData, error) {
	role := r.Param("role")
	if _, ok := domain.OfficerRoleFor(role); !ok {
		return nil, nil, domain.ErrNotFound
	}
	o, err := w.store.GetOrder(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	who := pickName(r)
	choices, load, err := w.ownerChoices(r.ctx(), o.Force, who, role)
	if err != nil {
		return nil, nil, err
	}
	d := &ownerData{Order: o, Role: role, Officers: choices[0].officerPick, From: r.QueryParam("from"), Load: load,
		Current: o.Owners.Of(role), Filter: officerFilter(r, who, choices[0].Cut())}
	if r.Request().Method == http.MethodPost {
		d.From = r.FormValue("from")
	}
	p := r.page("Allocate the "+roleName(role)+" for "+o.Reference, "tasking", d)
	p.Values["version"] = strconv.Itoa(o.Version)
	return p, d, nil
}

func (w *Web) ownerForm(r *req) error {
	p, _, err := w.ownerPage(r)
	if err != nil {
		return err
	}
	return w.render(r, "owner", p)
}

func (w *Web) assignOwner(r *req) error {
	p, d, err := w.ownerPage(r)
	if err != nil {
		return err
	}
	p.Values = formValues(r, "officer_id", "reason", "version")
	version, err := strconv.Atoi(p.Values["version"])
	if err != nil {
		version = -1
	}
	_, err = w.store.AssignOwner(r.ctx(), domain.OwnerChange{OrderID: d.Order.ID, Role: d.Role,
		OfficerID: p.Values["officer_id"], Reason: p.Values["reason"], By: r.me.ID, IfVersion: &version})
	if errors.Is(err, domain.ErrStale) {
		p.Values["version"] = strconv.Itoa(d.Order.Version)
		p.Errors = []fieldError{{"officer_id", w.staleMessage(r, domain.RecordRef{Type: "order", ID: d.Order.ID},
			"this order", d.Order.UpdatedAt, "Its current owners are shown; check them and allocate again if still needed")}}
		return w.renderStatus(r, http.StatusConflict, "owner", p)
	}
	if err != nil {
		return w.formError(r, err, "owner", p, ownerLabels)
	}
	if d.From == "tasking" {
		q := url.Values{"force": {d.Order.Force}, "done": {"owner"}, "ref": {d.Order.Reference}}
		return r.Redirect(http.StatusSeeOther, "/tasking?"+q.Encode())
	}
	return r.Redirect(http.StatusSeeOther, "/orders/"+d.Order.ID+"?done=owner")
}

var ownerLabels = map[string]string{"officer_id": "Officer", "reason": "Reason", "role": "Role"}

// --- Subject ---------------------------------------------------------------

type subjectData struct {
	Subject domain.Subject
	CanEdit bool
	// CanTransfer: the holding force's chair or orders officer;
	// CanExport: admin (the auditor exports from the access log).
	CanTransfer, CanExport bool
	Transfers              []domain.Transfer // waiting for an answer
	Custody                []domain.CustodyPeriod
	// Orders are a page of their orders, as made (OrdersPage where it is
	// in the whole).
	Orders     []domain.Order
	OrdersPage keyset
}

func (w *Web) subject(r *req) error {
	s, err := w.store.GetSubject(r.ctx(), r.Param("id"))
	if err != nil {
		return err
	}
	d := subjectData{Subject: s, CanEdit: w.host.Permitted(r.me, "PATCH /api/v1/subjects/:id")}
	d.CanTransfer = domain.ScopeFrom(r.ctx()).CanWrite(s.Force) && w.host.Permitted(r.me, "POST /api/v1/subjects/:id/transfers")
	d.CanExport = w.host.Permitted(r.me, "GET /api/v1/subjects/:id/export")
	if d.Transfers, _, err = w.store.ListTransfers(r.ctx(), domain.TransferFilter{SubjectID: s.ID, Status: domain.TransferRequested},
		domain.Page{Limit: 10}); err != nil {
		return err
	}
	if d.Custody, err = domain.AllPages(func(p domain.Page) ([]domain.CustodyPeriod, string, error) {
		return w.store.CustodyHistory(r.ctx(), s.ID, p)
	}); err != nil {
		return err
	}
	// A page at a time, with their count: a subject with many orders had
	// the first 500 shown as all.
	of := domain.OrderFilter{SubjectID: s.ID}
	d.OrdersPage = keysetNamed(r, "", "subject-orders")
	if d.Orders, err = readPage(r, &d.OrdersPage, pageSize, byID(func(p domain.Page) ([]domain.Order, string, error) {
		return w.store.ListOrders(r.ctx(), of, p)
	}), func() (int, error) { return w.store.CountOrders(r.ctx(), of) }); err != nil {
		return err
	}
	p := r.page(s.DisplayName(), "find", &d)
	p.Flash = flashes[r.QueryParam("done")]
	return w.render(r, "subject", p)
}

// --- Tasking meeting agenda ------------------------------------------------

type taskingData struct {
	Force     domain.Force
	Forces    []domain.Force
	Sections  []agendaSection
	Empty     bool
	CanAssign bool
	Allocated string
	List      listing
	// Incoming are transfers other forces ask this force to take on, the
	// first asked (IncomingTotal: how many wait).
	Incoming      []domain.Transfer
	IncomingTotal int
	CanPolicy     bool
	// AsOf is the day the agenda is for: today's reads the open flags,
	// another day's runs the rules as of that day (a meeting prepared ahead).
	AsOf    domain.Date
	IsToday bool
	// Whole is the address of the whole agenda, on one section's pages.
	Whole string
}

type agendaSection struct {
	Kind  string
	Items []agendaItem
	// Total is the section's whole count; Page which of its items these
	// are, with the links to its next page and (on a later page) its first.
	Total int
	Page  keyset
}

// agendaPage bounds each section on the agenda page (the heaviest page
// stays small at national scale); a section's own pages show the rest,
// sectionPage at a time.
const (
	agendaPage  = 25
	sectionPage = 100
)

type agendaItem struct {
	domain.TaskingItem
	Due *domain.Date // the date it fell (or falls) due
	// Missing are the owner roles the force's policy requires and the
	// order lacks (unowned's details): the allocation link is for the
	// first (it was always the IOM's, replacing an IOM owner in place).
	Missing []string
}

// missingRoles reads an unowned flag's missing_roles.
func missingRoles(details []byte) []string {
	var d struct {
		Missing []string `json:"missing_roles"`
	}
	_ = json.Unmarshal(details, &d)
	return d.Missing
}

func (w *Web) taskingForce(r *req) (string, error) {
	force := r.QueryParam("force")
	if force == "" && r.me.Force != nil {
		force = *r.me.Force
	}
	if force == "" {
		return "", nil
	}
	// Another force's (outside the reader's scope) is not there at all,
	// as its agenda is not: its meetings listed as none, with a form to
	// start one, were untrue.
	if _, err := w.store.GetForce(r.ctx(), force); err != nil || !domain.ScopeFrom(r.ctx()).CanRead(force) {
		return "", domain.ErrNotFound
	}
	return force, nil
}

func (w *Web) tasking(r *req) error {
	force, err := w.taskingForce(r)
	if err != nil {
		return err
	}
	d := &taskingData{CanAssign: w.host.Permitted(r.me, "PUT /api/v1/orders/:id/owners/:role")}
	p := r.page("Tasking meeting agenda", "tasking", d)
	if force == "" {
		// A national officer chooses the force.
		if d.Forces, err = w.store.ListForces(r.ctx()); err != nil {
			return err
		}
		return w.render(r, "tasking", p)
	}
	if d.Force, err = w.store.GetForce(r.ctx(), force); err != nil {
		return err
	}
	today, ok := w.agendaDay(r, p)
	d.AsOf, d.IsToday = today, today.Equal(w.today().Time)
	if !ok {
		p.Title = "Tasking meeting agenda: " + d.Force.Name
		return w.render(r, "tasking", p)
	}
	q := domain.TaskingQuery{Force: force, AsOf: today, FromRules: !d.IsToday, Page: domain.Page{Limit: agendaPage}}
	// One section's pages: a hundred items after the cursor, and where
	// they start in the section (the agenda's first page shows its first
	// agendaPage, and links the rest from there).
	k := keysetFrom(r)
	if sec := r.QueryParam("section"); sec != "" {
		if !slices.Contains(domain.TaskingSections, sec) {
			return domain.ErrNotFound
		}
		q.Section, q.Page = sec, domain.Page{Limit: sectionPage, Cursor: k.Cursor}
		whole := url.Values{"force": {force}}
		if !d.IsToday {
			whole.Set("as_of", today.String())
		}
		d.Whole = "/tasking?" + whole.Encode()
	}
	rep, err := w.store.Tasking(r.ctx(), q)
	if k.staleCursor(err) {
		q.Page.Cursor = ""
		rep, err = w.store.Tasking(r.ctx(), q)
	}
	if err != nil {
		return err
	}
	d.Incoming, d.IncomingTotal = rep.IncomingTransfers, len(rep.IncomingTransfers)
	if len(d.Incoming) >= domain.AgendaTransfersShown {
		// The agenda carries the first asked: the page says how many wait.
		if d.IncomingTotal, err = w.store.CountTransfers(r.ctx(), domain.TransferFilter{Force: force, Direction: "incoming",
			Status: domain.TransferRequested}); err != nil {
			return err
		}
	}
	// Every reader may read the policy (read-only unless theirs to change).
	d.CanPolicy = w.host.Permitted(r.me, "GET /api/v1/forces/:code/policy")
	d.Empty = len(d.Incoming) == 0
	_, d.List = paginate(r, []int{}, func(int) *domain.Date { return nil })
	for _, kind := range domain.TaskingSections {
		items := rep.Sections[kind]
		sec := agendaSection{Kind: kind}
		for _, it := range items {
			ai := agendaItem{TaskingItem: it}
			if kind == domain.FlagUnowned {
				ai.Missing = missingRoles(it.Details)
			}
			switch {
			case it.DaysOverdue != nil:
				due := today.AddDays(-*it.DaysOverdue)
				ai.Due = &due
			case it.DaysToRelease != nil:
				due := today.AddDays(*it.DaysToRelease)
				ai.Due = &due
			case it.DaysToEnd != nil:
				due := today.AddDays(*it.DaysToEnd)
				ai.Due = &due
			}
			sec.Items = append(sec.Items, ai)
		}
		sec.Items, _ = sortOnly(r, sec.Items, func(a agendaItem) *domain.Date { return a.Due })
		sec.Total = rep.Summary[kind]
		if q.Section != "" {
			sec.Page = k
			sec.Page.settle(r, len(items), sec.Total, rep.NextCursors[kind])
		} else {
			// The whole agenda: each section's first items, and a link to
			// the rest of it.
			sec.Page = keyset{Start: 1, End: len(items), Total: sec.Total}
			if next := rep.NextCursors[kind]; next != nil {
				more := url.Values{"force": {force}, "section": {kind}, "cursor": {*next},
					"start": {strconv.Itoa(len(items) + 1)}}
				if !d.IsToday {
					more["as_of"] = []string{today.String()}
				}
				sec.Page.Next = "/tasking?" + more.Encode()
			}
		}
		if len(sec.Items) > 0 {
			d.Empty = false
		}
		d.Sections = append(d.Sections, sec)
	}
	switch r.QueryParam("done") {
	case "owner":
		p.Flash = "Owner allocated for " + r.QueryParam("ref")
	case "transfer":
		p.Flash = "Transfer accepted: " + r.QueryParam("name") + " and their orders are now " + d.Force.Name + "'s"
	}
	p.Title = "Tasking meeting agenda: " + d.Force.Name
	return w.render(r, "tasking", p)
}

// sortOnly orders a short table by due date without paging it.
func sortOnly[T any](r *req, items []T, due func(T) *domain.Date) ([]T, listing) {
	all := slices.Clone(items)
	out, l := paginate(r, all, due)
	if l.Pages > 1 {
		return all, l
	}
	return out, l
}

func (w *Web) taskingCSV(r *req) error {
	force, err := w.taskingForce(r)
	if err != nil {
		return err
	}
	if force == "" {
		return domain.ErrNotFound
	}
	day, err := domain.ParseDate(r.QueryParam("as_of"))
	if r.QueryParam("as_of") == "" {
		day, err = w.today(), nil
	}
	if err != nil {
		return domain.ErrNotFound
	}
	return w.host.TaskingCSV(r, force, day)
}

// agendaDay is the day the agenda page is for: today, or the day asked
// for, as the form's three boxes (as_of-day, -month, -year) or as_of
// written YYYY-MM-DD (the section and CSV links). A day that does not
// exist is an error on the page, which then shows no agenda: another
// day's under that heading would be read as the day asked for.
func (w *Web) agendaDay(r *req, p *page) (domain.Date, bool) {
	day := w.today()
	vals := map[string]string{"as_of-day": r.QueryParam("as_of-day"), "as_of-month": r.QueryParam("as_of-month"),
		"as_of-year": r.QueryParam("as_of-year")}
	if iso := r.QueryParam("as_of"); iso != "" && vals["as_of-day"]+vals["as_of-month"]+vals["as_of-year"] == "" {
		if dd, err := domain.ParseDate(iso); err == nil {
			setDate(vals, "as_of", dd)
		} else {
			vals["as_of-day"] = iso // shown back as typed, under the error
		}
	}
	v := &domain.ValidationError{}
	if dd := dateValue(vals, "as_of", v); dd != nil {
		day = *dd
	}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	if v.Err() != nil {
		for _, fe := range v.Errors {
			p.Errors = append(p.Errors, fieldError{Field: fe.Field, Message: sentence("The day", fe.Message)})
		}
		maps.Copy(p.Values, vals)
		return day, false
	}
	setDate(p.Values, "as_of", day)
	return day, true
}
