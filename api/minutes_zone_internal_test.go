package api

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

// The printable minutes give times in the service's zone, as the pages do:
// a meeting signed at 18:30 UTC in July was signed at 19:30 BST.
func TestPrintableMinutesInTheServicesZone(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	signed := time.Date(2026, 7, 1, 18, 30, 0, 0, time.UTC)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest("GET", "/", nil), rec)
	m := domain.Meeting{HeldOn: domain.NewDate(2026, 7, 1), SignedAt: &signed}
	if err := minutesHTML(c, m, "Tasking meeting", nil, london); err != nil {
		t.Fatal(err)
	}
	if body := rec.Body.String(); !strings.Contains(body, "1 July 2026 19:30 BST") {
		t.Errorf("the minutes' signing time: %s", body)
	}
}
