package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"scpo/api"
	"scpo/domain"
	"scpo/domain/postgres"
	"scpo/domain/postgres/pgtest"
)

// BenchmarkPages renders each page of the web interface, server-side, for
// a Gloucestershire tasking chair, over a register of generated orders
// (100,000 by default; SCPO_BENCH_PAGE_ORDERS to change), and reports each
// page's p50 and p99 and the bytes it sends. Not part of the default suite:
//
//	go test ./api -run '^$' -bench BenchmarkPages -benchtime 50x
func BenchmarkPages(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("SCPO_BENCH_PAGE_ORDERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	clock := domain.FixedClock(now)
	store, err := postgres.Open(ctx, pgtest.URL(b), clock, time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	day := domain.NewDate(2026, 11, 25)
	if _, err := store.GenerateOrders(ctx, n, day); err != nil {
		b.Fatal(err)
	}
	for _, job := range domain.JobNames {
		if _, err := store.RunJob(ctx, job, day, nil); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := store.EnsureBootstrapAdmin(ctx, adminToken); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Store: store, Clock: clock, Location: time.UTC, FailedAuthBurst: 1_000_000}))
	b.Cleanup(srv.Close)

	// The API, as the admin: a chair, their token, an order and its subject.
	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode >= 300 {
			b.Fatalf("%s %s: %d %v", method, path, res.StatusCode, out)
		}
		return out
	}
	chair := call("POST", "/api/v1/officers", `{"name": "Bench Chair", "email": "bench.chair@gloucestershire.police.uk",
		"force": "gloucestershire", "roles": ["tasking_chair"]}`)
	token := s(call("POST", "/api/v1/officers/"+s(chair, "id")+"/tokens", ""), "token")
	order := get(call("GET", "/api/v1/orders?force=gloucestershire&limit=1", ""), "items.0")

	// A browser: signed in by token, with its session cookie.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	fetch := func(path string) (int, int) {
		res, err := client.Get(srv.URL + path)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, len(body)
	}
	res, err := client.Get(srv.URL + "/sign-in")
	if err != nil {
		b.Fatal(err)
	}
	form, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(form)
	if m == nil {
		b.Fatal("no csrf token on the sign-in page")
	}
	res, err = client.PostForm(srv.URL+"/sign-in", url.Values{"csrf_token": {string(m[1])}, "token": {token}, "next": {"/"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()

	pages := []struct{ name, path string }{
		{"my-work", "/"},
		{"find-name", "/find?q=smith"},
		{"order", "/orders/" + s(order, "id")},
		{"subject", "/subjects/" + s(order, "subject_id")},
		{"tasking", "/tasking?force=gloucestershire"},
		{"pre-release", "/pre-release?force=gloucestershire"},
		{"region", "/region?region=south-west"},
		{"workload", "/workload?force=gloucestershire"},
		{"meetings", "/meetings?force=gloucestershire"},
		{"transfers", "/transfers?force=gloucestershire"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			var lat []time.Duration
			size := 0
			for i := 0; i < b.N; i++ {
				start := time.Now()
				status, n := fetch(p.path)
				lat = append(lat, time.Since(start))
				if status != http.StatusOK {
					b.Fatalf("%s: status %d", p.path, status)
				}
				size = max(size, n)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size)/1024, "KB")
		})
	}
}
