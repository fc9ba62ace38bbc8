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
	if err := minutesHTML(c, m, "Tasking meeting", nil, london,
		func(func([]domain.AgendaOrder) error) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if body := rec.Body.String(); !strings.Contains(body, "1 July 2026 19:30 BST") {
		t.Errorf("the minutes' signing time: %s", body)
	}
}

// The printable minutes are written a page of the agenda at a time: each
// page's orders in turn, the page's end after them, and "Nothing on the
// agenda" only when there was none.
func TestPrintableMinutesWrittenAPageAtATime(t *testing.T) {
	pages := [][]domain.AgendaOrder{
		{{Reference: "REF-A", SubjectName: "Ann"}, {Reference: "REF-B", SubjectName: "Bo"}},
		{{Reference: "REF-C", SubjectName: "Cy"}},
	}
	for _, tc := range []struct {
		name  string
		pages [][]domain.AgendaOrder
		want  []string
	}{
		{"two pages", pages, []string{"<td>REF-A</td>", "<td>REF-B</td>", "<td>REF-C</td>", "<h2>Actions carried forward</h2>"}},
		{"no agenda", nil, []string{"Nothing on the agenda", "<h2>Actions carried forward</h2>"}},
	} {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest("GET", "/", nil), rec)
		err := minutesHTML(c, domain.Meeting{HeldOn: domain.NewDate(2026, 7, 1)}, "Tasking meeting", nil, time.UTC,
			func(each func([]domain.AgendaOrder) error) error {
				for _, p := range tc.pages {
					if err := each(p); err != nil {
						return err
					}
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		at := 0
		for _, w := range tc.want {
			i := strings.Index(body[at:], w)
			if i < 0 {
				t.Errorf("%s: %q missing or out of order in\n%s", tc.name, w, body)
				break
			}
			at += i
		}
		if tc.pages != nil && strings.Contains(body, "Nothing on the agenda") {
			t.Errorf("%s: says nothing is on the agenda", tc.name)
		}
		if !strings.HasSuffix(strings.TrimSpace(body), "</html>") || rec.Code != 200 {
			t.Errorf("%s: %d, the page does not end: %s", tc.name, rec.Code, body)
		}
	}
}
