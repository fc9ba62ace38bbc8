package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
)

// A page's download that fails after it has begun is cut off, as the
// API's are: the agenda CSV, its head and first page of rows sent, then a
// later page failing (here its audit entry refused by the database),
// reached the client as a complete, shorter file (status 200, the chunked
// body properly ended), because the pages' error path returned nothing
// once the answer was committed.
func TestPageDownloadFailingAfterItBeganIsCutOff(t *testing.T) {
	var store *postgres.Store
	e := newEnvWith(t, func(c *api.Config) { c.FailedAuthBurst = 1_000_000; store = c.Store.(*postgres.Store) })
	day, _ := domain.ParseDate(today)
	if _, err := store.GenerateOrders(context.Background(), 300, day); err != nil {
		t.Fatal(err)
	}
	for _, job := range []string{"ownership-sweep", "review-sweep"} {
		want(t, e.do(t, "POST", "/api/v1/jobs/"+job+"/runs", e.admin, js(obj{"as_of": today})), http.StatusOK)
	}
	chair, _ := e.signedIn(t, "tasking_chair")
	// The second entry naming a page of the agenda's orders is refused.
	for _, q := range []string{
		`CREATE SEQUENCE agenda_pages`,
		`CREATE FUNCTION refuse_second_page() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.route = '/tasking/agenda.csv' AND NEW.records @> '[{"type": "order"}]' AND nextval('agenda_pages') > 1 THEN
				RAISE EXCEPTION 'the second page is refused';
			END IF;
			RETURN NEW;
		END $$`,
		`CREATE TRIGGER refuse_second_page BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_second_page()`,
	} {
		if err := store.DB().Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/tasking/agenda.csv?force=gloucestershire", "/tasking/agenda.csv?force=gloucestershire&as_of=2026-12-02"} {
		if err := store.DB().Exec(`SELECT setval('agenda_pages', 1, false)`).Error; err != nil {
			t.Fatal(err)
		}
		t.Run(path, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			res, err := chair.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "section,order_id,") {
				t.Fatalf("the download did not begin: %d %q", res.StatusCode, body)
			}
			if strings.Count(string(body), "\n") < 2 {
				t.Errorf("no rows before the failure: %q", body)
			}
			if err == nil {
				t.Errorf("the cut-off download read as whole (%d lines)", strings.Count(string(body), "\n"))
			}
		})
	}
}
