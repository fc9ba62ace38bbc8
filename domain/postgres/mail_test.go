package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
	"scpo/domain/smtpmail"
)

// mailServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that
// keeps what it accepts; refuse, when set, answers each DATA by attempt
// number (from 1) with an error or nil to accept.
type mailServer struct {
	mu       sync.Mutex
	got      []mailGot
	attempts int
	refuse   func(attempt int) error
	addr     string
}

type mailGot struct{ to, data string }

func startMailServer(t testing.TB) *mailServer {
	t.Helper()
	m := &mailServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return m
}

func (m *mailServer) mailer(t testing.TB) *smtpmail.Mailer {
	t.Helper()
	mailer, err := smtpmail.New("smtp://"+m.addr, "scpo-register@police.example")
	if err != nil {
		t.Fatal(err)
	}
	return mailer
}

func (m *mailServer) messages() []mailGot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mailGot(nil), m.got...)
}

type mailSession struct {
	m  *mailServer
	to string
}

func (s *mailSession) Reset()                                    {}
func (s *mailSession) Logout() error                             { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.attempts++
	if s.m.refuse != nil {
		if err := s.m.refuse(s.m.attempts); err != nil {
			return err
		}
	}
	s.m.got = append(s.m.got, mailGot{to: s.to, data: string(b)})
	return nil
}

func orderLink(id string) string { return "https://scpo.police.example/orders/" + id }

