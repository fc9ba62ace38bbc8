package api

import (
	"strings"
	"testing"

	"scpo/api/web"
)

// publicPages need no session: signing in and out, and the static assets.
var publicPages = map[string]bool{
	"GET /sign-in": true, "POST /sign-in": true, "GET /sign-in/link/:token": true,
	"POST /sign-in/link/:token": true, "POST /sign-out": true,
	"GET /sign-in/oidc": true, "GET /sign-in/oidc/callback": true,
	"GET /static/*": true, "GET /assets/*": true, "GET /favicon.ico": true,
	// The calendar feed: its secret is the credential (calendar.go).
	"GET /calendar/:file": true,
}

// Every page follows an entry of the one permission table, and the server
// has no page that is neither listed there nor public.
func TestPagesFollowThePermissionTable(t *testing.T) {
	pages := map[string]bool{}
	for _, r := range web.Routes() {
		key := r.Method + " " + r.Path
		if pages[key] {
			t.Errorf("page %s is listed twice", key)
		}
		pages[key] = true
		if _, ok := permissions[r.Perm]; !ok {
			t.Errorf("page %s follows %q, which has no entry in permissions", key, r.Perm)
		}
	}
	apiRoutes := map[string]bool{}
	for _, r := range routes(&Server{}) {
		apiRoutes[r.method+" "+r.path] = true
	}
	for _, r := range New(Config{}).Routes() {
		key := r.Method + " " + r.Path
		if strings.HasPrefix(r.Method, "echo_") || strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/healthz" || r.Path == "/readyz" || apiRoutes[key] {
			continue
		}
		if !pages[key] && !publicPages[key] {
			t.Errorf("the server has page %s with no permission entry", key)
		}
	}
}
