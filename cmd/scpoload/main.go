// Command scpoload is the read-load benchmark: it starts a private (durable)
// PostgreSQL cluster, generates N synthetic orders for each size asked for,
// runs the day's sweeps, serves the API on loopback beside a bare pgx
// handler running the same main SQL, and prints per read route p50 and p99
// at 1 and 16 clients, bytes per answer, and the ratio to the bare handler;
// then audited reads and writes (a review recorded) per second against bare
// baselines, and the process's RSS. It is run on purpose, never by go test:
//
//	go run ./cmd/scpoload --sizes 10000,100000
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/localpg"
)

// token is this run's bootstrap admin token. A new one each run: a kept
// cluster (--data) may have had its bootstrap token replaced since (scpod
// run against it with another SCPO_BOOTSTRAP_TOKEN revokes the old one),
// and a revoked bootstrap token stays revoked.
var token = "scpoload-" + rand.Text()

func main() {
	sizes := flag.String("sizes", "10000,100000", "order counts to measure, ascending")
	n1 := flag.Int("n1", 30, "requests per route at 1 client")
	n16 := flag.Int("n16", 320, "requests per route at 16 clients")
	flag.StringVar(&opts.data, "data", "", "keep the cluster in this directory and reuse its orders on the next run (default: a temporary one)")
	flag.StringVar(&opts.only, "routes", "", "measure only the routes whose name contains this text")
	flag.StringVar(&opts.skip, "skip", "", "skip the routes whose name contains this text (e.g. CSV)")
	flag.StringVar(&opts.cpuprofile, "cpuprofile", "", "write a CPU profile of the service and load generator (the 16-client runs) to this file")
	flag.DurationVar(&opts.explain, "explain-over", 0, "log the plan of every statement slower than this to the cluster's server.log (auto_explain)")
	flag.BoolVar(&opts.sweepsOnly, "sweeps-only", false, "stop after the sweeps' two passes (the first catch-up, if the orders are new or with --catch-up, and the daily run)")
	flag.BoolVar(&opts.catchUp, "catch-up", false, "with --data: forget every flag (and the outbox events and meeting items made from them) before the first pass, so it is a first catch-up again over the orders kept")
	flag.Parse()
	if err := run(*sizes, *n1, *n16); err != nil {
		log.Fatal(err)
	}
}

var opts struct {
	data, only, skip, cpuprofile string
	explain                      time.Duration
	catchUp, sweepsOnly          bool
}

type route struct {
	name string
	path string // service path under /api/v1
	csv  bool
	bare string // bare handler SQL ($1.. from args), "" for none
	args []any
}

