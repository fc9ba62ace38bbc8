package web

import (
	"slices"
	"strings"
	"testing"
	"time"

	"scpo/domain"
)

// A day's records read in the order they were made, newest first: a check
// found not compliant at 10:00, the breach recorded from it at 11:00 and a
// flag raised at 05:00 that morning. Dated records sorted before everything
// timed that day, so the breach and the check sat below the early flag.
func TestTimelineOrdersADayByWhenRecorded(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	day := domain.NewDate(2026, 12, 1)
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 0, 0, 0, time.UTC) }
	outcome := "non_compliant"
	o := domain.Order{MadeOn: domain.NewDate(2026, 1, 5), Court: "Bristol Crown Court"}
	checks := []domain.Check{{Kind: "home_visit", CompletedOn: &day, Outcome: &outcome, UpdatedAt: at(10)}}
	flags := []domain.Flag{{Kind: domain.FlagReviewOverdue, RaisedAt: at(5)}}
	legal := []domain.OrderEvent{{Kind: domain.EventBreachRecorded, On: day, RecordedAt: at(11)}}
	var texts []string
	for _, e := range timeline(o, nil, nil, checks, flags, legal, loc, func(c string) string { return c }) {
		texts = append(texts, e.Text)
	}
	want := []string{"Breach recorded", "Home visit check: not compliant", "Flag raised: Review overdue"}
	if len(texts) < 3 || !slices.Equal(texts[:3], want) {
		t.Errorf("the day reads %q, want %q first", strings.Join(texts, " | "), want)
	}
}
