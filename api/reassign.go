package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type reassignRequest struct {
	ToOfficerID *string  `json:"to_officer_id"`
	Roles       []string `json:"roles"`
	Reason      *string  `json:"reason"`
	Preview     bool     `json:"preview"`
}

// reassign moves an officer's ownerships (and the meeting actions on those
// orders) to another officer, all or nothing; with preview it answers what
// would move and what cannot, writing nothing.
func (s *Server) reassign(c echo.Context) error {
	var req reassignRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	out, err := s.store.Reassign(ctxOf(c), domain.Reassignment{FromOfficerID: c.Param("id"),
		ToOfficerID: str(req.ToOfficerID), Roles: req.Roles, Reason: str(req.Reason), Preview: req.Preview})
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}
