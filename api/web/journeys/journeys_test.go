// Package journeys_test walks the web interface's users' journeys in a real
// browser (Debian's chromium, driven by chromedp) against the real service
// and database, and runs axe-core on every page reached.
package journeys_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"scpo/api"
	"scpo/api/web"
	"scpo/domain"
	"scpo/domain/demo"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

//go:embed axe/axe.min.js
var axeSource string

// suite is one service (demo region loaded) and one browser.
type suite struct {
	t       *testing.T
	store   *postgres.Store
	base    string
	browser context.Context
	shots   string
}

func chromiumPath() string {
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

func newSuite(t *testing.T) *suite {
	chrome := chromiumPath()
	if chrome == "" {
		// CI installs chromium (.ci/run): there, a missing browser fails
		// rather than passing on tests that never ran.
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium on a CI machine: .ci/run should have installed it")
		}
		t.Skip("no chromium: apt-get install -y chromium (.ci/run installs it)")
	}
	ctx := context.Background()
	store, err := postgres.Open(ctx, pgtest.URL(t), domain.SystemClock{}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := demo.Load(ctx, store, store.Today()); err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{domain.JobLifecycle, domain.JobOwnership, domain.JobReview, domain.JobCustody} {
		if _, err := store.RunJob(ctx, job, store.Today(), nil); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(api.New(api.Config{Store: store, Location: time.UTC}))
	t.Cleanup(srv.Close)

	// Only loopback: no proxy, no background networking, no sandbox (CI
	// runs as root).
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-proxy-server", true),
		chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancel)
	bctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	shots := os.Getenv("SCPO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		// A directory named for screenshots is made, not required to exist.
		t.Fatalf("SCPO_SCREENSHOTS: %v", err)
	}
	return &suite{t: t, store: store, base: srv.URL, browser: bctx, shots: shots}
}

// tab is one user's browser tab, signed in as the first active officer
// with role in force.
func (s *suite) tab(t *testing.T, role, force string) context.Context {
	t.Helper()
	officers, _, err := s.store.ListOfficers(context.Background(), domain.OfficerFilter{Role: role, Force: force}, domain.Page{Limit: 500})
	if err != nil || len(officers) == 0 {
		t.Fatalf("no %s in %q: %v", role, force, err)
	}
	link, err := web.IssueSignInLink(context.Background(), s.store, officers[0].ID, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := chromedp.NewContext(s.browser)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel)
	s.run(t, ctx, "sign-in-link", chromedp.Navigate(s.base+link), chromedp.WaitVisible(`form button[type=submit]`))
	s.run(t, ctx, "my-work", chromedp.Click(`form button[type=submit]`), chromedp.WaitVisible(`.app-signed-in`))
	s.wantText(t, ctx, "h1", "My work")
	return ctx
}

// run performs actions, then checks the page with axe and keeps a
// screenshot named name.
func (s *suite) run(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s.axe(t, ctx, name)
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatalf("%s: screenshot: %v", name, err)
	}
	file := filepath.Join(s.shots, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// axe runs axe-core with the WCAG 2.1 A and AA rules: zero violations.
func (s *suite) axe(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var out string
	script := axeSource + `;axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))`
	err := chromedp.Run(ctx, chromedp.Evaluate(script, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if err != nil {
		t.Fatalf("%s: axe: %v", name, err)
	}
	var violations []json.RawMessage
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("%s: axe answer %q: %v", name, out, err)
	}
	for _, v := range violations {
		t.Errorf("%s: accessibility violation %s", name, v)
	}
}

func (s *suite) wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	var got string
	if err := chromedp.Run(ctx, chromedp.Text(sel, &got, chromedp.ByQuery)); err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	if !strings.Contains(got, want) {
		t.Errorf("%s says %q, want %q", sel, got, want)
	}
}

func TestJourneys(t *testing.T) {
	s := newSuite(t)
	ctx := context.Background()

	t.Run("IOM officer records a check outcome", func(t *testing.T) {
		// A Gloucestershire order with a check still to do.
		orders, _, err := s.store.ListOrders(ctx, domain.OrderFilter{Force: "gloucestershire", Flag: domain.FlagCheckOverdue}, domain.Page{Limit: 50})
		if err != nil || len(orders) == 0 {
			t.Fatalf("no Gloucestershire order with an overdue check: %v", err)
		}
		order := orders[0]
		tab := s.tab(t, domain.RoleIOMOfficer, "gloucestershire")
		s.run(t, tab, "order", chromedp.Navigate(s.base+"/orders/"+order.ID), chromedp.WaitVisible(`#checks`))
		s.wantText(t, tab, "h1", order.Reference)
		s.run(t, tab, "check-form", chromedp.Click(`#checks a[href$="/outcome"]`), chromedp.WaitVisible(`#outcome`))
		// Sent without an outcome: the error summary, then the fix.
		s.run(t, tab, "check-error", chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "Outcome")
		s.run(t, tab, "check-recorded", chromedp.Click(`#outcome`), chromedp.SetValue(`#notes`, "Seen at home; one phone, as notified."),
			chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Check outcome recorded")
		s.wantText(t, tab, "#checks", "Compliant on")
		// Mail as each thing happens, chosen on My work.
		s.run(t, tab, "mail-choice", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(`#notifications`),
			chromedp.Click(`#notify-1`), chromedp.Click(`#save-notifications`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Your choice of mail is saved")
	})

	t.Run("chair allocates an owner from the agenda", func(t *testing.T) {
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "agenda", chromedp.Navigate(s.base+"/tasking"), chromedp.WaitVisible(`#agenda-unowned`))
		var before int
		if err := chromedp.Run(tab, chromedp.Evaluate(`document.querySelectorAll('#agenda-unowned tbody tr').length`, &before)); err != nil {
			t.Fatal(err)
		}
		var ref string
		if err := chromedp.Run(tab, chromedp.Text(`#agenda-unowned tbody tr td a`, &ref, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		s.run(t, tab, "allocate", chromedp.Click(`#agenda-unowned tbody tr a[href*="/owners/iom"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#officer_id`))
		s.run(t, tab, "allocated", chromedp.SetValue(`#officer_id`, firstOption(t, tab, "#officer_id")),
			chromedp.SetValue(`#reason`, "allocated at tasking meeting"),
			chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Owner allocated for "+ref)
		var after int
		if err := chromedp.Run(tab, chromedp.Evaluate(`document.querySelectorAll('#agenda-unowned tbody tr').length`, &after)); err != nil {
			t.Fatal(err)
		}
		if after != before-1 {
			t.Errorf("unowned items: %d before, %d after allocating", before, after)
		}
		// Next month's meeting, prepared ahead: the agenda as of its day.
		s.run(t, tab, "agenda-ahead", chromedp.SetValue(`#as_of`, "15"), chromedp.SetValue(`#as_of-month`, "1"),
			chromedp.SetValue(`#as_of-year`, "2027"), chromedp.Click(`#agenda-day button[type=submit]`),
			chromedp.WaitVisible(`#agenda-today`))
		s.wantText(t, tab, "#agenda-as-of", "As of 15 January 2027, worked out from the register's rules for that day")
	})

	t.Run("prison liaison officer records a release", func(t *testing.T) {
		// An Avon and Somerset subject in custody whose order starts on release.
		orders, _, err := s.store.ListOrders(ctx, domain.OrderFilter{Force: "avon-and-somerset", Status: domain.StatusPending, CaseType: domain.CasePrison}, domain.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var order domain.Order
		for _, o := range orders {
			if o.Commencement == domain.CommenceOnRelease {
				order = o
				break
			}
		}
		if order.ID == "" {
			t.Fatalf("no Avon and Somerset order waiting for a release among %d", len(orders))
		}
		today := time.Now().UTC()
		tomorrow := today.AddDate(0, 0, 1)
		tab := s.tab(t, domain.RolePrisonLiaison, "avon-and-somerset")
		// The board lists who is due out; the subject is on it.
		s.run(t, tab, "pre-release", chromedp.Navigate(s.base+"/pre-release?within_days=1095"), chromedp.WaitVisible(`#pre-release`))
		var onBoard bool
		if err := chromedp.Run(tab, chromedp.Evaluate(`!!document.querySelector('#pre-release a[href="/orders/`+order.ID+`"]')`, &onBoard)); err != nil {
			t.Fatal(err)
		}
		if !onBoard {
			t.Errorf("order %s is not on the pre-release board", order.Reference)
		}
		// Its force chooser offers all the officer can see and their force.
		var offered []string
		if err := chromedp.Run(tab, chromedp.Evaluate(`Array.from(document.querySelectorAll('#force option'), o => o.value)`, &offered)); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(offered, []string{"", "avon-and-somerset"}) {
			t.Errorf("the pre-release board's force chooser offers %q; want all visible and avon-and-somerset", offered)
		}
		s.run(t, tab, "subject", chromedp.Navigate(s.base+"/subjects/"+order.SubjectID), chromedp.WaitVisible(`#record-release`))
		s.run(t, tab, "release-form", chromedp.Click(`#record-release`), chromedp.WaitVisible(`#released_on`))
		s.run(t, tab, "release-future", chromedp.SetValue(`#released_on`, fmt.Sprint(tomorrow.Day())),
			chromedp.SetValue(`#released_on-month`, fmt.Sprint(int(tomorrow.Month()))),
			chromedp.SetValue(`#released_on-year`, fmt.Sprint(tomorrow.Year())),
			chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "must not be in the future")
		s.run(t, tab, "released", chromedp.SetValue(`#released_on`, fmt.Sprint(today.Day())),
			chromedp.SetValue(`#released_on-month`, fmt.Sprint(int(today.Month()))),
			chromedp.SetValue(`#released_on-year`, fmt.Sprint(today.Year())),
			chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, "#custody", "In the community, released "+today.Format("2 January 2006"))
		s.run(t, tab, "order-active", chromedp.Click(`#subject-orders a[href="/orders/`+order.ID+`"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#owners`))
		s.wantText(t, tab, "#order-status", "Active")
		s.wantText(t, tab, "#order-in-force", today.Format("2 January 2006"))
	})

	t.Run("auditor finds who opened a subject's page and why", func(t *testing.T) {
		orders, _, err := s.store.ListOrders(ctx, domain.OrderFilter{Force: "gloucestershire"}, domain.Page{Limit: 1})
		if err != nil || len(orders) == 0 {
			t.Fatalf("no Gloucestershire order: %v", err)
		}
		sub, err := s.store.GetSubject(ctx, orders[0].SubjectID)
		if err != nil {
			t.Fatal(err)
		}
		iom := s.tab(t, domain.RoleIOMOfficer, "gloucestershire")
		s.run(t, iom, "subject-opened", chromedp.Navigate(s.base+"/subjects/"+sub.ID), chromedp.WaitVisible(`#custody`))
		var who string
		if err := chromedp.Run(iom, chromedp.Text(`.app-signed-in__who strong`, &who, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}

		tab := s.tab(t, domain.RoleAuditor, "")
		s.run(t, tab, "audit", chromedp.Navigate(s.base+"/audit"), chromedp.WaitVisible(`#subject`))
		s.run(t, tab, "audit-error", chromedp.SetValue(`#subject`, "12/345"), chromedp.Click(`main form button[type=submit]`),
			chromedp.WaitVisible(`.govuk-error-summary`))
		s.run(t, tab, "audit-subject", chromedp.SetValue(`#subject`, sub.PNCID), chromedp.Click(`main form button[type=submit]`),
			chromedp.WaitVisible(`#access-log-link`))
		s.wantText(t, tab, "#audit", who)
		s.run(t, tab, "access-log", chromedp.Click(`#access-log-link`), chromedp.WaitVisible(`#audit`))
		s.wantText(t, tab, "h1", sub.FirstNames+" "+sub.LastName)
		s.wantText(t, tab, "#audit tbody", who)
		s.wantText(t, tab, "#audit tbody", "GET /subjects/:id")
		s.wantText(t, tab, "#audit tbody", "management of serious crime prevention orders")
	})

	t.Run("administrator adds an officer, issues a token and previews a job", func(t *testing.T) {
		// The demo region has no administrator (scpod adds one at start-up).
		if _, err := s.store.CreateOfficer(ctx, domain.Officer{Name: "Alex Morgan", Email: "alex.morgan@scpo.example",
			Roles: []string{domain.RoleAdmin}, Active: true}); err != nil {
			t.Fatal(err)
		}
		tab := s.tab(t, domain.RoleAdmin, "")
		s.run(t, tab, "officers", chromedp.Navigate(s.base+"/officers"), chromedp.WaitVisible(`#officers`))
		s.run(t, tab, "officer-new", chromedp.Navigate(s.base+"/officers/new"), chromedp.WaitVisible(`#name`))
		s.run(t, tab, "officer-error", chromedp.SetValue(`#name`, "Priya Shah"), chromedp.Click(`main form button[type=submit]`),
			chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "Email address")
		s.run(t, tab, "officer-added", chromedp.SetValue(`#email`, "priya.shah@gloucestershire.police.uk"),
			chromedp.SetValue(`#force`, "gloucestershire"), chromedp.Click(`input[name=roles][value=iom_officer]`, chromedp.ByQuery),
			chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, "#officer-roles", "IOM officer")
		s.run(t, tab, "token-issued", chromedp.Click(`#issue-token`), chromedp.WaitVisible(`#issued-token`))
		s.run(t, tab, "jobs", chromedp.Navigate(s.base+"/jobs"), chromedp.WaitVisible(`#jobs`))
		s.run(t, tab, "job-preview", chromedp.Click(`#preview-job`), chromedp.WaitVisible(`#preview`))
		s.wantText(t, tab, "#preview", "Preview")
	})

	t.Run("chair holds a tasking meeting", func(t *testing.T) {
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "meetings", chromedp.Navigate(s.base+"/meetings"), chromedp.WaitVisible(`#held_on`))
		s.run(t, tab, "meeting", chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-summary-card`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Meeting started")
		// Each order's card links to its own decision page, which carries
		// the officer lists (the cards carry none).
		var lists int
		if err := chromedp.Run(tab, chromedp.Evaluate(`document.querySelectorAll('.govuk-summary-card select').length`, &lists)); err != nil {
			t.Fatal(err)
		}
		if lists != 0 {
			t.Errorf("the meeting's order cards carry %d lists", lists)
		}
		var meeting, first string
		if err := chromedp.Run(tab, chromedp.Location(&meeting), chromedp.AttributeValue(`.govuk-summary-card`, "id", &first, nil, chromedp.ByQuery)); err != nil {
			t.Fatal(err)
		}
		meeting, _, _ = strings.Cut(meeting, "?")
		card := "#" + first
		s.run(t, tab, "decision-page", chromedp.Click(card+` a[href$="/decision"]`, chromedp.ByQuery), chromedp.WaitVisible(`#decision-form`))
		s.wantText(t, tab, "h1", "Record a decision on")
		// The new owner is one of the officers of the owner role chosen:
		// the other roles' officers are not offered.
		for _, role := range []string{"", "orders_officer"} {
			var offered []string
			if err := chromedp.Run(tab, chromedp.Evaluate(`(() => {
				const role = document.querySelector('#role')
				if (`+fmt.Sprintf("%q", role)+`) { role.value = `+fmt.Sprintf("%q", role)+`; role.dispatchEvent(new Event('change')) }
				return [role.value, ...[...document.querySelectorAll('#officer_id optgroup')].filter(g => !g.disabled).map(g => g.dataset.appOwnerRole)]
			})()`, &offered)); err != nil {
				t.Fatal(err)
			}
			if len(offered) != 2 || offered[0] != offered[1] {
				t.Errorf("the owner role chosen, then the roles whose officers are offered: %v", offered)
			}
		}
		// An action with nobody named: the error summary on the decision
		// page, its link to the field, the values kept; then the fix.
		s.run(t, tab, "decision-error", chromedp.SetValue(`#decision`, "action"), chromedp.SetValue(`#notes`, "Visit the address."),
			chromedp.Submit(`#decision-form`), chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "Officer to act is required")
		s.wantText(t, tab, "h1", "Record a decision on")
		var kept string
		if err := chromedp.Run(tab, chromedp.Value(`#notes`, &kept, chromedp.ByQuery)); err != nil || kept != "Visit the address." {
			t.Errorf("the notes after the error: %q (%v)", kept, err)
		}
		if err := chromedp.Run(tab, chromedp.Click(`.govuk-error-summary a[href="#action_by"]`, chromedp.ByQuery)); err != nil {
			t.Errorf("the error summary does not link to the officer to act: %v", err)
		}
		s.run(t, tab, "decision", chromedp.SetValue(`#decision`, "note"), chromedp.SetValue(`#notes`, "Discussed; owner to be found."),
			chromedp.Submit(`#decision-form`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Decision recorded")
		// Back on the meeting's page, at the order.
		var at string
		if err := chromedp.Run(tab, chromedp.Location(&at)); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(at, meeting) || !strings.HasSuffix(at, card) {
			t.Errorf("after the decision the chair is at %s, want %s at %s", at, meeting, card)
		}
		s.wantText(t, tab, card, "Discussed; owner to be found.")
		// The note was wrong: corrected, with why; the original stays, marked.
		s.run(t, tab, "correction-page", chromedp.Click(card+` a[href$="/decision"]`, chromedp.ByQuery), chromedp.WaitVisible(`#corrects`))
		var wrong string
		if err := chromedp.Run(tab, chromedp.Evaluate(`document.querySelector('#corrects').options[1].value`, &wrong)); err != nil {
			t.Fatal(err)
		}
		s.run(t, tab, "correction", chromedp.SetValue(`#decision`, "note"),
			chromedp.SetValue(`#notes`, "Discussed; the LRO finds an owner by Friday."), chromedp.SetValue(`#corrects`, wrong),
			chromedp.SetValue(`#reason`, "Minuted the wrong follow-up."),
			chromedp.Submit(`#decision-form`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, card, "Corrected")
		// Not yet recorded as the chair: signing is refused with a reason.
		s.run(t, tab, "sign-off-refused", chromedp.Submit(`#sign-off`), chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "chair")
	})

	t.Run("regional lead opens a force's agenda and cannot change it", func(t *testing.T) {
		tab := s.tab(t, domain.RoleRegional, "")
		s.run(t, tab, "region", chromedp.Navigate(s.base+"/region"), chromedp.WaitVisible(`#region`))
		s.wantText(t, tab, "#force-dorset", "13")
		s.run(t, tab, "regional-agenda", chromedp.Click(`#force-gloucestershire a`, chromedp.ByQuery), chromedp.WaitVisible(`#agenda-unowned`))
		s.wantText(t, tab, "h1", "Gloucestershire")
		var forms, allocate int
		if err := chromedp.Run(tab, chromedp.Evaluate(`document.querySelectorAll('main form[method=post]').length`, &forms),
			chromedp.Evaluate(`document.querySelectorAll('a[href*="/owners/"]').length`, &allocate)); err != nil {
			t.Fatal(err)
		}
		if forms != 0 || allocate != 0 { // the day to show it for is a GET form, which changes nothing
			t.Errorf("the regional lead's agenda has %d forms that change something and %d allocation links", forms, allocate)
		}
	})

	t.Run("regional lead holds a regional meeting and signs its minutes", func(t *testing.T) {
		tab := s.tab(t, domain.RoleRegional, "")
		leads, _, err := s.store.ListOfficers(context.Background(), domain.OfficerFilter{Role: domain.RoleRegional}, domain.Page{Limit: 500})
		if err != nil || len(leads) == 0 {
			t.Fatalf("no regional lead: %v", err)
		}
		// A Gloucestershire meeting escalated an order to the region.
		fm, err := s.store.OpenMeeting(ctx, "gloucestershire", s.store.Today())
		if err != nil || len(fm.Orders) < 2 {
			t.Fatalf("a Gloucestershire meeting to escalate from: %v", err)
		}
		notes := "No owner after two cycles."
		if _, err := s.store.Decide(ctx, fm.ID, domain.Decision{ItemID: fm.Orders[1].ItemFor(domain.DecisionEscalate),
			Decision: domain.DecisionEscalate, Notes: &notes}); err != nil {
			t.Fatal(err)
		}
		s.run(t, tab, "regional-meetings", chromedp.Navigate(s.base+"/meetings"), chromedp.WaitVisible(`#regional-meeting`))
		s.run(t, tab, "regional-meeting", chromedp.Submit(`#regional-meeting`), chromedp.WaitVisible(`#sign-off`))
		s.wantText(t, tab, "h1", "regional meeting")
		// Each step starts from the meeting's own address, with no banner,
		// so the next success banner is the step's.
		var at string
		if err := chromedp.Run(tab, chromedp.Location(&at)); err != nil {
			t.Fatal(err)
		}
		meeting, _, _ := strings.Cut(at, "?")
		// The escalated order's card links to its decision page, which
		// offers the officers of its force who may act.
		card := "#order-" + fm.Orders[1].OrderID
		s.wantText(t, tab, card, notes)
		s.run(t, tab, "regional-decision-page", chromedp.Click(card+` a[href$="/decision"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#decision-form`))
		s.wantText(t, tab, "label[for=action_by]", "Gloucestershire")
		s.run(t, tab, "regional-decision", chromedp.SetValue(`#decision`, "note"), chromedp.SetValue(`#notes`, "The force allocates by Friday."),
			chromedp.Submit(`#decision-form`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Decision recorded")
		s.wantText(t, tab, card, "The force allocates by Friday.")
		s.run(t, tab, "regional-attendance", chromedp.Navigate(meeting), chromedp.WaitVisible(`#sign-off`),
			chromedp.Click(`main details summary`, chromedp.ByQuery),
			chromedp.SetValue(`#chair_id`, leads[0].ID, chromedp.ByQuery),
			chromedp.Submit(`form[action$="/attendance"]`, chromedp.ByQuery), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Attendance recorded")
		s.run(t, tab, "regional-signed", chromedp.Navigate(meeting), chromedp.WaitVisible(`#sign-off`),
			chromedp.Submit(`#sign-off`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Minutes signed")
		s.run(t, tab, "regional-meetings-listed", chromedp.Navigate(s.base+"/meetings"), chromedp.WaitVisible(`#regional-meetings`))
		s.wantText(t, tab, "#regional-meetings", "Signed")
	})

	t.Run("chair accepts a transfer from another force", func(t *testing.T) {
		incoming, _, err := s.store.ListTransfers(ctx, domain.TransferFilter{Force: "gloucestershire", Direction: "incoming",
			Status: domain.TransferRequested}, domain.Page{Limit: 10})
		if err != nil || len(incoming) == 0 {
			t.Fatalf("no transfer waiting for Gloucestershire: %v", err)
		}
		tr := incoming[0]
		if tr.FromForce != "avon-and-somerset" || len(tr.Orders) == 0 {
			t.Fatalf("the demo's transfer is from %s with %d orders", tr.FromForce, len(tr.Orders))
		}
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "agenda-transfers", chromedp.Navigate(s.base+"/tasking"), chromedp.WaitVisible(`#agenda-transfers`))
		s.wantText(t, tab, "#agenda-transfers", "Avon and Somerset Police")
		s.run(t, tab, "transfer", chromedp.Click(`#agenda-transfers a[href="/transfers/`+tr.ID+`"]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#accept`))
		s.wantText(t, tab, "h1", tr.SubjectName)
		s.run(t, tab, "transfer-decline-error", chromedp.Click(`#decline`), chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "Reason is required")
		s.run(t, tab, "transfer-accepted", chromedp.Click(`#accept`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Transfer accepted: "+tr.SubjectName)
		for _, o := range tr.Orders {
			if o.Status == domain.StatusActive {
				s.wantText(t, tab, "#agenda-unowned", o.Reference)
			}
		}
	})

	t.Run("chair names cover for an absent officer from the workload view", func(t *testing.T) {
		officers, _, err := s.store.ListOfficers(ctx, domain.OfficerFilter{Force: "gloucestershire"}, domain.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var josh domain.Officer
		for _, o := range officers {
			if o.Name == "Josh Baylis" {
				josh = o
			}
		}
		if josh.ID == "" {
			t.Fatal("no Josh Baylis in the demo")
		}
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "agenda-for-workload", chromedp.Navigate(s.base+"/tasking"), chromedp.WaitVisible(`#workload-link`))
		s.run(t, tab, "workload", chromedp.Click(`#workload-link`), chromedp.WaitVisible(`#workload`))
		s.wantText(t, tab, "#officer-"+josh.ID, "Away")
		s.run(t, tab, "officer-absent", chromedp.Click(`#officer-`+josh.ID+` a`, chromedp.ByQuery), chromedp.WaitVisible(`#absences`))
		s.wantText(t, tab, "#absences", "Nobody")
		s.run(t, tab, "absence-change", chromedp.Click(`#absences a[href*="/absences/"]`, chromedp.ByQuery), chromedp.WaitVisible(`#cover_officer_id`))
		var cover string
		if err := chromedp.Run(tab, chromedp.Evaluate(`document.querySelector('#cover_officer_id').options[1].text.split(' (')[0]`, &cover)); err != nil {
			t.Fatal(err)
		}
		s.run(t, tab, "absence-covered", chromedp.SetValue(`#cover_officer_id`, firstOption(t, tab, "#cover_officer_id")),
			chromedp.Click(`#save-absence`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Absence changed")
		s.wantText(t, tab, "#absences", cover)
	})

	t.Run("orders officer records a variation then a breach", func(t *testing.T) {
		// A Gloucestershire order in force, not the interim one.
		orders, _, err := s.store.ListOrders(ctx, domain.OrderFilter{Force: "gloucestershire", Status: domain.StatusActive}, domain.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var order domain.Order
		for _, o := range orders {
			if !o.Interim && len(o.Terms) > 0 && o.Conviction != nil {
				order = o
				break
			}
		}
		if order.ID == "" {
			t.Fatal("no Gloucestershire Crown Court order in force")
		}
		tab := s.tab(t, domain.RoleOrdersOfficer, "gloucestershire")
		s.run(t, tab, "order-legal", chromedp.Navigate(s.base+"/orders/"+order.ID), chromedp.WaitVisible(`#legal-history`))
		s.wantText(t, tab, "#conviction", order.Conviction.Offences[0])
		s.run(t, tab, "variation-form", chromedp.Click(`#variation-link`), chromedp.WaitVisible(`#applicant`))
		s.run(t, tab, "variation-error", chromedp.Click(`#applicant`), chromedp.Click(`#outcome`),
			chromedp.SetValue(`#text`, "Not to possess more than two mobile phones, one of them for work."),
			chromedp.Click(`#record-variation`), chromedp.WaitVisible(`.govuk-error-summary`))
		s.wantText(t, tab, ".govuk-error-summary", "The term must be chosen")
		s.run(t, tab, "variation-recorded", chromedp.Click(`#term_id`), chromedp.Click(`#record-variation`),
			chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Variation recorded")
		s.wantText(t, tab, "#terms-on", "one of them for work")
		s.wantText(t, tab, "#events", "Varied")
		s.run(t, tab, "breach-form", chromedp.Click(`#breach-link`), chromedp.WaitVisible(`#description`))
		s.run(t, tab, "breach-recorded", chromedp.Click(`#term_ids`), chromedp.SetValue(`#description`, "Three phones found at a home visit."),
			chromedp.Click(`#action`), chromedp.Click(`#record-breach`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Breach recorded")
		s.wantText(t, tab, "#events", "Breach recorded")
		s.wantText(t, tab, "#breaches", "Three phones found at a home visit.")
	})

	t.Run("IOM officer records a breach found at a check", func(t *testing.T) {
		// A Gloucestershire order in force with terms; a device check due today.
		orders, _, err := s.store.ListOrders(ctx, domain.OrderFilter{Force: "gloucestershire", Status: domain.StatusActive}, domain.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var order domain.Order
		for _, o := range orders {
			if !o.Interim && len(o.Terms) > 0 {
				order = o // the last such: the variation journey takes the first with a conviction
			}
		}
		if order.ID == "" {
			t.Fatal("no Gloucestershire order in force with terms")
		}
		if _, err := s.store.ScheduleCheck(ctx, order.ID, domain.Check{Kind: "device", DueOn: domain.DateOf(time.Now(), time.UTC)}); err != nil {
			t.Fatal(err)
		}
		tab := s.tab(t, domain.RoleIOMOfficer, "gloucestershire")
		s.run(t, tab, "order", chromedp.Navigate(s.base+"/orders/"+order.ID), chromedp.WaitVisible(`#checks`))
		s.run(t, tab, "check-form", chromedp.Click(`#checks a[href$="/outcome"]`), chromedp.WaitVisible(`#outcome`))
		s.run(t, tab, "not-compliant", chromedp.Click(`#outcome-1`), chromedp.SetValue(`#notes`, "A second phone, not notified."),
			chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, "#checks", "Breach decision due")
		s.run(t, tab, "breach-form", chromedp.Click(`#checks a[href*="found_by_check"]`), chromedp.WaitVisible(`#found-by-check`))
		s.wantText(t, tab, "#found-by-check", "Found at the Device check")
		s.run(t, tab, "breach-recorded", chromedp.Click(`#term_ids`), chromedp.SetValue(`#description`, "A second phone at a home visit."),
			chromedp.Click(`#action-1`), chromedp.Click(`#record-breach`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Breach recorded")
		s.wantText(t, tab, "#checks", "Breach recorded")
		if o, err := s.store.GetOrder(ctx, order.ID); err != nil || slices.Contains(o.OpenFlags, domain.FlagBreachDecisionDue) {
			t.Errorf("breach_decision_due after the breach found at the check: %v (%v)", o.OpenFlags, err)
		}
	})

	// Last, as it adds a national register's worth of orders to the force.
	t.Run("chair moves a leaver's orders to a colleague", func(t *testing.T) {
		iom, _, err := s.store.ListOfficers(ctx, domain.OfficerFilter{Role: domain.RoleIOMOfficer, Force: "gloucestershire"}, domain.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		leaver, colleague := "", ""
		for _, o := range iom {
			if cl, err := s.store.Caseload(ctx, o.ID, s.store.Today(), domain.Page{Limit: 1}); err == nil && cl.Summary.Orders > 0 && o.Active && leaver == "" {
				leaver = o.ID
			} else if o.Active && colleague == "" {
				colleague = o.ID
			}
		}
		if leaver == "" || colleague == "" {
			t.Fatal("no Gloucestershire IOM officer holds an order, or none to take them")
		}
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "leaver", chromedp.Navigate(s.base+"/officers/"+leaver), chromedp.WaitVisible(`#reassign-link`))
		s.run(t, tab, "leaver-orders", chromedp.Click(`#caseload-link`), chromedp.WaitVisible(`#officer-orders`))
		s.run(t, tab, "leaver-again", chromedp.Navigate(s.base+"/officers/"+leaver), chromedp.WaitVisible(`#reassign-link`))
		s.run(t, tab, "reassign-form", chromedp.Click(`#reassign-link`), chromedp.WaitVisible(`#to_officer_id`))
		s.run(t, tab, "reassign-preview", chromedp.SetValue(`#to_officer_id`, colleague),
			chromedp.SetValue(`#reason`, "Leaving the force."), chromedp.Click(`#reassign-preview`), chromedp.WaitVisible(`#preview`))
		s.wantText(t, tab, "#preview", "Nothing was changed")
		s.run(t, tab, "reassigned", chromedp.Click(`#reassign-submit`), chromedp.WaitVisible(`.govuk-notification-banner--success`))
		s.wantText(t, tab, ".govuk-notification-banner--success", "Orders reassigned")
		var holds string
		if err := chromedp.Run(tab, chromedp.Text(`#officer-holds`, &holds)); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(holds) != "0" {
			t.Errorf("after the move the leaver holds %q, want 0", holds)
		}
	})

	t.Run("chair reads another force's policy", func(t *testing.T) {
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "policy-read-only", chromedp.Navigate(s.base+"/forces/dorset/policy"), chromedp.WaitVisible(`#policy-settings`))
		s.wantText(t, tab, "#policy-read-only", "Only an administrator of Dorset Police")
	})

	t.Run("chair pages through a long agenda", func(t *testing.T) {
		if _, err := s.store.GenerateOrders(ctx, 9000, s.store.Today()); err != nil {
			t.Fatal(err)
		}
		for _, job := range domain.JobNames {
			if _, err := s.store.RunJob(ctx, job, s.store.Today(), nil); err != nil {
				t.Fatal(err)
			}
		}
		tab := s.tab(t, domain.RoleTaskingChair, "gloucestershire")
		s.run(t, tab, "meetings", chromedp.Navigate(s.base+"/meetings"), chromedp.WaitVisible(`#held_on`))
		s.run(t, tab, "long-agenda", chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#agenda-page`))
		s.wantText(t, tab, "#agenda-page", "Showing 100 of")
		s.run(t, tab, "long-agenda-next", chromedp.Click(`a[rel=next]`, chromedp.ByQuery),
			chromedp.WaitVisible(`a[rel=prev]`, chromedp.ByQuery))
		s.wantText(t, tab, "a[rel=prev]", "First page")
		s.wantText(t, tab, "#agenda-page", "Showing orders 101 to")

		// A section of the agenda past its first 25 items, and a search
		// matching more subjects than a page holds.
		s.run(t, tab, "agenda-section", chromedp.Navigate(s.base+"/tasking"),
			chromedp.Click(`p[id^=showing-] a`, chromedp.ByQuery), chromedp.WaitVisible(`p[id^=showing-]`, chromedp.ByQuery))
		s.wantText(t, tab, "p[id^=showing-]", "Showing items 26 to ")
		s.run(t, tab, "find-many", chromedp.Navigate(s.base+"/find?q=e"), chromedp.WaitVisible(`#subjects-showing`))
		s.wantText(t, tab, "#subjects-showing", "More subjects match")
		s.run(t, tab, "find-next", chromedp.Click(`a[rel=next]`, chromedp.ByQuery), chromedp.WaitVisible(`#subjects-showing`))
		s.wantText(t, tab, "#subjects-showing", "Showing subjects 51 to")
		s.wantText(t, tab, ".govuk-pagination__prev", "First page")
	})

	t.Run("administrator pages through the officers", func(t *testing.T) {
		// The long agenda's generated officers are more than a page; the
		// national administrator sees them all.
		if _, err := s.store.CreateOfficer(ctx, domain.Officer{Name: "Sam Lister", Email: "sam.lister@scpo.example",
			Roles: []string{domain.RoleAdmin}, Active: true}); err != nil {
			t.Fatal(err)
		}
		tab := s.tab(t, domain.RoleAdmin, "")
		s.run(t, tab, "officers-first", chromedp.Navigate(s.base+"/officers"), chromedp.WaitVisible(`#officers-showing`))
		s.wantText(t, tab, "#officers-showing", "Showing officers 1 to 50")
		s.run(t, tab, "officers-next", chromedp.Click(`a[rel=next]`, chromedp.ByQuery), chromedp.WaitVisible(`#officers-showing`))
		s.wantText(t, tab, "#officers-showing", "Showing officers 51 to 100")
	})
}

// firstOption is the value of a select's first real option.
func firstOption(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	var v string
	if err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).options[1].value`, sel), &v)); err != nil {
		t.Fatal(err)
	}
	return v
}
