package web

import (
	"html/template"
	"strings"
	"testing"
	"time"
)

func TestBarWidth(t *testing.T) {
	for _, c := range []struct{ n, most, want int }{{0, 10, 0}, {10, 10, 100}, {1, 100, 5}, {7, 10, 70}, {13, 20, 65}, {3, 0, 0}} {
		if got := barWidth(c.n, c.most); got != c.want {
			t.Errorf("bar for %d of %d: %d, want %d", c.n, c.most, got, c.want)
		}
	}
}

func TestPercentRounds(t *testing.T) {
	for _, c := range []struct{ n, of, want int }{{2, 7, 29}, {1, 3, 33}, {2, 3, 67}, {1, 8, 13}, {0, 5, 0}, {5, 5, 100}, {3, 0, 0}} {
		if got := pct(c.n, c.of); got != c.want {
			t.Errorf("%d of %d: %d%%, want %d%%", c.n, c.of, got, c.want)
		}
	}
}

// A moment's day on a page is its day in the service's zone: an owner
// allocated at 00:30 on 1 July (23:30 UTC the day before) was shown as
// allocated on 30 June.
func TestDatesOfMomentsAreTheServiceZones(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	funcs := templateFuncs(func(string) string { return "" }, func(string) string { return "" }, london)
	funcs["ptrTime"] = func(t time.Time) *time.Time { return &t }
	f := template.Must(template.New("x").Funcs(funcs).Parse(`{{date .}} {{date (ptrTime .)}} {{dateT .}}`))
	var b strings.Builder
	at := time.Date(2025, 6, 30, 23, 30, 0, 0, time.UTC)
	if err := f.Execute(&b, at); err != nil {
		t.Fatal(err)
	}
	if b.String() != "1 July 2025 1 July 2025 1 July 2025 00:30 BST" {
		t.Errorf("23:30 UTC on 30 June, in London: %q", b.String())
	}
}

// A rule's message on a page: its dates as people write them, and a whole
// sentence not glued to the field's label.
func TestSentenceOnAPage(t *testing.T) {
	for _, c := range []struct{ label, msg, want string }{
		{"Date of release", "must not be before the custody period began (2026-12-01)",
			"Date of release must not be before the custody period began (1 December 2026)"},
		{"The term is in force until", "a monitoring requirement lasts at most 12 months each time it is imposed or extended (s.5B)",
			"A monitoring requirement lasts at most 12 months each time it is imposed or extended (s.5B)"},
		{"Outcome", "is required", "Outcome is required"},
		{"", "no such officer", "No such officer"},
	} {
		if got := sentence(c.label, c.msg); got != c.want {
			t.Errorf("sentence(%q, %q) = %q, want %q", c.label, c.msg, got, c.want)
		}
	}
}
