package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type transferRequest struct {
	ToForce *string `json:"to_force"`
	Reason  *string `json:"reason"`
}

// requestTransfer: the sending force asks for a subject, with their
// orders, to move to another force.
func (s *Server) requestTransfer(c echo.Context) error {
	var req transferRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	out, err := s.store.RequestTransfer(ctxOf(c), domain.TransferRequest{SubjectID: c.Param("id"),
		ToForce: str(req.ToForce), Reason: str(req.Reason)})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/transfers/"+out.ID)
	return respond(c, http.StatusCreated, out)
}

func (s *Server) listTransfers(c echo.Context) error {
	q := newQuery(c, "force", "direction", "status", "subject_id")
	f := domain.TransferFilter{Force: q.str("force"), Direction: q.oneOf("direction", []string{"incoming", "outgoing"}),
		Status: q.oneOf("status", []string{domain.TransferRequested, domain.TransferAccepted, domain.TransferDeclined,
			domain.TransferWithdrawn}), SubjectID: q.id("subject_id")}
	if f.Direction != "" && f.Force == "" {
		q.errs.Add("force", "is required with direction")
	}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	out, next, err := s.store.ListTransfers(ctxOf(c), f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(out, next))
}

func (s *Server) getTransfer(c echo.Context) error {
	out, err := s.store.GetTransfer(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}

type transferDecision struct {
	Reason *string `json:"reason"`
}

// decideTransfer answers a transfer: the receiving force's chair accepts or
// declines (with a reason), the sending force withdraws.
func (s *Server) decideTransfer(status string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req transferDecision
		if err := bindOptionalJSON(c, &req); err != nil {
			return err
		}
		out, err := s.store.DecideTransfer(ctxOf(c), c.Param("id"), status, req.Reason)
		if err != nil {
			return err
		}
		return respond(c, http.StatusOK, out)
	}
}
