package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
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
		{http.MethodGet, "/api/v1/me/notifications", s.myNotifications},
		{http.MethodPut, "/api/v1/me/notifications", s.setMyNotifications},
		{http.MethodPost, "/api/v1/me/calendar", s.createMyCalendar},
		{http.MethodDelete, "/api/v1/me/calendar", s.revokeMyCalendar},
		{http.MethodGet, "/api/v1/forces", s.listForces},
		{http.MethodGet, "/api/v1/forces/:code", s.getForce},

		{http.MethodPost, "/api/v1/officers", s.createOfficer},
		{http.MethodGet, "/api/v1/officers", s.listOfficers},
		{http.MethodGet, "/api/v1/officers/:id", s.getOfficer},
		{http.MethodPatch, "/api/v1/officers/:id", s.patchOfficer},
		{http.MethodPost, "/api/v1/officers/:id/tokens", s.issueToken},
		{http.MethodGet, "/api/v1/officers/:id/tokens", s.listTokens},
		{http.MethodDelete, "/api/v1/officers/:id/tokens/:token_id", s.revokeToken},

		{http.MethodPost, "/api/v1/subjects", s.createSubject},
		{http.MethodGet, "/api/v1/subjects", s.listSubjects},
		{http.MethodGet, "/api/v1/subjects/:id", s.getSubject},
		{http.MethodPatch, "/api/v1/subjects/:id", s.patchSubject},
		{http.MethodGet, "/api/v1/subjects/:id/access-log", s.accessLog},
		{http.MethodGet, "/api/v1/subjects/:id/custody-history", s.custodyHistory},
		{http.MethodPost, "/api/v1/subjects/:id/transfers", s.requestTransfer},
		{http.MethodGet, "/api/v1/transfers", s.listTransfers},
		{http.MethodGet, "/api/v1/transfers/:id", s.getTransfer},
		{http.MethodPost, "/api/v1/transfers/:id/accept", s.decideTransfer(domain.TransferAccepted)},
		{http.MethodPost, "/api/v1/transfers/:id/decline", s.decideTransfer(domain.TransferDeclined)},
		{http.MethodPost, "/api/v1/transfers/:id/withdraw", s.decideTransfer(domain.TransferWithdrawn)},
		{http.MethodGet, "/api/v1/subjects/:id/export", s.exportSubject},

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
		{http.MethodPost, "/api/v1/orders/:id/checks/:check_id/cancel", s.cancelCheck},
		{http.MethodGet, "/api/v1/orders/:id/terms", s.termsOn},
		{http.MethodGet, "/api/v1/orders/:id/terms/versions", s.termVersions},
		{http.MethodGet, "/api/v1/orders/:id/events", s.orderEvents},
		{http.MethodGet, "/api/v1/orders/:id/decisions", s.orderDecisions},
		{http.MethodPost, "/api/v1/orders/:id/variations", s.vary},
		{http.MethodPost, "/api/v1/orders/:id/service", s.recordService},
		{http.MethodPost, "/api/v1/orders/:id/discharge", s.discharge},
		{http.MethodPost, "/api/v1/orders/:id/appeals", s.lodgeAppeal},
		{http.MethodPost, "/api/v1/orders/:id/appeals/:appeal_id/decision", s.decideAppeal},
		{http.MethodPost, "/api/v1/orders/:id/extensions", s.recordCharge},
		{http.MethodGet, "/api/v1/orders/:id/extensions", s.listExtensions},
		{http.MethodPatch, "/api/v1/orders/:id/extensions/:extension_id", s.decideCharge},
		{http.MethodPost, "/api/v1/orders/:id/breaches", s.recordBreach},
		{http.MethodGet, "/api/v1/orders/:id/breaches", s.listBreaches},
		{http.MethodPatch, "/api/v1/orders/:id/breaches/:breach_id", s.decideBreach},
		{http.MethodPost, "/api/v1/orders/:id/checks/:check_id/no-breach", s.decideNoBreach},

		{http.MethodGet, "/api/v1/flags", s.listFlags},
		{http.MethodGet, "/api/v1/jobs", s.listJobs},
		{http.MethodPost, "/api/v1/jobs/:name/runs", s.runJob},
		{http.MethodGet, "/api/v1/jobs/:name/runs", s.listJobRuns},
		{http.MethodGet, "/api/v1/jobs/:name/runs/:id", s.getJobRun},
		{http.MethodGet, "/api/v1/jobs/:name/preview", s.previewJob},
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
		{http.MethodPost, "/api/v1/meetings/:id/decisions/:decision_id/corrections", s.correctDecision},
		{http.MethodPost, "/api/v1/meetings/:id/decisions/:decision_id/withdraw", s.withdrawDecision},
		{http.MethodPut, "/api/v1/meetings/:id/attendance", s.setAttendance},
		{http.MethodPost, "/api/v1/meetings/:id/sign-off", s.signOff},
		{http.MethodPost, "/api/v1/regional-meetings", s.openRegionalMeeting},
		{http.MethodPost, "/api/v1/regional-meetings/:id/decisions", s.decideRegional},
		{http.MethodGet, "/api/v1/actions", s.listActions},
		{http.MethodPost, "/api/v1/actions/:id/done", s.actionStatus(domain.ActionDone)},
		{http.MethodPost, "/api/v1/actions/:id/cancel", s.actionStatus(domain.ActionCancelled)},
		{http.MethodPost, "/api/v1/officers/:id/reassign", s.reassign},
		{http.MethodPost, "/api/v1/officers/:id/absences", s.recordAbsence},
		{http.MethodGet, "/api/v1/officers/:id/absences", s.listAbsences},
		{http.MethodPatch, "/api/v1/officers/:id/absences/:absence_id", s.patchAbsence},
		{http.MethodGet, "/api/v1/reports/workload", s.workloadReport},

		{http.MethodGet, "/api/v1/audit", s.listAudit},

		{http.MethodGet, "/api/v1/imports/template", s.importTemplate},
		{http.MethodPost, "/api/v1/imports", s.importFile},
	}
}

