package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type route struct {
	method, path string
	handler      echo.HandlerFunc
}

// routes lists every authenticated route. Its permission is in
// permissions, keyed by method and path; a test keeps the two, and the
// OpenAPI document, in step.
func routes(s *Server) []route {
	return []route{
		{http.MethodGet, "/api/v1/me", s.me},
		{http.MethodGet, "/api/v1/forces", s.listForces},
		{http.MethodGet, "/api/v1/forces/:code", s.getForce},

		{http.MethodPost, "/api/v1/officers", s.createOfficer},
		{http.MethodGet, "/api/v1/officers", s.listOfficers},
		{http.MethodGet, "/api/v1/officers/:id", s.getOfficer},
		{http.MethodPatch, "/api/v1/officers/:id", s.patchOfficer},
		{http.MethodPost, "/api/v1/officers/:id/tokens", s.issueToken},

		{http.MethodPost, "/api/v1/subjects", s.createSubject},
		{http.MethodGet, "/api/v1/subjects", s.listSubjects},
		{http.MethodGet, "/api/v1/subjects/:id", s.getSubject},
		{http.MethodPatch, "/api/v1/subjects/:id", s.patchSubject},

		{http.MethodPost, "/api/v1/orders", s.createOrder},
		{http.MethodGet, "/api/v1/orders", s.listOrders},
		{http.MethodGet, "/api/v1/orders/:id", s.getOrder},
		{http.MethodPatch, "/api/v1/orders/:id", s.patchOrder},
		{http.MethodPut, "/api/v1/orders/:id/owners/:role", s.assignOwner},
		{http.MethodDelete, "/api/v1/orders/:id/owners/:role", s.removeOwner},
		{http.MethodGet, "/api/v1/orders/:id/owners/history", s.ownerHistory},
		{http.MethodPost, "/api/v1/orders/:id/reviews", s.recordReview},
		{http.MethodGet, "/api/v1/orders/:id/reviews", s.listReviews},
		{http.MethodPost, "/api/v1/orders/:id/checks", s.scheduleCheck},
		{http.MethodGet, "/api/v1/orders/:id/checks", s.listChecks},
		{http.MethodPatch, "/api/v1/orders/:id/checks/:check_id", s.completeCheck},

		{http.MethodGet, "/api/v1/flags", s.listFlags},
		{http.MethodGet, "/api/v1/jobs", s.listJobs},
		{http.MethodPost, "/api/v1/jobs/:name/runs", s.runJob},
		{http.MethodGet, "/api/v1/jobs/:name/runs", s.listJobRuns},
		{http.MethodGet, "/api/v1/forces/:code/policy", s.getPolicy},
		{http.MethodPut, "/api/v1/forces/:code/policy", s.putPolicy},

		{http.MethodGet, "/api/v1/caseload", s.caseload},
		{http.MethodGet, "/api/v1/reports/tasking", s.taskingReport},
		{http.MethodGet, "/api/v1/reports/pre-release", s.preReleaseReport},
		{http.MethodGet, "/api/v1/reports/region", s.regionReport},
		{http.MethodPost, "/api/v1/meetings", s.openMeeting},
		{http.MethodGet, "/api/v1/meetings", s.listMeetings},
		{http.MethodGet, "/api/v1/meetings/:id", s.getMeeting},
		{http.MethodPost, "/api/v1/meetings/:id/decisions", s.decide},
		{http.MethodPost, "/api/v1/officers/:id/reassign", s.reassign},
	}
}

// anyOfficer admits every active officer.
var anyOfficer = []string{}

// admin is for managing officers, tokens, policy and manual job runs.
var admin = []string{"admin"}

// chair runs tasking meetings and moves ownership in bulk.
var chair = []string{"tasking_chair", "admin"}

// permissions is the single permission table: which roles may call each
// route. The README shows it; authorise enforces it.
var permissions = map[string][]string{
	"GET /api/v1/me":           anyOfficer,
	"GET /api/v1/forces":       anyOfficer,
	"GET /api/v1/forces/:code": anyOfficer,

	"POST /api/v1/officers":            admin,
	"GET /api/v1/officers":             anyOfficer,
	"GET /api/v1/officers/:id":         anyOfficer,
	"PATCH /api/v1/officers/:id":       admin,
	"POST /api/v1/officers/:id/tokens": admin,

	"POST /api/v1/subjects":      anyOfficer,
	"GET /api/v1/subjects":       anyOfficer,
	"GET /api/v1/subjects/:id":   anyOfficer,
	"PATCH /api/v1/subjects/:id": anyOfficer,

	"POST /api/v1/orders":                       anyOfficer,
	"GET /api/v1/orders":                        anyOfficer,
	"GET /api/v1/orders/:id":                    anyOfficer,
	"PATCH /api/v1/orders/:id":                  anyOfficer,
	"PUT /api/v1/orders/:id/owners/:role":       anyOfficer,
	"DELETE /api/v1/orders/:id/owners/:role":    anyOfficer,
	"GET /api/v1/orders/:id/owners/history":     anyOfficer,
	"POST /api/v1/orders/:id/reviews":           anyOfficer,
	"GET /api/v1/orders/:id/reviews":            anyOfficer,
	"POST /api/v1/orders/:id/checks":            anyOfficer,
	"GET /api/v1/orders/:id/checks":             anyOfficer,
	"PATCH /api/v1/orders/:id/checks/:check_id": anyOfficer,

	"GET /api/v1/flags":               anyOfficer,
	"GET /api/v1/jobs":                anyOfficer,
	"POST /api/v1/jobs/:name/runs":    admin,
	"GET /api/v1/jobs/:name/runs":     anyOfficer,
	"GET /api/v1/forces/:code/policy": anyOfficer,
	"PUT /api/v1/forces/:code/policy": admin,

	"GET /api/v1/caseload":                anyOfficer,
	"GET /api/v1/reports/tasking":         anyOfficer,
	"GET /api/v1/reports/pre-release":     anyOfficer,
	"GET /api/v1/reports/region":          anyOfficer,
	"POST /api/v1/meetings":               chair,
	"GET /api/v1/meetings":                anyOfficer,
	"GET /api/v1/meetings/:id":            anyOfficer,
	"POST /api/v1/meetings/:id/decisions": chair,
	"POST /api/v1/officers/:id/reassign":  chair,
}