// namedSubject has a name, date of birth and PNC ID a message must never carry.
func namedSubject(t *testing.T, s *postgres.Store, serial int) domain.Subject {
	t.Helper()
	sub, err := s.CreateSubject(context.Background(), domain.Subject{FirstNames: "Dean", LastName: fmt.Sprintf("Carterson%d", serial),
		Aliases: []string{"Deano"}, DateOfBirth: domain.NewDate(1986, 4, 2), PNCID: pncFor(serial), Force: "gloucestershire",
		Custody: community()})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// storesOn opens n stores (replicas) on one fresh database with one clock.
func storesOn(t testing.TB, n int) []*postgres.Store {
	t.Helper()
	url := pgtest.URL(t)
	clock := &testClock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	var out []*postgres.Store
	for range n {
		s, err := postgres.Open(context.Background(), url, clock, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		clocks.Store(s, clock)
		t.Cleanup(func() { s.Close(); clocks.Delete(s) })
		out = append(out, s)
	}
	return out
}

// mailFixture: two IOM officers in Gloucestershire, each given two orders
// (so two order_allocated events each).
type mailFixture struct {
	officers []domain.Officer
	subjects []domain.Subject
	orders   []domain.Order
}

func newMailFixture(t *testing.T, s *postgres.Store) mailFixture {
	t.Helper()
	ctx := context.Background()
	var f mailFixture
	for i := range 2 {
		f.officers = append(f.officers, mustOfficer(t, s, fmt.Sprintf("iom%d@glos.police.uk", i), ptr("gloucestershire"), domain.RoleIOMOfficer))
	}
	for i := range 4 {
		sub := namedSubject(t, s, 7100+i)
		o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
		f.subjects, f.orders = append(f.subjects, sub), append(f.orders, o)
		if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerIOM, OfficerID: f.officers[i%2].ID,
			Reason: "allocated at tasking"}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f mailFixture) assertNoPersonalData(t *testing.T, body string) {
	t.Helper()
	for _, sub := range f.subjects {
		short := sub.PNCID[2:] // 2015/0007100X → 15/0007100X
		for _, bad := range []string{sub.FirstNames, sub.LastName, "Deano", "1986-04-02", "02/04/1986", "2 April 1986", sub.PNCID, short} {
			if strings.Contains(body, bad) {
				t.Errorf("message carries personal data %q:\n%s", bad, body)
			}
		}
	}
}

func TestDigestContentOnePerOfficer(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newMailFixture(t, s)
	mail := startMailServer(t)

	made, err := s.ComposeDigests(ctx, today, orderLink)
	if err != nil {
		t.Fatal(err)
	}
	if made.Messages != 2 || made.Events != 4 {
		t.Fatalf("composed %+v, want 2 messages telling 4 events", made)
	}
	got, err := s.DeliverMail(ctx, mail.mailer(t), domain.DefaultMailRetry, 10)
	if err != nil || got.Sent != 2 {
		t.Fatalf("delivered %+v, %v; want 2 sent", got, err)
	}
	msgs := mail.messages()
	if len(msgs) != 2 {
		t.Fatalf("server received %d messages, want 2", len(msgs))
	}
	for _, m := range msgs {
		mine := -1
		for i, o := range f.officers {
			if m.to == o.Email {
				mine = i
			}
		}
		if mine < 0 {
			t.Fatalf("message to %q, not one of the officers", m.to)
		}
		// The officer's two orders, by reference and link; not the others'.
		for i, o := range f.orders {
			has := strings.Contains(m.data, "Order "+o.Reference+" allocated to you as IOM officer") && strings.Contains(m.data, orderLink(o.ID))
			if has != (i%2 == mine) {
				t.Errorf("message to %s: tells order %s = %v\n%s", m.to, o.Reference, has, m.data)
			}
		}
		for _, want := range []string{"Subject: SCPO register: 2 update(s) for 2026-11-25", "Orders allocated to you"} {
			if !strings.Contains(m.data, want) {
				t.Errorf("message lacks %q:\n%s", want, m.data)
			}
		}
		f.assertNoPersonalData(t, m.data)
	}
	// A second pass the same day makes no second digest, even with a new event.
	sub := namedSubject(t, s, 7200)
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: domain.OwnerIOM, OfficerID: f.officers[0].ID, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if made, err := s.ComposeDigests(ctx, today, orderLink); err != nil || made.Messages != 0 {
		t.Fatalf("second digest the same day: %+v, %v", made, err)
	}
	// The next day's digest tells it.
	if made, err := s.ComposeDigests(ctx, today.AddDays(1), orderLink); err != nil || made.Messages != 1 || made.Events != 1 {
		t.Fatalf("next day's digest: %+v, %v", made, err)
	}
}

// Three replicas compose and deliver at once on one database: each officer
// gets exactly one digest.
func TestDigestOncePerOfficerWithThreeReplicas(t *testing.T) {
	stores := storesOn(t, 3)
	ctx := context.Background()
	var officers []domain.Officer
	for i := range 6 {
		o := mustOfficer(t, stores[0], fmt.Sprintf("lro%d@glos.police.uk", i), ptr("gloucestershire"), domain.RoleLRO)
		officers = append(officers, o)
		for j := range 3 {
			sub := namedSubject(t, stores[0], 7300+i*10+j)
			ord := mustOrder(t, stores[0], onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
			if _, err := stores[0].AssignOwner(ctx, domain.OwnerChange{OrderID: ord.ID, Role: domain.OwnerLRO, OfficerID: o.ID, Reason: "r"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	mail := startMailServer(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 3)
	for _, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range 3 {
				if _, err := s.ComposeDigests(ctx, today, orderLink); err != nil {
					errs <- err
					return
				}
				if _, err := s.DeliverMail(ctx, mail.mailer(t), domain.DefaultMailRetry, 2); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, m := range mail.messages() {
		per[m.to]++
		if !strings.Contains(m.data, "3 update(s)") {
			t.Errorf("digest to %s does not tell all three events:\n%s", m.to, m.data)
		}
	}
	for _, o := range officers {
		if per[o.Email] != 1 {
			t.Errorf("%s received %d digests, want 1", o.Email, per[o.Email])
		}
	}
	if len(per) != len(officers) {
		t.Errorf("messages went to %v", per)
	}
}

func TestDeliveryRetriesThenSends(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newMailFixture(t, s)
	mail := startMailServer(t)
	// The server is busy twice (a 4xx), then accepts.
	mail.refuse = func(n int) error {
		if n <= 2 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}
	if _, err := s.ComposeDigests(ctx, today, orderLink); err != nil {
		t.Fatal(err)
	}
	policy := domain.MailRetry{Attempts: 5, Backoff: time.Minute, MaxBackoff: time.Hour}
	got, err := s.DeliverMail(ctx, mail.mailer(t), policy, 10)
	if err != nil || got.Retried != 2 || got.Sent != 0 {
		t.Fatalf("first pass %+v, %v; want both retried", got, err)
	}
	// Not due again until the backoff has passed.
	if got, err := s.DeliverMail(ctx, mail.mailer(t), policy, 10); err != nil || got != (postgres.MailDelivered{}) {
		t.Fatalf("pass before the backoff: %+v, %v", got, err)
	}
	clockOf(s).advance(time.Minute)
	if got, err := s.DeliverMail(ctx, mail.mailer(t), policy, 10); err != nil || got.Sent != 2 {
		t.Fatalf("pass after the backoff: %+v, %v; want 2 sent", got, err)
	}
	if n := len(mail.messages()); n != 2 {
		t.Fatalf("server kept %d messages, want 2", n)
	}
	if n := count(t, s, `SELECT count(*) FROM mail_messages WHERE status = 'sent' AND attempts = 2 AND last_error IS NULL`); n != 2 {
		t.Fatalf("%d messages sent on their second attempt, want 2", n)
	}
}

func TestPermanentRefusalIsDeadLettered(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	newMailFixture(t, s)
	mail := startMailServer(t)
	mail.refuse = func(int) error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	if _, err := s.ComposeDigests(ctx, today, orderLink); err != nil {
		t.Fatal(err)
	}
	got, err := s.DeliverMail(ctx, mail.mailer(t), domain.DefaultMailRetry, 10)
	if err != nil || got.Dead != 2 || got.Retried != 0 {
		t.Fatalf("%+v, %v; want both dead at once", got, err)
	}
	clockOf(s).advance(24 * time.Hour)
	if got, err := s.DeliverMail(ctx, mail.mailer(t), domain.DefaultMailRetry, 10); err != nil || got != (postgres.MailDelivered{}) {
		t.Fatalf("a dead message was tried again: %+v, %v", got, err)
	}
	mail.mu.Lock()
	attempts := mail.attempts
	mail.mu.Unlock()
	if attempts != 2 {
		t.Fatalf("server saw %d attempts, want 2 (one per message)", attempts)
	}
	if n := count(t, s, `SELECT count(*) FROM mail_messages WHERE status = 'dead' AND attempts = 1 AND last_error LIKE '%550%'`); n != 2 {
		t.Fatalf("%d dead messages with the refusal kept, want 2", n)
	}
}

// The retry limit leaves a message dead after its last attempt.
func TestRetryLimit(t *testing.T) {
	p := domain.MailRetry{Attempts: 3, Backoff: time.Minute, MaxBackoff: 3 * time.Minute}
	busy := &domain.MailRefused{Code: 451}
	for _, c := range []struct {
		attempt int
		err     error
		dead    bool
		wait    time.Duration
	}{
		{1, busy, false, time.Minute}, {2, errors.New("connection refused"), false, 2 * time.Minute},
		{3, busy, true, 0}, {1, &domain.MailRefused{Code: 550, Permanent: true}, true, 0},
		{2, busy, false, 2 * time.Minute},
	} {
		dead, wait := p.After(c.attempt, c.err)
		if dead != c.dead || wait != c.wait {
			t.Errorf("After(%d, %v) = %v, %v; want %v, %v", c.attempt, c.err, dead, wait, c.dead, c.wait)
		}
	}
	if _, wait := (domain.MailRetry{Attempts: 20, Backoff: time.Minute, MaxBackoff: time.Hour}).After(12, busy); wait != time.Hour {
		t.Errorf("backoff not capped: %v", wait)
	}
}

func TestImmediatePreference(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	off := mustOfficer(t, s, "off@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	now := mustOfficer(t, s, "now@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	daily := mustOfficer(t, s, "daily@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	if err := s.SetNotificationPref(ctx, off.ID, domain.NotifyOff); err != nil {
		t.Fatal(err)
	}
	if err := s.SetNotificationPref(ctx, now.ID, domain.NotifyImmediate); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, s.SetNotificationPref(ctx, now.ID, "hourly"), "mode")
	if m, err := s.NotificationPref(ctx, daily.ID); err != nil || m != domain.NotifyDigest {
		t.Fatalf("default preference %q, %v", m, err)
	}
	for i, o := range []domain.Officer{off, now, daily} {
		sub := namedSubject(t, s, 7400+i)
		ord := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
		if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: ord.ID, Role: domain.OwnerIOM, OfficerID: o.ID, Reason: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	made, err := s.ComposeImmediate(ctx, orderLink)
	if err != nil || made.Messages != 1 {
		t.Fatalf("immediate: %+v, %v; want one message", made, err)
	}
	if n := count(t, s, `SELECT count(*) FROM mail_messages WHERE kind = 'immediate' AND to_addr = ?`, now.Email); n != 1 {
		t.Fatalf("immediate messages to the officer who chose them: %d", n)
	}
	made, err = s.ComposeDigests(ctx, today, orderLink)
	if err != nil || made.Messages != 1 {
		t.Fatalf("digest: %+v, %v; want one message", made, err)
	}
	if n := count(t, s, `SELECT count(*) FROM mail_messages WHERE to_addr = ?`, off.Email); n != 0 {
		t.Fatalf("an officer who turned mail off got %d messages", n)
	}
	// Their events are kept until the retention ends, then pruned.
	if n := count(t, s, `SELECT count(*) FROM notification_events WHERE officer_id = ? AND message_id IS NULL`, off.ID); n != 1 {
		t.Fatalf("events kept for the officer who turned mail off: %d", n)
	}
	clockOf(s).advance(31 * 24 * time.Hour)
	events, _, err := s.PruneNotifications(ctx, clockOf(s).Now().Add(-30*24*time.Hour))
	if err != nil || events != 3 {
		t.Fatalf("pruned %d events, %v; want 3", events, err)
	}
	if n := count(t, s, `SELECT count(*) FROM mail_messages`); n != 2 {
		t.Fatalf("%d messages left; pending ones are kept", n)
	}
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// The outbox is written by the changes themselves: a flag raised on an
// owned order (pre_release as its own kind), an allocation, and an owner
// removed because they were deactivated.
func TestEventSources(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	iom := mustOfficer(t, s, "iom@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	lro := mustOfficer(t, s, "lro@glos.police.uk", ptr("gloucestershire"), domain.RoleLRO)
	soon := newSubject(t, s, 7501, "gloucestershire", custody(ptr(today.AddDays(30))))
	passed := newSubject(t, s, 7502, "gloucestershire", custody(ptr(today.AddDays(-2))))
	var orders []domain.Order
	for _, sub := range []domain.Subject{soon, passed} {
		o := mustOrder(t, s, onRelease(sub.ID, 36))
		orders = append(orders, o)
		for role, who := range map[string]domain.Officer{domain.OwnerIOM: iom, domain.OwnerLRO: lro} {
			if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: o.ID, Role: role, OfficerID: who.ID, Reason: "r"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.RunJob(ctx, domain.JobCustody, today, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateOfficer(ctx, lro.ID, nil, func(o *domain.Officer) error { o.Active = false; return nil }); err != nil {
		t.Fatal(err)
	}
	type ev struct{ Kind, Officer, Order, Subject string }
	var got []ev
	if err := s.DB().Raw(`SELECT kind, officer_id AS officer, order_id AS "order", subject FROM notification_events
		ORDER BY kind, officer_id, order_id`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	seen := map[ev]int{}
	for _, e := range got {
		seen[e]++
	}
	for _, w := range []ev{
		{domain.EventOrderAllocated, iom.ID, orders[0].ID, domain.OwnerIOM},
		{domain.EventOrderAllocated, lro.ID, orders[1].ID, domain.OwnerLRO},
		{domain.EventPreRelease, iom.ID, orders[0].ID, domain.FlagPreRelease},
		{domain.EventPreRelease, lro.ID, orders[0].ID, domain.FlagPreRelease},
		{domain.EventFlagRaised, iom.ID, orders[1].ID, domain.FlagReleaseDatePassed},
		{domain.EventOwnerRemoved, lro.ID, orders[0].ID, domain.OwnerLRO},
		{domain.EventOwnerRemoved, lro.ID, orders[1].ID, domain.OwnerLRO},
	} {
		if seen[w] != 1 {
			t.Errorf("event %+v written %d times, want once; all: %+v", w, seen[w], got)
		}
	}
	// A refused change writes nothing.
	before := len(got)
	if _, err := s.AssignOwner(ctx, domain.OwnerChange{OrderID: orders[0].ID, Role: domain.OwnerLRO, OfficerID: lro.ID, Reason: "r"}); err == nil {
		t.Fatal("a deactivated officer was given an order")
	}
	if n := count2(t, s); n != int64(before) {
		t.Fatalf("a refused change left %d events, had %d", n, before)
	}
}

func count2(t *testing.T, s *postgres.Store) int64 {
	return count(t, s, `SELECT count(*) FROM notification_events`)
}

// An action past its due date raises action_overdue on its order (the
// review sweep), tells the officer given it, puts the order on their
// caseload, and is resolved when the action is done.
func TestActionOverdue(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	iom := mustOfficer(t, s, "iom@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	sub := newSubject(t, s, 7601, "gloucestershire", community())
	o := mustOrder(t, s, onDate(sub.ID, domain.NewDate(2026, 7, 1), 36))
	if _, err := s.RunJob(ctx, domain.JobOwnership, today, nil); err != nil { // unowned: an agenda item
		t.Fatal(err)
	}
	m, err := s.OpenMeeting(ctx, "gloucestershire", today)
	if err != nil || len(m.Agenda) == 0 {
		t.Fatalf("meeting %+v, %v", m, err)
	}
	due := today.AddDays(3)
	d, err := s.Decide(ctx, m.ID, domain.Decision{ItemID: m.Agenda[0].ID, Decision: domain.DecisionAction,
		ActionBy: &domain.OfficerRef{ID: iom.ID}, DueBy: &due, Notes: ptr("Visit the home address")})
	if err != nil {
		t.Fatal(err)
	}
	sweep := func(day domain.Date) {
		t.Helper()
		clockOf(s).advanceTo(day)
		if _, err := s.RunJob(ctx, domain.JobReview, day, nil); err != nil {
			t.Fatal(err)
		}
	}
	open := `SELECT count(*) FROM flags WHERE kind = 'action_overdue' AND resolved_at IS NULL AND order_id = ?`
	sweep(due) // due today is not overdue
	if n := count(t, s, open, o.ID); n != 0 {
		t.Fatalf("flag raised on the due date")
	}
	sweep(due.AddDays(1))
	if n := count(t, s, open, o.ID); n != 1 {
		t.Fatalf("%d open action_overdue flags the day after the due date, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM notification_events WHERE kind = 'action_overdue' AND officer_id = ? AND subject = ?`,
		iom.ID, d.ID); n != 1 {
		t.Fatalf("the assignee was told %d times, want once", n)
	}
	cl, err := s.Caseload(ctx, iom.ID, due.AddDays(1), domain.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Items) != 1 || cl.Items[0].OrderID != o.ID || !slicesContains(cl.Items[0].OpenFlags, domain.FlagActionOverdue) ||
		!slicesContains(cl.Items[0].Roles, "action") {
		t.Fatalf("caseload %+v", cl.Items)
	}
	actx := domain.WithActor(ctx, iom)
	if _, err := s.SetActionStatus(actx, d.ID, domain.ActionUpdate{Status: domain.ActionDone, Note: "Visited", On: s.Today()}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, open, o.ID); n != 0 {
		t.Fatalf("the flag stayed open after the action was done")
	}
}

func slicesContains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// A digest tells what is new as it stands when it is composed: a flag
// raised and resolved since says so, as does an order that has ended
// since, and kinds are in words, not codes.
func TestDigestSaysWhatHasChangedSince(t *testing.T) {
	var b strings.Builder
	_, body := domain.ComposeMail([]domain.EventView{
		{Kind: domain.EventFlagRaised, OrderID: "1", Reference: "T1", Subject: domain.FlagReviewOverdue, Resolved: true},
		{Kind: domain.EventFlagRaised, OrderID: "2", Reference: "T2", Subject: domain.FlagUnowned},
		{Kind: domain.EventFlagRaised, OrderID: "3", Reference: "T3", Subject: domain.FlagCheckOverdue, Resolved: true,
			OrderEnded: domain.StatusDischarged},
	}, nil, func(string) string { return "" })
	b.WriteString(body)
	for _, want := range []string{"Review overdue: raised on order T1 (resolved since)", "No owner: raised on order T2\n",
		"Check overdue: raised on order T3 (the order has since ended: discharged)", "Mail from the register"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the message lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "review_overdue") || strings.Contains(b.String(), "/api/v1/") {
		t.Errorf("the message shows codes or API paths:\n%s", b.String())
	}
}

// Composed from the register as it stands: a flag the sweep raised and a
// review resolved before the digest went is told as resolved since; one
// still open is not.
func TestDigestTellsAFlagResolvedSince(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	f := newMailFixture(t, s)
	if _, err := s.ComposeDigests(ctx, today, orderLink); err != nil { // the allocations, out of the way
		t.Fatal(err)
	}
	if _, err := s.RunJob(ctx, domain.JobOwnership, today, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunJob(ctx, domain.JobReview, today, nil); err != nil {
		t.Fatal(err)
	}
	var raised []struct{ OrderID, Subject string }
	if err := s.DB().Raw(`SELECT order_id, subject FROM notification_events WHERE kind = 'flag_raised' AND message_id IS NULL
		ORDER BY order_id, subject`).Scan(&raised).Error; err != nil || len(raised) == 0 {
		t.Fatalf("flags raised for the fixture's owners: %v, %v", raised, err)
	}
	// Resolve the first by hand, as a change would have.
	if err := s.DB().Exec(`UPDATE flags SET resolved_at = now() WHERE order_id = ? AND kind = ? AND resolved_at IS NULL`,
		raised[0].OrderID, raised[0].Subject).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.ComposeDigests(ctx, today.AddDays(1), orderLink); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	if err := s.DB().Raw(`SELECT body FROM mail_messages WHERE digest_day = ?`, today.AddDays(1).Time).Scan(&bodies).Error; err != nil {
		t.Fatal(err)
	}
	all := strings.Join(bodies, "\n")
	var ref string
	for _, o := range f.orders {
		if o.ID == raised[0].OrderID {
			ref = o.Reference
		}
	}
	if want := domain.FlagName(raised[0].Subject) + ": raised on order " + ref + " (resolved since)"; !strings.Contains(all, want) {
		t.Errorf("the digests lack %q:\n%s", want, all)
	}
	if n := strings.Count(all, "(resolved since)"); n != 1 {
		t.Errorf("%d flags told as resolved since, want 1:\n%s", n, all)
	}
}

// A register's first sweep raises a flag on most of an officer's orders at
// once. The digest lists MailListed of a kind and counts the rest, tells
// the officer every event it took (none is left for the next day), and
// says the whole number in its subject.
func TestDigestListsSomeAndCountsTheRest(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	o := mustOfficer(t, s, "busy@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	quiet := mustOfficer(t, s, "quiet@glos.police.uk", ptr("gloucestershire"), domain.RoleIOMOfficer)
	flags := domain.MailListed + 15
	if err := s.DB().Exec(`INSERT INTO notification_events (kind, officer_id, subject, created_at)
		SELECT 'flag_raised', CAST(? AS uuid), 'review_overdue', now() FROM generate_series(1, ?) g
		UNION ALL SELECT 'cover_named', CAST(? AS uuid), 'Ann Lee', now()
		UNION ALL SELECT 'cover_named', CAST(? AS uuid), 'Bo Ray', now()`, o.ID, flags, o.ID, quiet.ID).Error; err != nil {
		t.Fatal(err)
	}
	made, err := s.ComposeDigests(ctx, today, orderLink)
	if err != nil {
		t.Fatal(err)
	}
	if made.Messages != 2 || made.Events != flags+2 {
		t.Fatalf("composed %+v, want 2 messages telling %d events", made, flags+2)
	}
	var waiting int
	if err := s.DB().Raw(`SELECT count(*) FROM notification_events WHERE message_id IS NULL`).Scan(&waiting).Error; err != nil {
		t.Fatal(err)
	}
	if waiting != 0 {
		t.Errorf("%d events left untold", waiting)
	}
	var msgs []struct{ ToAddr, Subject, Body string }
	if err := s.DB().Raw(`SELECT to_addr, subject, body FROM mail_messages ORDER BY to_addr`).Scan(&msgs).Error; err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	busy := msgs[0]
	if got := strings.Count(busy.Body, "- Review overdue: raised on order"); got != domain.MailListed {
		t.Errorf("digest lists %d flags one by one, want %d:\n%s", got, domain.MailListed, busy.Body)
	}
	for _, want := range []string{"- and 15 more: sign in to see them all on your caseload.", "Ann Lee"} {
		if !strings.Contains(busy.Body, want) {
			t.Errorf("digest lacks %q:\n%s", want, busy.Body)
		}
	}
	if want := fmt.Sprintf("SCPO register: %d update(s) for %s", flags+1, today); busy.Subject != want {
		t.Errorf("subject %q, want %q", busy.Subject, want)
	}
	if msgs[1].ToAddr != quiet.Email || !strings.Contains(msgs[1].Body, "Bo Ray") || strings.Contains(msgs[1].Body, "more") ||
		msgs[1].Subject != fmt.Sprintf("SCPO register: 1 update(s) for %s", today) {
		t.Errorf("the other officer's digest: %+v", msgs[1])
	}
}
