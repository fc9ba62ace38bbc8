package api

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// A download that fails after it has begun is cut off, not ended as if
// whole: the "as of" agenda CSV, stopped by the request's time limit,
// reached the client as a complete, shorter file (status 200, the
// chunked body properly ended, curl exiting 0). A failure before anything
// is sent is still answered as a problem.
func TestAnswerFailingAfterItBeganIsCutOff(t *testing.T) {
	s := &Server{}
	e := echo.New()
	e.HTTPErrorHandler = s.errorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.Use(requestLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	e.Use(middleware.Recover())
	e.GET("/begun", func(c echo.Context) error {
		w := startCSV(c, "agenda.csv")
		_ = w.Write([]string{"section", "order_id"})
		_ = w.Write([]string{"review_overdue", "a"})
		w.Flush()
		c.Response().Flush()
		return errors.New("statement timeout")
	})
	e.GET("/not-begun", func(c echo.Context) error { return errors.New("statement timeout") })
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/begun")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Errorf("the cut-off download read as whole (status %d): %q", resp.StatusCode, body)
	}
	if !strings.Contains(string(body), "review_overdue,a") {
		t.Errorf("the rows sent before the failure: %q", body)
	}

	resp, err = http.Get(srv.URL + "/not-begun")
	if err != nil {
		t.Fatal(err)
	}
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `"status":500`) {
		t.Errorf("a failure before anything was sent: %d %q %v", resp.StatusCode, body, err)
	}
}
