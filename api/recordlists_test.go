package api_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"scpo/domain"
)

// Every list of one order's or one subject's records comes a page at a
// time, as the contract's lists do: ?limit= (default 50, at most 500) and
// the cursor the page before gave. Following next_cursor two at a time
// gives each list whole, once each, in the order of the whole list; a bad
// limit or cursor is refused naming it. (They answered everything, with
// next_cursor null, whatever limit asked for: 106 reviews for ?limit=5.)
func TestOrderAndSubjectListsComeAPageAtATime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), obj{"made_on": "2024-06-10", "starts_on": "2024-07-01", "duration_months": 60,
		"terms": []obj{{"category": "communications", "text": "One phone."}, {"category": "travel", "text": "No travel abroad."}}})
	id := s(ord, "id")
	path := "/api/v1/orders/" + id

	// More reviews than a default page, some on the same day.
	for i := range 56 {
		day := domain.NewDate(2025, 1, 1).AddDays(i / 2 * 7)
		want(t, e.do(t, "POST", path+"/reviews", e.admin, js(obj{"reviewed_on": day.String(), "kind": "routine",
			"outcome": "satisfactory", "notes": fmt.Sprintf("Review %d.", i)})), http.StatusCreated)
	}
	for _, due := range []string{"2026-12-01", "2026-12-15", "2027-01-05"} {
		want(t, e.do(t, "POST", path+"/checks", e.admin, js(obj{"kind": "home_visit", "due_on": due})), http.StatusCreated)
	}
	for range 3 {
		iom := e.officer(t, "iom_officer")
		want(t, e.do(t, "PUT", path+"/owners/iom", e.admin, js(obj{"officer_id": iom, "reason": "Allocated."})), http.StatusOK)
	}
	want(t, e.do(t, "POST", path+"/variations", e.admin, js(obj{"applicant": "applicant_authority", "court": "Bristol Crown Court",
		"heard_on": "2026-03-01", "outcome": "granted",
		"terms_changed": []obj{{"id": s(ord, "terms.0.id"), "category": "communications", "text": "Two phones, both notified."}}})),
		http.StatusCreated)
	for _, day := range []string{"2026-04-01", "2026-05-01"} {
		want(t, e.do(t, "POST", path+"/breaches", e.admin, js(obj{"occurred_on": day, "term_ids": []string{s(ord, "terms.0.id")},
			"description": "A third phone.", "action": "none"})), http.StatusCreated)
	}
	for _, day := range []string{"2026-10-26", "2026-11-02"} {
		want(t, e.do(t, "POST", path+"/extensions", e.admin, js(obj{"charge_kind": "serious_offence", "charged_on": day,
			"offence": "Conspiracy to supply class A drugs", "court": "Bristol Magistrates' Court"})), http.StatusCreated)
	}
	// Two decisions of a meeting on an unowned order.
	unowned := s(e.order(t, s(e.subject(t, nil), "id"), nil), "id")
	m, _ := e.decideOnUnowned(t, e.admin, "gloucestershire", unowned, obj{"decision": "note", "notes": "Noted."})
	for _, it := range m["agenda"].([]any) {
		if s(it, "order_id") == unowned {
			want(t, e.do(t, "POST", "/api/v1/meetings/"+s(m, "id")+"/decisions", e.admin,
				js(obj{"item_id": s(it, "id"), "decision": "no_action", "notes": "Owner to be found next week."})), http.StatusCreated)
		}
	}
	// Three spells in custody.
	prisoner, _ := olPrisoner(t, e)
	pid := s(prisoner, "id")
	want(t, olRelease(t, e, pid, obj{"status": "community", "release_date": "2026-11-01"}), http.StatusOK)
	want(t, olRelease(t, e, pid, inCustody("2027-06-01")), http.StatusOK)
	want(t, olRelease(t, e, pid, obj{"status": "community", "released_on": today}), http.StatusOK)
	want(t, olRelease(t, e, pid, inCustody("2027-09-01")), http.StatusOK)

	// A cursor of the right shape naming a day that does not exist.
	const someID = "019a0000-0000-7000-8000-000000000000"
	dayCursor := domain.EncodeKeyCursor("2026-02-30", someID)
	lists := []struct {
		name, path, key string
		atLeast         int
		forged          string
	}{
		{"reviews", path + "/reviews", "id", 56, dayCursor},
		{"events", path + "/events", "id", 60, domain.EncodeKeyCursor("2026-02-30", "true", "2026-11-25T10:00:00Z", someID)},
		{"checks", path + "/checks", "id", 3, dayCursor},
		{"owners history", path + "/owners/history", "id", 3, domain.EncodeKeyCursor("2026-11-25T25:00:00Z", someID)},
		{"term versions", path + "/terms/versions", "version_id", 3, domain.EncodeKeyCursor("2026-02-30", "0", "1", someID)},
		{"breaches", path + "/breaches", "id", 2, dayCursor},
		{"extensions", path + "/extensions", "id", 2, dayCursor},
		{"decisions", "/api/v1/orders/" + unowned + "/decisions", "decision.id", 2, domain.EncodeKeyCursor("yesterday", someID)},
		{"custody history", "/api/v1/subjects/" + pid + "/custody-history", "id", 3, domain.EncodeKeyCursor("2026-02-30", "2026-11-25T10:00:00Z", someID)},
	}
	for _, l := range lists {
		t.Run(l.name, func(t *testing.T) {
			keys := func(r resp) []string {
				var out []string
				for _, it := range items(r) {
					out = append(out, s(it, l.key))
				}
				return out
			}
			whole := e.do(t, "GET", l.path+"?limit=500", e.admin, "")
			want(t, whole, http.StatusOK)
			all := keys(whole)
			if len(all) < l.atLeast || s(whole.Body, "next_cursor") != "<nil>" {
				t.Fatalf("the whole list: %d items (want at least %d), next_cursor %s", len(all), l.atLeast, s(whole.Body, "next_cursor"))
			}
			// The default page is 50.
			first := e.do(t, "GET", l.path, e.admin, "")
			want(t, first, http.StatusOK)
			if n := min(len(all), 50); len(items(first)) != n || (len(all) > 50) != (s(first.Body, "next_cursor") != "<nil>") {
				t.Errorf("default page: %d items, next_cursor %s; want %d of %d", len(items(first)), s(first.Body, "next_cursor"), n, len(all))
			}
			var paged []string
			cursor := ""
			for n := 0; ; n++ {
				if n > len(all) {
					t.Fatal("paging never ends")
				}
				r := e.do(t, "GET", l.path+"?limit=2&cursor="+url.QueryEscape(cursor), e.admin, "")
				want(t, r, http.StatusOK)
				if len(items(r)) > 2 {
					t.Fatalf("?limit=2 answered %d items", len(items(r)))
				}
				paged = append(paged, keys(r)...)
				if cursor = s(r.Body, "next_cursor"); cursor == "<nil>" {
					break
				}
			}
			if !slices.Equal(paged, all) {
				t.Errorf("two at a time:\n %v\nthe whole list:\n %v", paged, all)
			}
			// A bad limit or cursor is refused by name, with any other.
			wantFields(t, e.do(t, "GET", l.path+"?limit=0", e.admin, ""), http.StatusUnprocessableEntity, "limit")
			wantFields(t, e.do(t, "GET", l.path+"?limit=ten&cursor=nope", e.admin, ""), http.StatusUnprocessableEntity, "limit", "cursor")
			// One of the right shape holding what no key holds reaches the
			// store, which refuses it too (not a database error).
			wantFields(t, e.do(t, "GET", l.path+"?cursor="+l.forged, e.admin, ""), http.StatusUnprocessableEntity, "cursor")
		})
	}
}

