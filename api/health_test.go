package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"scpo/api"
)

// /healthz follows the process's own health: 503 once a dependency it
// manages (the private cluster) is beyond recovering, 200 again after.
func TestHealthzReportsAProcessThatCannotRecover(t *testing.T) {
	t.Parallel()
	var broken error
	h := api.New(api.Config{Health: func() error { return broken }})
	get := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		return rec.Code
	}
	if got := get(); got != http.StatusOK {
		t.Errorf("healthy: %d, want 200", got)
	}
	broken = errors.New("the private PostgreSQL cluster cannot be restarted")
	if got := get(); got != http.StatusServiceUnavailable {
		t.Errorf("unrecoverable: %d, want 503", got)
	}
	broken = nil
	if got := get(); got != http.StatusOK {
		t.Errorf("recovered: %d, want 200", got)
	}
}
