package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

func (s *Server) me(c echo.Context) error {
	me, err := s.store.GetOfficer(ctxOf(c), actor(c).ID)
	if err != nil {
		return err
	}
	etag(c, me.Version)
	return respond(c, http.StatusOK, me)
}

func (s *Server) listForces(c echo.Context) error {
	q := newQuery(c, "region")
	if err := q.err(); err != nil {
		return err
	}
	forces, err := s.store.ListForces(ctxOf(c))
	if err != nil {
		return err
	}
	region := q.str("region")
	out := []domain.Force{}
	for _, f := range forces {
		if region == "" || f.Region == region {
			out = append(out, f)
		}
	}
	return respond(c, http.StatusOK, listOf(out, ""))
}

func (s *Server) getForce(c echo.Context) error {
	f, err := s.store.GetForce(ctxOf(c), c.Param("code"))
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, f)
}

// officerRequest is the writable part of an officer.
type officerRequest struct {
	Name   *string  `json:"name"`
	Email  *string  `json:"email"`
	Force  *string  `json:"force"`
	Roles  []string `json:"roles"`
	Active *bool    `json:"active"`
}

func (r officerRequest) apply(o *domain.Officer) {
	o.Name, o.Email, o.Force, o.Roles = str(r.Name), str(r.Email), r.Force, r.Roles
	if o.Roles == nil {
		o.Roles = []string{}
	}
	o.Active = r.Active == nil || *r.Active
}

func officerRequestOf(o domain.Officer) officerRequest {
	return officerRequest{Name: &o.Name, Email: &o.Email, Force: o.Force, Roles: o.Roles, Active: &o.Active}
}

func (s *Server) createOfficer(c echo.Context) error {
	var req officerRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	var o domain.Officer
	req.apply(&o)
	s.checkForce(ctxOf(c), v, req.Force)
	if v.Err() != nil {
		o.Validate(v)
		return v
	}
	out, err := s.store.CreateOfficer(ctxOf(c), o)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/officers/"+out.ID)
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

func (s *Server) listOfficers(c echo.Context) error {
	q := newQuery(c, "force", "role")
	f := domain.OfficerFilter{Force: q.str("force"), Role: q.oneOf("role", domain.OfficerRoles)}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.store.ListOfficers(ctxOf(c), f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(items, next))
}

func (s *Server) getOfficer(c echo.Context) error {
	o, err := s.store.GetOfficer(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	etag(c, o.Version)
	return respond(c, http.StatusOK, o)
}

func (s *Server) patchOfficer(c echo.Context) error {
	body, err := patchBody(c, &officerRequest{})
	if err != nil {
		return err
	}
	out, err := s.store.UpdateOfficer(ctxOf(c), c.Param("id"), ifMatch(c), func(o *domain.Officer) error {
		var req officerRequest
		if err := patchInto(officerRequestOf(*o), body, &req); err != nil {
			return err
		}
		req.apply(o)
		return nil
	})
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

// patchBody reads a PATCH body and checks it against the request type, so
// a malformed patch is refused before any record is locked.
func patchBody(c echo.Context, shape any) ([]byte, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, malformed("a JSON body is required")
	}
	if err := decodeStrict(body, shape); err != nil {
		return nil, err
	}
	return body, nil
}

type tokenRequest struct {
	ExpiresAt *string `json:"expires_at"`
}

func (s *Server) issueToken(c echo.Context) error {
	var req tokenRequest
	if err := bindOptionalJSON(c, &req); err != nil {
		return err
	}
	var expires *time.Time
	if req.ExpiresAt != nil {
		t, err := time.Parse(time.RFC3339, *req.ExpiresAt)
		if err != nil {
			return domain.Invalid("expires_at", "must be an RFC 3339 timestamp")
		}
		if !t.After(s.clock.Now()) {
			return domain.Invalid("expires_at", "must be in the future")
		}
		t = t.UTC()
		expires = &t
	}
	tok, err := s.store.IssueToken(ctxOf(c), c.Param("id"), expires)
	if err != nil {
		return err
	}
	return respond(c, http.StatusCreated, tok)
}