// An order reviewed for years: its page shows the latest ten reviews,
// events and timeline entries, says how many there are and links to a page
// of each list, paged by the API's cursor, where every one is found once.
// (It listed all 106 reviews and a 110-line timeline.)
func TestOrderPageShowsTheLatestFewAndLinksToTheRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ord := e.order(t, s(e.subject(t, nil), "id"), obj{"made_on": "2024-06-10", "starts_on": "2024-07-01", "duration_months": 60})
	id := s(ord, "id")
	const n = 56
	note := func(i int) string { return fmt.Sprintf("Seen at home, visit %02d.", i) }
	for i := range n {
		want(t, e.do(t, "POST", "/api/v1/orders/"+id+"/reviews", e.admin, js(obj{"reviewed_on": domain.NewDate(2024, 8, 1).AddDays(i * 10).String(),
			"kind": "routine", "outcome": "satisfactory", "notes": note(i)})), http.StatusCreated)
	}
	events := len(items(e.do(t, "GET", "/api/v1/orders/"+id+"/events?limit=500", e.admin, "")))
	if events <= n {
		t.Fatalf("%d events for %d reviews", events, n)
	}
	b, me := e.signedIn(t, "iom_officer")

	p := b.get("/orders/" + id)
	wantStatus(t, p, http.StatusOK)
	for i := range n {
		if shown := strings.Contains(p.Body, note(i)); shown != (i >= n-10) {
			t.Errorf("review %d shown on the order page: %v (the latest ten only)", i, shown)
		}
	}
	wantText(t, p, fmt.Sprintf("The latest 10 of %d reviews", n), `href="/orders/`+id+`/reviews"`, fmt.Sprintf("See all %d reviews", n),
		fmt.Sprintf("The latest 10 of %d events, oldest first", events), `href="/orders/`+id+`/events"`, fmt.Sprintf("See all %d events", events))
	timeline := p.Body[strings.Index(p.Body, `id="timeline"`):]
	timeline = timeline[:strings.Index(timeline, "</ol>")]
	if got := strings.Count(timeline, "<li>"); got != 10 {
		t.Errorf("the timeline shows %d entries, want the latest 10", got)
	}
	if !strings.Contains(timeline, "Routine review: satisfactory") {
		t.Errorf("the timeline's latest entries are not the latest reviews:\n%s", timeline)
	}

	// Every review, a page of 50 after another, each once, newest first.
	rows := regexp.MustCompile(`Seen at home, visit (\d+)\.`)
	var seen []string
	next := "/orders/" + id + "/reviews"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("the reviews' pages never end")
		}
		p := b.get(next)
		wantStatus(t, p, http.StatusOK)
		wantText(t, p, fmt.Sprintf("%d reviews, newest first", n))
		for _, m := range rows.FindAllStringSubmatch(p.Body, -1) {
			seen = append(seen, m[1])
		}
		next = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.Body); m != nil {
			next = html.UnescapeString(m[1])
			wantText(t, b.get(next), `href="/orders/`+id+`/reviews" rel="prev"`)
		}
	}
	var wantSeen []string
	for i := n - 1; i >= 0; i-- {
		wantSeen = append(wantSeen, fmt.Sprintf("%02d", i))
	}
	if !slices.Equal(seen, wantSeen) {
		t.Errorf("the reviews' pages show\n %v\nwant every review once, newest first\n %v", seen, wantSeen)
	}

	// Every event, the same way, oldest first.
	got := 0
	next = "/orders/" + id + "/events"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("the events' pages never end")
		}
		p := b.get(next)
		wantStatus(t, p, http.StatusOK)
		wantText(t, p, fmt.Sprintf("%d events, oldest first", events))
		got += strings.Count(p.Body, `<tr class="govuk-table__row"><td`)
		next = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(p.Body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if got != events {
		t.Errorf("the events' pages show %d events, want %d", got, events)
	}

	// A page of a list that is not one is not found; another force's
	// order's lists are not found; a look is on the trail.
	wantStatus(t, b.get("/orders/"+id+"/reviews?cursor=nope"), http.StatusNotFound)
	dorset := e.signedInAs(t, acOfficer(t, e, "dorset", "iom_officer"))
	wantStatus(t, dorset.get("/orders/"+id+"/reviews"), http.StatusNotFound)
	wantStatus(t, dorset.get("/orders/"+id+"/events"), http.StatusNotFound)
	trail := e.trail(t, me)
	if !hasEntry(trail, "/orders/:id/reviews", "consultation", 0, id) || !hasEntry(trail, "/orders/:id/events", "consultation", 0, id) {
		t.Errorf("the lists' pages are not on the trail as consultations of the order")
	}
}
