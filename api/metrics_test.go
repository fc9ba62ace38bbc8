package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
)

// GET /metrics answers the Prometheus text format with the metrics the
// README names, the requests counted by route and status.
func TestMetricsScrape(t *testing.T) {
	var m *api.Metrics
	e := newEnvWith(t, func(c *api.Config) {
		m = api.NewMetrics(c.Store.(api.MetricsSource))
		c.Metrics = m
	})
	// What the scheduler tells.
	m.SweepDone("review-sweep", 1500*time.Millisecond, domain.JobRun{Raised: 3, Resolved: 1}, nil)
	m.SweepDone("review-sweep", 0, domain.JobRun{}, domain.ErrAlreadyRun)
	m.MailDone(domain.MailDelivered{Sent: 4, Retried: 2, Dead: 1})
	sub := e.subject(t, nil)
	ord := e.order(t, s(sub, "id"), nil)
	want(t, e.do(t, "GET", "/api/v1/orders/"+s(ord, "id"), e.admin, ""), http.StatusOK)
	want(t, e.do(t, "GET", "/api/v1/orders/00000000-0000-0000-0000-000000000000", e.admin, ""), http.StatusNotFound)
	want(t, e.do(t, "POST", "/api/v1/jobs/ownership-sweep/runs", e.admin, `{}`), http.StatusOK)
	res, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	body := string(raw)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, line := range []string{
		`scpo_http_requests_total{code="200",host=`,
		`method="GET",url="/api/v1/orders/:id"}`,
		`scpo_http_requests_total{code="404",host=`,
		`scpo_http_request_duration_seconds_bucket{code="200"`,
		`scpo_open_flags{force="gloucestershire",kind="unowned"} 1`,
		`scpo_outbox_backlog{state="events_waiting"} 0`,
		`scpo_outbox_backlog{state="messages_pending"} 0`,
		`scpo_outbox_backlog{state="messages_dead"} 0`,
		`scpo_db_pool_connections{state="in_use"}`,
		`scpo_db_pool_max_connections`,
		`scpo_metrics_scrape_errors 0`,
		`scpo_sweep_duration_seconds_count{job="review-sweep"} 1`,
		`scpo_sweep_runs_total{job="review-sweep",result="succeeded"} 1`,
		`scpo_sweep_runs_total{job="review-sweep",result="skipped"} 1`,
		`scpo_sweep_flags_total{change="raised",job="review-sweep"} 3`,
		`scpo_mail_sent_total 4`,
		`scpo_mail_delivery_failures_total{outcome="dead"} 1`,
		`scpo_mail_delivery_failures_total{outcome="retry"} 2`,
	} {
		if !strings.Contains(body, line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}