// Role groups for the permission table. Need-to-know: the auditor reads
// the audit trail and nothing else it does not need; a regional lead reads
// but does not change; the tasking chair allocates owners.
var (
	everyone     = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison", "tasking_chair", "regional", "auditor"}
	readers      = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison", "tasking_chair", "regional"}
	caseworkers  = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison"}
	orderWriters = []string{"admin", "iom_officer", "lro", "orders_officer"}
	chair        = []string{"admin", "tasking_chair"}
	// A regional lead holds the region's meeting; it changes no force's records.
	regionalLead = []string{"regional"}
	// A meeting's minutes are kept by its chair: a force meeting's
	// tasking chair, a regional meeting's lead (the store tells the two
	// apart: a lead keeps no force meeting's minutes).
	minuteTakers = []string{"admin", "tasking_chair", "regional"}
	// actors are the roles a meeting may give an action to (domain.ActionRoles), and admin.
	actors = []string{"admin", "iom_officer", "lro", "orders_officer", "prison_liaison", "tasking_chair"}
	// A transfer is asked for (or withdrawn) by the sending force's chair or
	// orders officer; the receiving force's chair answers it.
	transferSenders = []string{"admin", "tasking_chair", "orders_officer"}
	admin           = []string{"admin"}
	auditor         = []string{"auditor"}
	importers       = []string{"admin", "orders_officer"}
	disclosers      = []string{"admin", "auditor"}
)

