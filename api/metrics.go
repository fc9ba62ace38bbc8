package api

import (
	"context"
	"database/sql"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"scpo/domain"
)

// MetricsSource is what the metrics read from the database at each scrape.
type MetricsSource interface {
	OpenFlagCounts(ctx context.Context) ([]domain.FlagCount, error)
	Backlog(ctx context.Context) (domain.OutboxBacklog, error)
	PoolStats() sql.DBStats
}

// Metrics are the service's Prometheus metrics, served at GET /metrics
// (names in the README). Requests are counted by echoprometheus; sweeps and
// mail are told by the scheduler; the rest is read at each scrape.
type Metrics struct {
	reg          *prometheus.Registry
	sweepSeconds *prometheus.HistogramVec
	sweepRuns    *prometheus.CounterVec
	sweepFlags   *prometheus.CounterVec
	mailSent     prometheus.Counter
	mailFailures *prometheus.CounterVec
}

// NewMetrics registers the metrics read from src.
func NewMetrics(src MetricsSource) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(),
		sweepSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "scpo", Name: "sweep_duration_seconds",
			Help: "How long each job run took.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}, []string{"job"}),
		sweepRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "scpo", Name: "sweep_runs_total",
			Help: "Job runs by result: succeeded, failed or skipped (another replica ran the tick)."}, []string{"job", "result"}),
		sweepFlags: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "scpo", Name: "sweep_flags_total",
			Help: "Flags raised and resolved by the sweeps."}, []string{"job", "change"}),
		mailSent: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "scpo", Name: "mail_sent_total",
			Help: "Messages the server accepted."}),
		mailFailures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "scpo", Name: "mail_delivery_failures_total",
			Help: "Failed delivery attempts: retry (to be tried again) or dead (permanent refusal or last attempt)."}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.sweepSeconds, m.sweepRuns, m.sweepFlags, m.mailSent, m.mailFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{src: src})
	return m
}

// SweepDone records a job run.
func (m *Metrics) SweepDone(job string, took time.Duration, run domain.JobRun, err error) {
	result := "succeeded"
	switch {
	case err == domain.ErrAlreadyRun:
		result = "skipped"
	case err != nil:
		result = "failed"
	default:
		m.sweepSeconds.WithLabelValues(job).Observe(took.Seconds())
		m.sweepFlags.WithLabelValues(job, "raised").Add(float64(run.Raised))
		m.sweepFlags.WithLabelValues(job, "resolved").Add(float64(run.Resolved))
	}
	m.sweepRuns.WithLabelValues(job, result).Inc()
}

// MailDone records a delivery pass.
func (m *Metrics) MailDone(d domain.MailDelivered) {
	m.mailSent.Add(float64(d.Sent))
	m.mailFailures.WithLabelValues("retry").Add(float64(d.Retried))
	m.mailFailures.WithLabelValues("dead").Add(float64(d.Dead))
}

func (m *Metrics) handler() echo.HandlerFunc {
	return echoprometheus.NewHandlerWithConfig(echoprometheus.HandlerConfig{Gatherer: m.reg})
}

func (m *Metrics) middleware() echo.MiddlewareFunc {
	return echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{Namespace: "scpo", Subsystem: "http", Registerer: m.reg,
		// The scrape itself is not a request worth counting.
		Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" }})
}

// dbCollector reads the open flags, the outbox and the pool at each scrape.
type dbCollector struct{ src MetricsSource }

var (
	openFlagsDesc = prometheus.NewDesc("scpo_open_flags", "Open flags by kind and force.", []string{"kind", "force"}, nil)
	backlogDesc   = prometheus.NewDesc("scpo_outbox_backlog", "Notification events waiting for a message, and messages pending or dead.",
		[]string{"state"}, nil)
	poolOpenDesc  = prometheus.NewDesc("scpo_db_pool_connections", "Database pool connections by state.", []string{"state"}, nil)
	poolMaxDesc   = prometheus.NewDesc("scpo_db_pool_max_connections", "The pool's limit (0: none).", nil, nil)
	poolWaitDesc  = prometheus.NewDesc("scpo_db_pool_wait_total", "Times a query waited for a connection.", nil, nil)
	poolWaitSDesc = prometheus.NewDesc("scpo_db_pool_wait_seconds_total", "Time spent waiting for a connection.", nil, nil)
	scrapeErrDesc = prometheus.NewDesc("scpo_metrics_scrape_errors", "1 when the database could not be read for this scrape.", nil, nil)
)

func (d *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{openFlagsDesc, backlogDesc, poolOpenDesc, poolMaxDesc, poolWaitDesc, poolWaitSDesc, scrapeErrDesc} {
		ch <- desc
	}
}

func (d *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	failed := 0.0
	if counts, err := d.src.OpenFlagCounts(ctx); err != nil {
		failed = 1
	} else {
		for _, c := range counts {
			ch <- prometheus.MustNewConstMetric(openFlagsDesc, prometheus.GaugeValue, float64(c.Open), c.Kind, c.Force)
		}
	}
	if b, err := d.src.Backlog(ctx); err != nil {
		failed = 1
	} else {
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.EventsWaiting), "events_waiting")
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.MessagesPending), "messages_pending")
		ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(b.MessagesDead), "messages_dead")
	}
	st := d.src.PoolStats()
	ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(st.InUse), "in_use")
	ch <- prometheus.MustNewConstMetric(poolOpenDesc, prometheus.GaugeValue, float64(st.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(poolMaxDesc, prometheus.GaugeValue, float64(st.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(poolWaitDesc, prometheus.CounterValue, float64(st.WaitCount))
	ch <- prometheus.MustNewConstMetric(poolWaitSDesc, prometheus.CounterValue, st.WaitDuration.Seconds())
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, failed)
}