func run(sizes string, n1, n16 int) error {
	ctx := context.Background()
	dir := opts.data
	if dir == "" {
		tmp, err := os.MkdirTemp("", "scpoload-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_ = os.Chmod(dir, 0o755)
	cluster, err := localpg.Start(ctx, localpg.Options{DataDir: dir + "/data", Unsupervised: true})
	if err != nil {
		return err
	}
	defer cluster.Stop()
	if err := cluster.EnsureDatabase(ctx, "scpo"); err != nil {
		return err
	}
	sqlDB, err := sql.Open("pgx", cluster.URL("scpo"))
	if err != nil {
		return err
	}
	if err := postgres.Migrate(ctx, sqlDB, nil); err != nil {
		return err
	}
	sqlDB.Close()
	if err := cluster.EnableLogin(ctx, postgres.ServiceRole); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, cluster.URL("scpo"))
	if err != nil {
		return err
	}
	defer pool.Close()
	if opts.explain > 0 {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`LOAD 'auto_explain'`,
			`ALTER SYSTEM SET session_preload_libraries = 'auto_explain'`,
			fmt.Sprintf(`ALTER SYSTEM SET auto_explain.log_min_duration = '%dms'`, opts.explain.Milliseconds()),
			`ALTER SYSTEM SET auto_explain.log_analyze = on`,
			`ALTER SYSTEM SET auto_explain.log_buffers = on`,
			// Triggers' statements too: their cost is part of the statement that fired them.
			`ALTER SYSTEM SET auto_explain.log_nested_statements = on`,
			`SELECT pg_reload_conf()`,
		} {
			if _, err := conn.Exec(ctx, q); err != nil {
				conn.Release()
				return fmt.Errorf("auto_explain: %w", err)
			}
		}
		conn.Release()
		defer pool.Exec(context.Background(), `ALTER SYSTEM RESET ALL`) //nolint:errcheck
		log.Printf("plans of statements over %s go to %s/data/server.log", opts.explain, dir)
	}
	// The service's store opens after auto_explain is set, so its
	// connections load it.
	url := cluster.URLAs(postgres.ServiceRole, "scpo")
	store, err := postgres.Open(ctx, url, domain.SystemClock{}, time.UTC)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.EnsureBootstrapAdmin(ctx, token); err != nil {
		return err
	}
	if opts.cpuprofile != "" {
		f, err := os.Create(opts.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	svc := serve(api.New(api.Config{Store: store, Clock: domain.SystemClock{}, Location: time.UTC, FailedAuthBurst: 1 << 20}))
	bare := serve(bareHandler(pool))
	today := store.Today()
	var have int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&have); err != nil {
		return err
	}
	for _, s := range strings.Split(sizes, ",") {
		size, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		t0 := time.Now()
		if size > have {
			if _, err := store.GenerateOrders(ctx, size-have, today); err != nil {
				return err
			}
			log.Printf("generated %d orders in %s", size-have, time.Since(t0).Round(time.Second))
			have = size
		}
		if opts.catchUp {
			if err := forgetFlags(ctx, pool); err != nil {
				return err
			}
		}
		// Each sweep is timed: the first pass over new orders is the
		// catch-up, a second pass the daily run.
		for pass := 1; pass <= 2; pass++ {
			var total time.Duration
			for _, job := range domain.JobNames {
				t := time.Now()
				if _, err := store.RunJob(ctx, job, today, nil); err != nil {
					return err
				}
				total += time.Since(t)
				log.Printf("pass %d: %s sweep %s", pass, job, time.Since(t).Round(time.Millisecond))
			}
			log.Printf("pass %d: all sweeps %s", pass, total.Round(time.Millisecond))
		}
		if opts.sweepsOnly {
			continue
		}
		if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
			log.Printf("analyze: %v", err)
		}
		fmt.Printf("\n## %d orders (generated and swept in %s)\n\n", size, time.Since(t0).Round(time.Second))
		routes, err := pickRoutes(ctx, pool, svc, today)
		if err != nil {
			return err
		}
		fmt.Println("| route | p50 1c | p99 1c | p50 16c | p99 16c | 16c warm-up, slowest | bytes | errors | bare p50 16c | ratio |")
		fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
		for _, r := range routes {
			if !strings.Contains(r.name, opts.only) || (opts.skip != "" && strings.Contains(r.name, opts.skip)) {
				continue
			}
			one := load(svc+"/api/v1"+r.path, r.csv, 1, n1)
			// Sixteen clients need fifteen more connections, whose first
			// use of the route loads PostgreSQL's caches in a new backend
			// and plans its statements, sixteen at once on two cores:
			// hundreds of milliseconds each, once per connection. That
			// round is timed on its own (its slowest answer is shown), so
			// the p50 and p99 are of a service already serving.
			warm := load(svc+"/api/v1"+r.path, r.csv, 16, 2*16)
			many := load(svc+"/api/v1"+r.path, r.csv, 16, n16)
			bareP50, ratio := "", ""
			if r.bare != "" {
				load(bare+"/sql?"+bareQuery(r), false, 16, 2*16)
				b := load(bare+"/sql?"+bareQuery(r), false, 16, n16)
				bareP50 = ms(b.p(50))
				ratio = fmt.Sprintf("%.1f", float64(many.p(50))/float64(max(b.p(50), time.Microsecond)))
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %d | %d | %s | %s |\n", r.name, ms(one.p(50)), ms(one.p(99)),
				ms(many.p(50)), ms(many.p(99)), ms(warm.p(100)), many.bytes, one.errors+warm.errors+many.errors, bareP50, ratio)
		}
		fmt.Printf("\nRSS while serving: %d MB (service and load generator in one process)\n\n", rssMB())
		// Audited reads per second: the service's GET /orders/{id} (each
		// writes its entry before answering) against the bare handler doing
		// the same read plus an audit-lock insert per request.
		// Each is measured for a second at a time, in turn with the other,
		// three times, and the median kept, so both see the same machine.
		id := routes[0].args[0].(string)
		fmt.Println("| audited reads/s (median of 3 s) | 1 client | 16 clients | 16/1 |")
		fmt.Println("| --- | --- | --- | --- |")
		audited := []struct{ name, url string }{
			{"service GET /orders/{id}", svc + "/api/v1/orders/" + id},
			{"bare read + audit insert under the lock", bare + "/audited?id=" + id},
		}
		rates := make([][2][]float64, len(audited))
		failed := 0
		for range 3 {
			for i, c := range audited {
				for j, clients := range []int{1, 16} {
					r := loadFor(c.url, clients, time.Second)
					rates[i][j] = append(rates[i][j], r.rate())
					failed += r.errors
				}
			}
		}

		for i, c := range audited {
			one, many := median(rates[i][0]), median(rates[i][1])
			fmt.Printf("| %s | %.0f | %.0f | %.1fx |\n", c.name, one, many, many/one)
		}
		if failed > 0 {
			fmt.Printf("\n%d audited reads failed and are not counted.\n", failed)
		}
		fmt.Println()
		if err := measureWrites(ctx, pool, svc, bare, n16); err != nil {
			return err
		}
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func bareQuery(r route) string {
	v := []string{"q=" + escape(r.bare)}
	for _, a := range r.args {
		v = append(v, "a="+escape(fmt.Sprint(a)))
	}
	return strings.Join(v, "&")
}

func escape(s string) string { return neturl.QueryEscape(s) }

// pickRoutes chooses real IDs and names from the data for each route.
func pickRoutes(ctx context.Context, pool *pgxpool.Pool, svc string, today domain.Date) ([]route, error) {
	var orderID, subjectID, pnc, force, officer, lastName string
	err := pool.QueryRow(ctx, `SELECT o.id::text, s.id::text, s.pnc_id, s.force, s.last_name FROM orders o
		JOIN subjects s ON s.id = o.subject_id ORDER BY o.id DESC LIMIT 1`).Scan(&orderID, &subjectID, &pnc, &force, &lastName)
	if err != nil {
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT officer_id::text FROM owner_assignments WHERE ended_at IS NULL
		GROUP BY officer_id ORDER BY count(*) DESC LIMIT 1`).Scan(&officer); err != nil {
		return nil, err
	}
	// A meeting of the force, opened now: its agenda is the force's open
	// flags (tens of thousands at a million orders).
	t0 := time.Now()
	meeting, err := openMeeting(svc, force, today)
	if err != nil {
		return nil, err
	}
	log.Printf("opened a meeting of %s in %s", force, time.Since(t0).Round(time.Millisecond))
	orderSQL := `SELECT o.*, s.first_names, s.last_name, s.force FROM orders o JOIN subjects s ON s.id = o.subject_id WHERE o.id = $1`
	return []route{
		{name: "GET /orders/{id}", path: "/orders/" + orderID, bare: orderSQL, args: []any{orderID}},
		{name: "GET /orders?force=", path: "/orders?force=" + force,
			bare: `SELECT o.* FROM orders o WHERE o.subject_force = $1 ORDER BY o.id LIMIT 51`, args: []any{force}},
		{name: "GET /orders?owner=", path: "/orders?owner=" + officer,
			bare: `SELECT o.* FROM orders o WHERE o.id = ANY (ARRAY(SELECT order_id FROM owner_assignments WHERE officer_id = $1 AND ended_at IS NULL)) ORDER BY o.id LIMIT 51`, args: []any{officer}},
		{name: "GET /orders?flag=unowned", path: "/orders?flag=unowned",
			bare: `SELECT o.* FROM orders o JOIN flags f ON f.order_id = o.id AND f.kind = 'unowned' AND f.resolved_at IS NULL ORDER BY o.id LIMIT 51`},
		{name: "GET /subjects?q= (no match)", path: "/subjects?q=Zzqxv",
			bare: `SELECT * FROM subjects WHERE search_text LIKE '%zzqxv%' ORDER BY id LIMIT 51`},
		{name: "GET /subjects?q= (name)", path: "/subjects?q=" + lastName,
			bare: `SELECT * FROM subjects WHERE search_text LIKE $1 ORDER BY id LIMIT 51`,
			args: []any{"%" + strings.ToLower(lastName) + "%"}},
		{name: "GET /subjects?pnc_id=", path: "/subjects?pnc_id=" + pnc, bare: `SELECT * FROM subjects WHERE pnc_id = $1`, args: []any{pnc}},
		{name: "GET /reports/tasking", path: "/reports/tasking?force=" + force,
			bare: `SELECT f.*, o.reference, s.first_names FROM flags f JOIN orders o ON o.id = f.order_id JOIN subjects s ON s.id = f.subject_id
				WHERE f.force = $1 AND f.resolved_at IS NULL AND f.kind = 'unowned' ORDER BY agenda_rank(f.kind, f.details, f.raised_at), f.order_id LIMIT 101`,
			args: []any{force}},
		{name: "GET /reports/tasking (CSV, whole agenda)", path: "/reports/tasking?force=" + force, csv: true},
		{name: "GET /reports/pre-release", path: "/reports/pre-release?force=" + force,
			bare: `SELECT o.id AS order_id, o.reference, s.force, s.id AS subject_id, s.first_names, s.last_name, s.pnc_id,
				s.custody_status, s.release_date, s.establishment, s.release_date_type, k.rank_on, pr.reviewed AS has_review
				FROM (SELECT o.id AS order_id, o.subject_release_date AS rank_on FROM orders o
				      WHERE o.status IN ('pending', 'active') AND o.subject_release_date <= CAST($1 AS date) AND o.subject_force = $2
				      ORDER BY o.subject_release_date, o.id LIMIT 51) k
				JOIN orders o ON o.id = k.order_id JOIN subjects s ON s.id = o.subject_id LEFT JOIN force_policies p ON p.force = s.force
				CROSS JOIN LATERAL pre_release_review(o.id, s.id, s.release_date, coalesce(p.pre_release_days, 180), CAST($3 AS date)) pr
				ORDER BY k.rank_on, k.order_id`,
			args: []any{today.AddDays(180).String(), force, today.String()}},
		{name: "GET /reports/region", path: "/reports/region?region=south-west",
			bare: `SELECT * FROM force_counts c JOIN forces f ON f.code = c.force WHERE f.region = 'south-west'`},
		{name: "GET /caseload", path: "/caseload?officer_id=" + officer, bare: caseloadSQL,
			args: []any{officer, today.String(), today.AddDays(domain.CaseloadDueSoonDays).String(),
				today.AddDays(domain.CaseloadDueLaterDays).String()}},
		{name: "GET /reports/workload", path: "/reports/workload?force=" + force, bare: workloadSQL,
			args: []any{force, today.String()}},
		{name: "GET /meetings/{id} (its first 50 orders, the default)", path: "/meetings/" + meeting,
			bare: fmt.Sprintf(meetingItemsSQL, 50), args: []any{meeting}},
		{name: "GET /meetings/{id} (100 orders, the web page's)", path: "/meetings/" + meeting + "?limit=100",
			bare: fmt.Sprintf(meetingItemsSQL, 100), args: []any{meeting}},
		{name: "GET /flags?status=open", path: "/flags?status=open&force=" + force,
			bare: `SELECT flags.*, ltrim(s.first_names || ' ' || s.last_name) AS subject_name, o.reference FROM flags
				JOIN orders o ON o.id = flags.order_id JOIN subjects s ON s.id = flags.subject_id
				WHERE flags.id IN (SELECT f.id FROM flags AS f WHERE f.resolved_at IS NULL AND f.force = $1 ORDER BY f.id LIMIT 51)
				ORDER BY flags.id`, args: []any{force}},
	}, nil
}

// meetingItemsSQL reads the items of a meeting's first %d orders ($1 the
// meeting) as the service does: their ids from the orders' places, then
// the items with their orders and subjects. (Joined to the places row by
// row instead, the items were read through a nested loop over every item
// of the meeting: 22,000 buffers for a page.) The places are taken as the
// service takes them, in order up to a limit: asked for "order_rank <=
// 50" of a meeting just opened, which the statistics do not know yet, the
// planner read the meeting's places by order instead, all 20,000 of them
// (19,000 buffers a page, so the bare statement ran slower than the
// service).
const meetingItemsSQL = `SELECT i.id, i.position, i.flag_id, i.kind, i.order_id, i.subject_id, i.case_type, i.raised_at,
	i.details, i.escalation_id, s.force, ltrim(s.first_names || ' ' || s.last_name) AS subject_name, o.reference,
	agenda_rank(i.kind, i.details, i.raised_at) AS rank_on
	FROM meeting_items i JOIN orders o ON o.id = i.order_id JOIN subjects s ON s.id = i.subject_id
	WHERE i.id = ANY (ARRAY(SELECT unnest(mo.item_ids) FROM (SELECT item_ids FROM meeting_orders
	    WHERE meeting_id = $1 AND order_rank > 0 ORDER BY order_rank LIMIT %d) mo))
	ORDER BY i.position`

// caseloadSQL is the caseload's statement as the service sends it for an
// officer in every force's view ($1 the officer; $2 today, $3 and $4 the
// ends of due soon and due later), a page of 51.
const caseloadSQL = `
WITH held AS MATERIALIZED (
    SELECT x.order_id, bit_or(x.role) AS roles, min(x.next_due) AS k2, bool_or(x.own) AS own
    FROM (SELECT a.order_id, CASE a.role WHEN 'iom' THEN 16 WHEN 'lro' THEN 32 WHEN 'orders_officer' THEN 64 END AS role,
                 a.order_next_due AS next_due, a.order_subject_force AS subject_force, true AS own
          FROM owner_assignments a WHERE a.officer_id = $1 AND a.ended_at IS NULL
          UNION ALL
          SELECT a.order_id, CASE a.role WHEN 'iom' THEN 2 WHEN 'lro' THEN 4 WHEN 'orders_officer' THEN 8 END,
                 a.order_next_due, a.order_subject_force, false FROM officer_absences ab
          JOIN owner_assignments a ON a.officer_id = ab.officer_id AND a.ended_at IS NULL
          WHERE ab.cover_officer_id = $1 AND ab.cancelled_at IS NULL AND ab.starts_on <= CAST($2 AS date)
            AND (ab.ends_on IS NULL OR ab.ends_on >= CAST($2 AS date))
          UNION ALL
          SELECT i.order_id, 1, k.next_due, k.subject_force, false FROM meeting_decisions d
          JOIN meeting_items i ON i.id = d.item_id
          JOIN order_caseload_keys k ON k.order_id = i.order_id
          WHERE d.action_by = $1 AND d.status = 'open' AND d.due_by < CAST($2 AS date) AND d.withdrawn_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM meeting_decisions c WHERE c.corrects = d.id)) x
    WHERE x.next_due IS NOT NULL GROUP BY x.order_id),
k AS (SELECT h.order_id, h.roles, h.k2, o.reference, o.status, o.subject_id, o.starts_on, o.made_on, o.review_interval_days
      FROM (SELECT h.* FROM held h ORDER BY h.k2, h.order_id LIMIT 51) h JOIN orders o ON o.id = h.order_id)
SELECT sm.*, pg.*
FROM (SELECT count(*) AS orders,
             count(*) FILTER (WHERE h.k2 < CAST($2 AS date)) AS overdue,
             count(*) FILTER (WHERE h.k2 >= CAST($2 AS date) AND h.k2 <= CAST($3 AS date)) AS due_soon,
             count(*) FILTER (WHERE h.k2 > CAST($3 AS date) AND h.k2 <= CAST($4 AS date)) AS due_later,
             (SELECT coalesce(sum(l.flagged), 0) FROM officer_loads l WHERE l.officer_id = $1)
             + count(*) FILTER (WHERE NOT h.own AND EXISTS (SELECT 1 FROM flags f WHERE f.order_id = h.order_id
                                                             AND f.resolved_at IS NULL)) AS flagged
      FROM held h) sm
LEFT JOIN (
    SELECT k.order_id, k.reference, k.status, s.force, s.id AS subject_id, s.first_names, s.last_name,
           s.pnc_id, s.custody_status, s.release_date, k.roles, sch.next_review_due, sch.next_check_due,
           ARRAY(SELECT f.kind FROM flags f WHERE f.order_id = k.order_id AND f.resolved_at IS NULL ORDER BY f.kind) AS open_flags,
           k.k2::text AS k2
    FROM k JOIN subjects s ON s.id = k.subject_id LEFT JOIN force_policies p ON p.force = s.force
    CROSS JOIN LATERAL (
        SELECT coalesce((SELECT max(r.reviewed_on) FROM reviews r WHERE r.order_id = k.order_id), k.starts_on, k.made_on)
               + coalesce(k.review_interval_days, CASE WHEN s.custody_status = 'custody' THEN coalesce(p.prison_review_days, 180)
                                                       ELSE coalesce(p.community_review_days, 90) END) AS next_review_due,
               (SELECT min(c.due_on) FROM checks c WHERE c.order_id = k.order_id AND c.outcome IS NULL) AS next_check_due
        OFFSET 0) sch) pg ON true
ORDER BY pg.k2, pg.order_id`

// workloadSQL is the workload's statement as the service sends it ($1 the
// force, $2 today).
const workloadSQL = `
WITH staff AS (SELECT f.id, f.name, f.email, f.roles FROM officers f
               WHERE f.force = $1 AND f.active AND f.roles && ARRAY['iom_officer', 'lro', 'orders_officer']),
away AS (SELECT DISTINCT ON (ab.officer_id) ab.officer_id, ab.ends_on, ab.cover_officer_id FROM officer_absences ab
         WHERE ab.cancelled_at IS NULL AND ab.starts_on <= CAST($2 AS date) AND (ab.ends_on IS NULL OR ab.ends_on >= CAST($2 AS date))
         ORDER BY ab.officer_id, ab.ends_on DESC NULLS FIRST),
held AS (SELECT l.officer_id, l.iom, l.lro, l.orders_officer, l.total, l.overdue FROM staff f
         JOIN officer_loads l ON l.officer_id = f.id AND l.force = $1)
SELECT f.id, f.name, f.email, f.roles, coalesce(h.iom, 0) AS iom, coalesce(h.lro, 0) AS lro,
       coalesce(h.orders_officer, 0) AS orders_officer, coalesce(h.total, 0) AS total, coalesce(h.overdue, 0) AS overdue,
       (SELECT count(DISTINCT c.order_id) FROM away w JOIN owner_assignments c ON c.officer_id = w.officer_id AND c.ended_at IS NULL
        WHERE w.cover_officer_id = f.id AND c.order_subject_force = $1 AND c.order_next_due IS NOT NULL) AS covering,
       (SELECT w.ends_on FROM away w WHERE w.officer_id = f.id) AS absent_until,
       EXISTS (SELECT 1 FROM away w WHERE w.officer_id = f.id) AS absent_now
FROM staff f LEFT JOIN held h ON h.officer_id = f.id ORDER BY total, f.name`

type result struct {
	lat    []time.Duration
	bytes  int
	errors int
	wall   time.Duration
}

func (r result) p(q int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*q/100)]
}

// rate is answers per second, failed ones not counted (a fast 401 or 503
// is no read).
func (r result) rate() float64 { return float64(len(r.lat)-r.errors) / r.wall.Seconds() }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// load sends n requests from clients goroutines and gathers latencies.
func load(url string, csv bool, clients, n int) result {
	var mu sync.Mutex
	left := n
	return drive(url, csv, clients, func() bool {
		mu.Lock()
		defer mu.Unlock()
		left--
		return left >= 0
	})
}

// loadFor sends requests from clients goroutines for d, after as many for
// a fifth of d unmeasured (connections opened, caches warm): a rate from a
// few hundred requests, a fraction of a second, swung by a factor of two
// with whatever else the machine did in it.
func loadFor(url string, clients int, d time.Duration) result {
	warm := time.Now().Add(d / 5)
	drive(url, false, clients, func() bool { return time.Now().Before(warm) })
	end := time.Now().Add(d)
	return drive(url, false, clients, func() bool { return time.Now().Before(end) })
}

// drive sends requests from clients goroutines while more says so.
func drive(url string, csv bool, clients int, more func() bool) result {
	var mu sync.Mutex
	var out result
	var wg sync.WaitGroup
	t0 := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for more() {
				req, err := http.NewRequest(http.MethodGet, url, nil)
				if err != nil {
					log.Fatalf("request %s: %v", url, err)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				if csv {
					req.Header.Set("Accept", "text/csv")
				}
				start := time.Now()
				resp, err := client.Do(req)
				size, bad := 0, err != nil
				if err == nil {
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					size, bad = int(n), resp.StatusCode != http.StatusOK
				}
				d := time.Since(start)
				mu.Lock()
				out.lat = append(out.lat, d)
				out.bytes = max(out.bytes, size)
				if bad {
					out.errors++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	out.wall = time.Since(t0)
	return out
}

func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = http.Serve(ln, h) }()
	return "http://" + ln.Addr().String()
}

// bareHandler runs a statement through pgx and answers its rows as JSON
// (/sql), or a read plus an audit-lock insert in a transaction, the
// pattern of an audited read before group commit (/audited), into a
// scratch table shaped like audit_log's hot path.
func bareHandler(pool *pgxpool.Pool) http.Handler {
	_, _ = pool.Exec(context.Background(), `CREATE TABLE IF NOT EXISTS load_audit (id bigint PRIMARY KEY, at timestamptz, records jsonb, hash bytea)`)
	mux := http.NewServeMux()
	mux.HandleFunc("/sql", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		args := []any{}
		for _, a := range q["a"] {
			args = append(args, a)
		}
		rows, err := pool.Query(r.Context(), q.Get("q"), args...)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		var out []map[string]any
		for rows.Next() {
			vals, _ := rows.Values()
			m := map[string]any{}
			for i, f := range rows.FieldDescriptions() {
				m[f.Name] = vals[i]
			}
			out = append(out, m)
		}
		rows.Close()
		_ = json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("/audited", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var ref string
		if err := pool.QueryRow(ctx, `SELECT reference FROM orders WHERE id = $1`, r.URL.Query().Get("id")).Scan(&ref); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		tx, err := pool.Begin(ctx)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('scpoload:audit'))`)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO load_audit SELECT coalesce(max(id), 0) + 1, now(), '[]', '\x00' FROM load_audit`)
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"reference": ref})
	})
	// A write as the service makes it, without the service: the review's
	// INSERT in its own transaction, and the same with an audit entry
	// appended under the chain's lock before the commit.
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tx, err := pool.Begin(ctx)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, `INSERT INTO reviews (id, order_id, reviewed_on, kind, outcome, notes, created_at)
			VALUES (gen_random_uuid(), $1, current_date, 'routine', 'satisfactory', 'scpoload', now())`, r.URL.Query().Get("id"))
		if err == nil && r.URL.Query().Get("audit") != "" {
			if _, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('scpoload:audit'))`); err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO load_audit SELECT coalesce(max(id), 0) + 1, now(), '[]', '\x00' FROM load_audit`)
			}
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	return mux
}

// measureWrites prints writes per second at 1 and 16 clients: the service
// recording a review (POST /orders/{id}/reviews: the order locked, the
// review inserted, flags refreshed, the audit entry appended, one
// transaction) against the bare INSERT, and the bare INSERT plus an audit
// insert under a lock. Each request writes to another order, so the
// orders' own locks do not serialise them.
func measureWrites(ctx context.Context, pool *pgxpool.Pool, svc, bare string, n int) error {
	rows, err := pool.Query(ctx, `SELECT id::text FROM orders WHERE status = 'active' ORDER BY id LIMIT $1`, 3*(n/8+2*16+n))
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	next := 0
	take := func(k int) []string {
		out := ids[next : next+k]
		next += k
		return out
	}
	body := []byte(`{"kind": "routine", "outcome": "satisfactory", "reviewed_on": "` + time.Now().UTC().Format(time.DateOnly) + `"}`)
	fmt.Println("| writes/s (a review recorded) | 1 client | 16 clients | 16/1 |")
	fmt.Println("| --- | --- | --- | --- |")
	for _, c := range []struct {
		name string
		url  func(id string) string
	}{
		{"service POST /orders/{id}/reviews", func(id string) string { return svc + "/api/v1/orders/" + id + "/reviews" }},
		{"bare INSERT", func(id string) string { return bare + "/write?id=" + id }},
		{"bare INSERT + audit insert under the lock", func(id string) string { return bare + "/write?audit=1&id=" + id }},
	} {
		a := post(c.url, take(n/8), body, 1)
		// New connections' first writes (caches loaded, the flags'
		// refresh planned: hundreds of milliseconds each, once per
		// connection) are a round of their own, not in the rate.
		w := post(c.url, take(2*16), body, 16)
		b := post(c.url, take(n), body, 16)
		if a.errors+w.errors+b.errors > 0 {
			return fmt.Errorf("%s: %d writes failed", c.name, a.errors+w.errors+b.errors)
		}
		fmt.Printf("| %s | %.0f | %.0f | %.1fx |\n", c.name, a.rate(), b.rate(), b.rate()/a.rate())
	}
	fmt.Println()
	return nil
}

// post sends one POST per id from clients at once and times them.
func post(url func(string) string, ids []string, body []byte, clients int) result {
	var mu sync.Mutex
	var out result
	jobs := make(chan string, len(ids))
	for _, id := range ids {
		jobs <- id
	}
	close(jobs)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range clients {
		wg.Go(func() {
			for id := range jobs {
				req, err := http.NewRequest(http.MethodPost, url(id), strings.NewReader(string(body)))
				if err != nil {
					log.Fatalf("request: %v", err)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				resp, err := client.Do(req)
				bad := err != nil
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					bad = resp.StatusCode != http.StatusCreated
				}
				d := time.Since(start)
				mu.Lock()
				out.lat = append(out.lat, d)
				if bad {
					out.errors++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	out.wall = time.Since(t0)
	return out
}

// openMeeting opens a meeting of force on day through the API, and gives
// its ID.
func openMeeting(svc, force string, day domain.Date) (string, error) {
	body, _ := json.Marshal(map[string]string{"force": force, "held_on": day.String()})
	req, err := http.NewRequest(http.MethodPost, svc+"/api/v1/meetings", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var m struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("opening a meeting of %s: status %d (%v)", force, resp.StatusCode, err)
	}
	return m.ID, nil
}

func rssMB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return kb / 1024
		}
	}
	runtime.KeepAlive(b)
	return -1
}

// forgetFlags empties flags and what was made from them (outbox events,
// meeting items and their decisions), with the kept counts and run history,
// as on a register never swept; VACUUM ANALYZE leaves flags' statistics
// saying so.
func forgetFlags(ctx context.Context, pool *pgxpool.Pool) error {
	t := time.Now()
	for _, q := range []string{
		`TRUNCATE flags, notification_events, meeting_items CASCADE`,
		`UPDATE force_counts SET n = 0 WHERE metric LIKE 'flag:%'`,
		`UPDATE officer_loads SET overdue = 0, flagged = 0`,
		`DELETE FROM job_runs`,
		`VACUUM ANALYZE flags`,
		`CHECKPOINT`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	log.Printf("flags forgotten in %s: the first pass is a catch-up", time.Since(t).Round(time.Millisecond))
	return nil
}
