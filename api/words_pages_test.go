package api_test

import (
	"net/http"
	"strings"
	"testing"

	"scpo/api"
	"scpo/domain"
)

// The subject access export says roles and courts in words, not codes.
func TestExportSaysCodesInWords(t *testing.T) {
	e := newEnv(t)
	sid := s(e.subject(t, nil), "id")
	ord := e.order(t, sid, nil)
	iom := e.officerIn(t, "gloucestershire", "Ira Owens", "iom_officer")
	want(t, e.do(t, "PUT", "/api/v1/orders/"+s(ord, "id")+"/owners/iom", e.admin,
		js(obj{"officer_id": iom, "reason": "Allocated at tasking."})), http.StatusOK)
	admin := e.browser(t)
	admin.signIn(e.admin)
	p := admin.get("/subjects/" + sid + "/export?format=html")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Role: IOM officer", "Court type: Crown Court", "(Crown Court)")
	for _, code := range []string{"Role: iom", "Court type: crown", "crown Court", "Crown Court Court"} {
		if strings.Contains(p.Body, code) {
			t.Errorf("the export says %q", code)
		}
	}
}

// A force with no live orders has no share of them to show.
func TestPageRegionForceWithNoLiveOrders(t *testing.T) {
	e := newEnv(t)
	e.order(t, s(e.subject(t, nil), "id"), nil)
	b, _ := e.signedIn(t, "regional")
	p := b.get("/region?region=south-west")
	wantStatus(t, p, http.StatusOK)
	i := strings.Index(p.Body, `id="force-dorset"`)
	if i < 0 {
		t.Fatalf("no Dorset row:\n%s", p.Body)
	}
	row := p.Body[i : i+strings.Index(p.Body[i:], "</tr>")]
	if strings.Contains(row, "0% of live orders") || !strings.Contains(row, "No live orders") {
		t.Errorf("Dorset, with no live orders, says:\n%s", row)
	}
	// A force with live orders still shows its share.
	if glos := p.Body[strings.Index(p.Body, `id="force-gloucestershire"`):]; !strings.Contains(glos[:strings.Index(glos, "</tr>")], "% of live orders") {
		t.Errorf("Gloucestershire's row shows no share of its live orders")
	}
}

// The Jobs page says each schedule in words, with the cron beside it.
func TestPageJobsScheduleInWords(t *testing.T) {
	e := newEnvWith(t, func(c *api.Config) {
		c.FailedAuthBurst = 1_000_000
		c.Schedules = map[string]string{domain.JobOwnership: "5 * * * *", domain.JobLifecycle: "15 2 * * *",
			domain.JobReview: "30 2 * * *", domain.JobCustody: "45 2 * * *"}
	})
	b := e.browser(t)
	b.signIn(e.admin)
	p := b.get("/jobs")
	wantStatus(t, p, http.StatusOK)
	wantText(t, p, "Every day at 02:15", "Every hour, at 5 minutes past", "<code>15 2 * * *</code>")
}