// permissions is the single permission table: which roles may call each
// route. The README shows it; authorise enforces it; a test fails when a
// route has no entry.
var permissions = map[string][]string{
	"GET /api/v1/me":               everyone,
	"GET /api/v1/me/notifications": everyone,
	"PUT /api/v1/me/notifications": everyone,
	// An officer's own calendar feed: their reviews, checks and actions.
	"POST /api/v1/me/calendar":   everyone,
	"DELETE /api/v1/me/calendar": everyone,
	"GET /api/v1/forces":         everyone,
	"GET /api/v1/forces/:code":   everyone,

	"POST /api/v1/officers":                        admin,
	"GET /api/v1/officers":                         everyone,
	"GET /api/v1/officers/:id":                     everyone,
	"PATCH /api/v1/officers/:id":                   admin,
	"POST /api/v1/officers/:id/tokens":             admin,
	"GET /api/v1/officers/:id/tokens":              admin,
	"DELETE /api/v1/officers/:id/tokens/:token_id": admin,
	"POST /api/v1/officers/:id/reassign":           chair,

	"POST /api/v1/subjects":                           caseworkers,
	"GET /api/v1/subjects":                            readers,
	"GET /api/v1/subjects/:id":                        readers,
	"PATCH /api/v1/subjects/:id":                      caseworkers,
	"GET /api/v1/subjects/:id/access-log":             auditor,
	"GET /api/v1/subjects/:id/custody-history":        readers,
	"POST /api/v1/subjects/:id/transfers":             transferSenders,
	"GET /api/v1/transfers":                           readers,
	"GET /api/v1/transfers/:id":                       readers,
	"POST /api/v1/transfers/:id/accept":               chair,
	"POST /api/v1/transfers/:id/decline":              chair,
	"POST /api/v1/transfers/:id/withdraw":             transferSenders,
	"POST /api/v1/officers/:id/absences":              chair,
	"GET /api/v1/officers/:id/absences":               readers,
	"PATCH /api/v1/officers/:id/absences/:absence_id": chair,
	"GET /api/v1/reports/workload":                    readers,
	"GET /api/v1/subjects/:id/export":                 disclosers,

	"POST /api/v1/orders":                             orderWriters,
	"GET /api/v1/orders":                              readers,
	"GET /api/v1/orders/:id":                          readers,
	"PATCH /api/v1/orders/:id":                        orderWriters,
	"PUT /api/v1/orders/:id/owners/:role":             chair,
	"DELETE /api/v1/orders/:id/owners/:role":          chair,
	"GET /api/v1/orders/:id/owners/history":           readers,
	"POST /api/v1/orders/:id/reviews":                 caseworkers,
	"GET /api/v1/orders/:id/reviews":                  readers,
	"POST /api/v1/orders/:id/checks":                  caseworkers,
	"GET /api/v1/orders/:id/checks":                   readers,
	"PATCH /api/v1/orders/:id/checks/:check_id":       caseworkers,
	"POST /api/v1/orders/:id/checks/:check_id/cancel": caseworkers,

	// The legal life: court decisions are recorded by those who write
	// orders; service and breaches by the caseworkers who find them.
	"GET /api/v1/orders/:id/terms":                        readers,
	"GET /api/v1/orders/:id/terms/versions":               readers,
	"GET /api/v1/orders/:id/events":                       readers,
	"GET /api/v1/orders/:id/decisions":                    readers,
	"POST /api/v1/orders/:id/variations":                  orderWriters,
	"POST /api/v1/orders/:id/service":                     caseworkers,
	"POST /api/v1/orders/:id/discharge":                   orderWriters,
	"POST /api/v1/orders/:id/appeals":                     orderWriters,
	"POST /api/v1/orders/:id/appeals/:appeal_id/decision": orderWriters,
	"POST /api/v1/orders/:id/extensions":                  orderWriters,
	"GET /api/v1/orders/:id/extensions":                   readers,
	"PATCH /api/v1/orders/:id/extensions/:extension_id":   orderWriters,
	"POST /api/v1/orders/:id/breaches":                    caseworkers,
	"GET /api/v1/orders/:id/breaches":                     readers,
	"PATCH /api/v1/orders/:id/breaches/:breach_id":        caseworkers,
	"POST /api/v1/orders/:id/checks/:check_id/no-breach":  caseworkers,

	"GET /api/v1/flags":               readers,
	"GET /api/v1/jobs":                readers,
	"POST /api/v1/jobs/:name/runs":    admin,
	"GET /api/v1/jobs/:name/runs":     readers,
	"GET /api/v1/jobs/:name/runs/:id": readers,
	"GET /api/v1/jobs/:name/preview":  admin,
	"GET /api/v1/forces/:code/policy": readers,
	"PUT /api/v1/forces/:code/policy": admin,

	"GET /api/v1/caseload":                readers,
	"GET /api/v1/reports/tasking":         readers,
	"GET /api/v1/reports/pre-release":     readers,
	"GET /api/v1/reports/region":          readers,
	"POST /api/v1/meetings":               chair,
	"GET /api/v1/meetings":                readers,
	"GET /api/v1/meetings/:id":            readers,
	"POST /api/v1/meetings/:id/decisions": chair,

	"POST /api/v1/meetings/:id/decisions/:decision_id/corrections": minuteTakers,
	"POST /api/v1/meetings/:id/decisions/:decision_id/withdraw":    minuteTakers,
	"PUT /api/v1/meetings/:id/attendance":                          minuteTakers,
	"POST /api/v1/meetings/:id/sign-off":                           minuteTakers,
	"POST /api/v1/regional-meetings":                               regionalLead,
	"POST /api/v1/regional-meetings/:id/decisions":                 regionalLead,
	"GET /api/v1/actions":                                          readers,
	// An action is closed by the officer given it (the store checks) or
	// the force's chair.
	"POST /api/v1/actions/:id/done":   actors,
	"POST /api/v1/actions/:id/cancel": actors,

	"GET /api/v1/audit": auditor,

	"GET /api/v1/imports/template": importers,
	"POST /api/v1/imports":         importers,
}
