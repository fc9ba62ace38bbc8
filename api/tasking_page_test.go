package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// The whole agenda shows the first domain.TaskingPageDefault items of
// each section unless ?limit= asks for more (up to domain.TaskingPageMax);
// one section pages 50 at a time by default; and a section's cursor from
// the whole agenda pages on to exactly the rest of that section.
func TestTaskingPageSizes(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) {
		c.FailedAuthBurst = 1_000_000
		store = c.Store.(*postgres.Store)
	})
	ctx := context.Background()
	day := domain.NewDate(2026, 11, 25)
	if _, err := store.GenerateOrders(ctx, 8000, day); err != nil {
		t.Fatal(err)
	}
	for _, job := range domain.JobNames {
		if _, err := store.RunJob(ctx, job, day, nil); err != nil {
			t.Fatalf("%s: %v", job, err)
		}
	}
	var top struct {
		Force string
		Kind  string
		N     int
	}
	if err := store.DB().Raw(`SELECT force, kind, count(*) AS n FROM flags WHERE resolved_at IS NULL
		GROUP BY force, kind ORDER BY n DESC, force, kind LIMIT 1`).Scan(&top).Error; err != nil {
		t.Fatal(err)
	}
	if top.N <= domain.TaskingPageMax || top.N > 500 {
		t.Fatalf("the largest section has %d items; the test needs more than %d and at most 500", top.N, domain.TaskingPageMax)
	}
	t.Logf("%s in %s: %d items", top.Kind, top.Force, top.N)
	base := "/api/v1/reports/tasking?force=" + top.Force
	ids := func(r resp, kind string) []string {
		l, _ := get(r.Body, "sections."+kind).([]any)
		out := make([]string, len(l))
		for i, it := range l {
			out[i] = s(it, "order_id")
		}
		return out
	}
	whole := e.do(t, "GET", base+"&section="+top.Kind+"&limit=500", e.admin, "")
	want(t, whole, http.StatusOK)
	all := ids(whole, top.Kind)
	if len(all) != top.N || s(whole.Body, "next_cursors."+top.Kind) != "<nil>" {
		t.Fatalf("one page of 500: %d items, cursor %s; want %d and none", len(all), s(whole.Body, "next_cursors."+top.Kind), top.N)
	}
	for _, c := range []struct {
		query string
		n     int
	}{
		{"", domain.TaskingPageDefault},
		{"&limit=30", 30},
		{"&limit=500", domain.TaskingPageMax},
		{"&section=" + top.Kind, 50},
	} {
		r := e.do(t, "GET", base+c.query, e.admin, "")
		want(t, r, http.StatusOK)
		for _, kind := range domain.TaskingSections {
			if n := len(ids(r, kind)); n > c.n {
				t.Errorf("%q: %s has %d items, want at most %d", c.query, kind, n, c.n)
			}
		}
		got := ids(r, top.Kind)
		if d := cmp.Diff(all[:c.n], got); d != "" {
			t.Errorf("%q: %s (-first %d of the section +got):\n%s", c.query, top.Kind, c.n, d)
		}
		// The cursor pages on from there to the end of the section.
		for cursor := s(r.Body, "next_cursors."+top.Kind); cursor != "<nil>"; {
			p := e.do(t, "GET", base+"&section="+top.Kind+"&limit=500&cursor="+url.QueryEscape(cursor), e.admin, "")
			want(t, p, http.StatusOK)
			got = append(got, ids(p, top.Kind)...)
			cursor = s(p.Body, "next_cursors."+top.Kind)
		}
		if d := cmp.Diff(all, got); d != "" {
			t.Errorf("%q then its cursor: %s (-the section +paged):\n%s", c.query, top.Kind, d)
		}
	}
	// A cursor pages one section only.
	r := e.do(t, "GET", base, e.admin, "")
	want(t, r, http.StatusOK)
	wantFields(t, e.do(t, "GET", fmt.Sprintf("%s&cursor=%s", base, url.QueryEscape(s(r.Body, "next_cursors."+top.Kind))),
		e.admin, ""), http.StatusUnprocessableEntity, "cursor")
}

// The agenda links to the force's policy for every reader, who may read it
// (only its administrators change it).
func TestTaskingLinksThePolicyForEveryReader(t *testing.T) {
	e := newEnv(t)
	b, _ := e.signedIn(t, "iom_officer")
	p := b.get("/tasking")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, `href="/forces/gloucestershire/policy"`)
	wantStatus(t, b.get("/forces/gloucestershire/policy"), http.StatusOK)
}
