package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type absenceRequest struct {
	Kind           *string `json:"kind"`
	StartsOn       *string `json:"starts_on"`
	EndsOn         *string `json:"ends_on"`
	CoverOfficerID *string `json:"cover_officer_id"`
	Notes          *string `json:"notes"`
	Cancelled      *bool   `json:"cancelled"`
}

func (r absenceRequest) apply(a *domain.Absence, v *domain.ValidationError) {
	a.Kind, a.Notes = str(r.Kind), r.Notes
	a.StartsOn = domain.Date{}
	if d := dateField(v, "starts_on", r.StartsOn); d != nil {
		a.StartsOn = *d
	}
	a.EndsOn = dateField(v, "ends_on", r.EndsOn)
	a.Cover = nil
	if r.CoverOfficerID != nil && *r.CoverOfficerID != "" {
		if id, ok := domain.CanonicalID(*r.CoverOfficerID); ok {
			a.Cover = &domain.OfficerRef{ID: id}
		} else {
			v.Add("cover_officer_id", "must be a UUID")
		}
	}
}

func absenceRequestOf(a domain.Absence) absenceRequest {
	starts := a.StartsOn.String()
	r := absenceRequest{Kind: &a.Kind, StartsOn: &starts, EndsOn: dateStr(a.EndsOn), Notes: a.Notes}
	if a.Cover != nil {
		r.CoverOfficerID = &a.Cover.ID
	}
	return r
}

func (s *Server) recordAbsence(c echo.Context) error {
	var req absenceRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	a := domain.Absence{OfficerID: c.Param("id")}
	req.apply(&a, v)
	if req.Cancelled != nil {
		v.Add("cancelled", "cannot be set when recording an absence")
	}
	if v.Err() != nil {
		a.Validate(s.today(), v)
		return v
	}
	out, err := s.store.RecordAbsence(ctxOf(c), a)
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

// listAbsences answers a page of an officer's absences, the latest first.
func (s *Server) listAbsences(c echo.Context) error {
	return recordList(c, 2, func(p domain.Page) ([]domain.Absence, string, error) {
		return s.store.ListAbsences(ctxOf(c), c.Param("id"), p)
	})
}

// patchAbsence changes an absence (dates, cover, notes) or, with
// "cancelled": true, cancels it.
func (s *Server) patchAbsence(c echo.Context) error {
	body, err := patchBody(c, &absenceRequest{})
	if err != nil {
		return err
	}
	today := s.today()
	out, err := s.store.UpdateAbsence(ctxOf(c), c.Param("id"), c.Param("absence_id"), ifMatch(c), func(a *domain.Absence) error {
		var req absenceRequest
		if err := patchInto(absenceRequestOf(*a), body, &req); err != nil {
			return err
		}
		v := &domain.ValidationError{}
		req.apply(a, v)
		if req.Cancelled != nil && *req.Cancelled {
			now := s.clock.Now()
			a.CancelledAt = &now
		}
		if v.Err() != nil {
			a.Validate(today, v)
			return v
		}
		return nil
	})
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

func (s *Server) workloadReport(c echo.Context) error {
	q := newQuery(c, "force", "as_of")
	force := q.str("force")
	if force == "" {
		q.errs.Add("force", "is required")
	}
	asOf := s.asOf(q)
	if err := q.err(); err != nil {
		return err
	}
	out, err := s.store.Workload(ctxOf(c), force, asOf)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, out)
}
