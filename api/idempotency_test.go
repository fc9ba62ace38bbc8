package api_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Issue item 6: a POST with an Idempotency-Key can be retried safely: the
// repeat gets the stored answer and changes nothing; the same key with a
// different body is 422; keys belong to one officer.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	order := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	path := "/api/v1/orders/" + order + "/reviews"
	body := js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})
	first := e.do(t, "POST", path, e.admin, body, "Idempotency-Key", "review-1")
	want(t, first, http.StatusCreated)
	again := e.do(t, "POST", path, e.admin, body, "Idempotency-Key", "review-1")
	want(t, again, http.StatusCreated)
	if s(again.Body, "id") != s(first.Body, "id") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("repeat answered %s, want the first answer replayed (%s)", again, first)
	}
	r := e.do(t, "GET", path, e.admin, "")
	want(t, r, http.StatusOK)
	if n := len(items(r)); n != 1 {
		t.Errorf("%d reviews after a repeated POST, want 1", n)
	}
	wantFields(t, e.do(t, "POST", path, e.admin, js(obj{"reviewed_on": today, "kind": "routine", "outcome": "concerns"}),
		"Idempotency-Key", "review-1"), http.StatusUnprocessableEntity, "Idempotency-Key")
	// Another officer's key of the same name is theirs.
	other := e.token(t, e.officer(t, "iom_officer"))
	want(t, e.do(t, "POST", path, other, body, "Idempotency-Key", "review-1"), http.StatusCreated)
	// Without a key, every POST is a new one.
	want(t, e.do(t, "POST", path, e.admin, body), http.StatusCreated)
	r = e.do(t, "GET", path, e.admin, "")
	if n := len(items(r)); n != 3 {
		t.Errorf("%d reviews, want 3", n)
	}
	wantFields(t, e.do(t, "POST", path, e.admin, body, "Idempotency-Key", "naïve"), http.StatusUnprocessableEntity, "Idempotency-Key")
}

// Repeats sent at once, before the first has answered: the change is made
// once, each repeat is told 409 (retry shortly) or replayed the first
// answer, none is a 500, and the key keeps the first answer for later
// repeats. A repeat's refusal once tried to claim the key for its own
// audit entry, failed on the first request's claim and answered 500; and
// a repeat's 409 could be stored as the key's answer in place of the
// first's.
func TestIdempotencyKeyRepeatsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	auditor := e.token(t, acOfficer(t, e, "", "auditor"))
	for round := range 3 {
		order := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
		path := "/api/v1/orders/" + order + "/reviews"
		body := js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})
		key := fmt.Sprintf("at-once-%d", round)
		const n = 8
		answers := make([]resp, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { answers[i] = e.do(t, "POST", path, e.admin, body, "Idempotency-Key", key) })
		}
		wg.Wait()
		created := ""
		var refused []string
		for _, a := range answers {
			switch a.Status {
			case http.StatusCreated:
				if created != "" && s(a.Body, "id") != created {
					t.Fatalf("round %d: two reviews created, %s and %s", round, created, s(a.Body, "id"))
				}
				created = s(a.Body, "id")
			case http.StatusConflict:
				if a.Header.Get("Idempotent-Replayed") != "" {
					t.Errorf("round %d: a 409 replayed as the key's answer: %s", round, a)
				}
				refused = append(refused, a.Header.Get("X-Request-Id"))
			default:
				t.Errorf("round %d: a repeat sent at once answered %s", round, a)
			}
		}
		if created == "" {
			t.Fatalf("round %d: no request created the review", round)
		}
		later := e.do(t, "POST", path, e.admin, body, "Idempotency-Key", key)
		want(t, later, http.StatusCreated)
		if s(later.Body, "id") != created || later.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("round %d: a later repeat answered %s; want the first answer (%s) replayed", round, later, created)
		}
		if r := e.do(t, "GET", path, e.admin, ""); len(items(r)) != 1 {
			t.Errorf("round %d: %d reviews after repeats sent at once, want 1", round, len(items(r)))
		}
		t.Logf("round %d: %d of %d repeats refused while the first ran", round, len(refused), n)
		// Each refused repeat is on the trail, as every refusal is.
		entries := auEntries(t, e, auditor, url.Values{"order": {order}})
		for _, id := range refused {
			if got := s(auFind(t, entries, id), "status"); got != "409" {
				t.Errorf("round %d: the refused repeat %s is on the trail with status %s", round, id, got)
			}
		}
	}
}

// brokenLine is a client connection that takes the status line and
// headers and then fails every write of the body, as one cut while the
// answer is sent.
type brokenLine struct {
	header http.Header
	status int
}

func (b *brokenLine) Header() http.Header  { return b.header }
func (b *brokenLine) WriteHeader(code int) { b.status = code }
func (b *brokenLine) Write([]byte) (int, error) {
	return 0, errors.New("write: connection reset by peer")
}

// A POST whose change is made but whose answer breaks off while it is
// sent keeps its answer under its Idempotency-Key: the answer was cut off
// (the response aborted) before the middleware stored it, so the retry a
// client makes on exactly that failure was told 409 "answer lost" for 24
// hours.
func TestIdempotentAnswerKeptWhenSendingItFails(t *testing.T) {
	t.Parallel()
	a := newAuditEnv(t, 1_000_000)
	order := s(a.order(t, s(a.subject(t, nil), "id"), nil), "id")
	path := "/api/v1/orders/" + order + "/reviews"
	body := js(obj{"reviewed_on": today, "kind": "routine", "outcome": "satisfactory"})

	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.admin)
	req.Header.Set("Idempotency-Key", "cut-1")
	line := &brokenLine{header: http.Header{}}
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Errorf("the broken answer ended with %v, want the response aborted", r)
			}
		}()
		a.handler.ServeHTTP(line, req)
	}()
	if line.status != http.StatusCreated {
		t.Fatalf("the first POST answered %d, want 201 (then broken off)", line.status)
	}

	again := a.do(t, "POST", path, a.admin, body, "Idempotency-Key", "cut-1")
	want(t, again, http.StatusCreated)
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the retry was not the first answer replayed: %s", again)
	}
	r := a.do(t, "GET", path, a.admin, "")
	want(t, r, http.StatusOK)
	if n := len(items(r)); n != 1 || s(items(r)[0], "id") != s(again.Body, "id") {
		t.Errorf("reviews %s after the retry, want the one the first POST made, %s", r, again)
	}
}
