package api_test

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"

	"gorm.io/gorm"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

var ruleCall = regexp.MustCompile(`\bflag_[a-z_]+\(`)

// The agenda's CSV "as of" a day works each section's rule out once: its
// check of the force asked Tasking for a token page, which from the rules
// ran all fifteen rules for the sections' counts, and the download then
// ran them all again (a rule over a large force's orders takes up to a
// second). Every statement the download sends is seen through a gorm
// callback, and each rule function must be named in exactly one.
func TestAgendaCSVAsOfRunsEachRuleOnce(t *testing.T) {
	t.Parallel()
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(context.Background(), 200, day); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		counting bool
		calls    = map[string]int{}
	)
	count := func(db *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		if counting {
			for _, f := range ruleCall.FindAllString(db.Statement.SQL.String(), -1) {
				calls[f]++
			}
		}
	}
	cb := store.DB().Callback()
	for name, err := range map[string]error{
		"row":   cb.Row().After("gorm:row").Register("test:count_rules_row", count),
		"query": cb.Query().After("gorm:query").Register("test:count_rules_query", count),
		"raw":   cb.Raw().After("gorm:raw").Register("test:count_rules_raw", count),
	} {
		if err != nil {
			t.Fatalf("%s callback: %v", name, err)
		}
	}
	setCounting := func(on bool) { mu.Lock(); counting = on; mu.Unlock() }

	setCounting(true)
	r := e.do(t, "GET", "/api/v1/reports/tasking?force=gloucestershire&as_of=2026-12-02", e.admin, "", "Accept", "text/csv")
	setCounting(false)
	want(t, r, http.StatusOK)
	if len(calls) != len(domain.TaskingSections) {
		t.Errorf("%d rule functions called, want one per section (%d): %v", len(calls), len(domain.TaskingSections), calls)
	}
	for f, n := range calls {
		if n != 1 {
			t.Errorf("%s) called in %d statements, want 1", f, n)
		}
	}
	// Still refused as before for a force unknown or out of view.
	wantProblem(t, e.do(t, "GET", "/api/v1/reports/tasking?force=atlantis&as_of=2026-12-02", e.admin, "", "Accept", "text/csv"),
		http.StatusNotFound)
}
