package web

import (
	"html/template"
	"strings"
	"testing"
	"time"
)

// Days are written as people say them: never "1 days", "in 0 days".
func TestDaysInWords(t *testing.T) {
	funcs := templateFuncs(func(s string) string { return s }, func(s string) string { return s }, time.UTC)
	one := 1
	for tmpl, want := range map[string]string{
		`{{days 1}}`:                    "1 day",
		`{{days 3}}`:                    "3 days",
		`{{days .}}`:                    "1 day",
		`{{daysAgo 0}}`:                 "today",
		`{{daysAgo 1}}`:                 "yesterday",
		`{{daysAgo 24}}`:                "24 days ago",
		`{{inDays 0}}`:                  "today",
		`{{inDays 1}}`:                  "tomorrow",
		`{{inDays 96}}`:                 "in 96 days",
		`{{plural 1 "order" "orders"}}`: "1 order",
		// Numbers above 999 with commas, as GOV.UK writes them.
		`{{plural 1943 "order" "orders"}}`: "1,943 orders",
		`{{num 999}}`:                      "999",
		`{{num 13400}}`:                    "13,400",
		`{{num 1000000}}`:                  "1,000,000",
		`{{num -1234}}`:                    "-1,234",
	} {
		var b strings.Builder
		if err := template.Must(template.New("t").Funcs(funcs).Parse(tmpl)).Execute(&b, &one); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s wrote %q, want %q", tmpl, b.String(), want)
		}
	}
}
