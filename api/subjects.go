package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"scpo/domain"
)

type custodyRequest struct {
	Status          *string `json:"status"`
	Establishment   *string `json:"establishment"`
	ReleaseDate     *string `json:"release_date"`
	ReleaseDateType *string `json:"release_date_type"`
	ReleasedOn      *string `json:"released_on"`
	BeganOn         *string `json:"began_on"`
}

// subjectRequest is the writable part of a subject. Dates are strings here
// so a bad one is reported against its field.
type subjectRequest struct {
	// Kind: individual (the default), or (ss.30-34) body_corporate,
	// partnership or unincorporated_association, which have a name, a
	// registration number where they have one and a registered address.
	Kind               *string         `json:"kind"`
	Name               *string         `json:"name"`
	RegistrationNumber *string         `json:"registration_number"`
	RegisteredAddress  *string         `json:"registered_address"`
	FirstNames         *string         `json:"first_names"`
	LastName           *string         `json:"last_name"`
	Aliases            []string        `json:"aliases"`
	DateOfBirth        *string         `json:"date_of_birth"`
	PNCID              *string         `json:"pnc_id"`
	VisorID            *string         `json:"visor_id"`
	PrisonNumber       *string         `json:"prison_number"`
	Force              *string         `json:"force"`
	Custody            *custodyRequest `json:"custody"`
}

// apply copies the request onto sub, collecting field problems in v.
func (r subjectRequest) apply(sub *domain.Subject, v *domain.ValidationError) {
	sub.Kind, sub.Name = str(r.Kind), str(r.Name)
	if sub.Kind == "" {
		sub.Kind = domain.SubjectIndividual
	}
	if sub.IsIndividual() && r.Name != nil {
		v.Add("name", "is for a body corporate, partnership or unincorporated association; an individual has first_names and last_name")
	}
	if !sub.IsIndividual() && r.LastName != nil {
		v.Add("last_name", "must be empty for a %s: give its name", sub.Kind)
	}
	sub.RegistrationNumber, sub.RegisteredAddress = r.RegistrationNumber, r.RegisteredAddress
	sub.FirstNames, sub.LastName, sub.PNCID, sub.Force = str(r.FirstNames), str(r.LastName), str(r.PNCID), str(r.Force)
	sub.Aliases = r.Aliases
	if sub.Aliases == nil {
		sub.Aliases = []string{}
	}
	sub.VisorID, sub.PrisonNumber = r.VisorID, r.PrisonNumber
	sub.DateOfBirth = domain.Date{}
	if d := dateField(v, "date_of_birth", r.DateOfBirth); d != nil {
		sub.DateOfBirth = *d
	}
	if r.Custody == nil {
		sub.Custody = domain.Custody{Status: domain.CustodyCommunity}
		return
	}
	sub.Custody = domain.Custody{Status: str(r.Custody.Status), Establishment: r.Custody.Establishment,
		ReleaseDate:     dateField(v, "custody.release_date", r.Custody.ReleaseDate),
		ReleaseDateType: r.Custody.ReleaseDateType,
		ReleasedOn:      dateField(v, "custody.released_on", r.Custody.ReleasedOn),
		BeganOn:         dateField(v, "custody.began_on", r.Custody.BeganOn)}
}

func subjectRequestOf(s domain.Subject) subjectRequest {
	out := subjectRequest{Kind: &s.Kind, Aliases: s.Aliases, VisorID: s.VisorID, PrisonNumber: s.PrisonNumber, Force: &s.Force,
		Custody: &custodyRequest{Status: &s.Custody.Status, Establishment: s.Custody.Establishment,
			ReleaseDate: dateStr(s.Custody.ReleaseDate), ReleaseDateType: s.Custody.ReleaseDateType,
			ReleasedOn: dateStr(s.Custody.ReleasedOn)}}
	if !s.IsIndividual() {
		out.Name, out.RegistrationNumber, out.RegisteredAddress = &s.Name, s.RegistrationNumber, s.RegisteredAddress
		return out
	}
	dob := s.DateOfBirth.String()
	out.FirstNames, out.LastName, out.DateOfBirth, out.PNCID = &s.FirstNames, &s.LastName, &dob, &s.PNCID
	return out
}

func (s *Server) createSubject(c echo.Context) error {
	var req subjectRequest
	v, err := bindFields(c, &req)
	if err != nil {
		return err
	}
	var sub domain.Subject
	req.apply(&sub, v)
	s.checkForce(ctxOf(c), v, req.Force)
	if v.Err() != nil {
		sub.Validate(s.today(), v) // report the other fields' problems too
		return v
	}
	out, err := s.store.CreateSubject(ctxOf(c), sub)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/subjects/"+out.ID)
	etag(c, out.Version)
	return respond(c, http.StatusCreated, out)
}

func (s *Server) listSubjects(c echo.Context) error {
	q := newQuery(c, "force", "pnc_id", "q", "prison_number")
	f := domain.SubjectFilter{Force: q.str("force"), Q: q.str("q")}
	if p := q.str("pnc_id"); p != "" {
		long, err := domain.NormalisePNC(p, s.today())
		if err != nil {
			q.errs.Add("pnc_id", "%s", err)
		}
		f.PNCID = long
	}
	if p := q.str("prison_number"); p != "" {
		n, err := domain.NormalisePrisonNumber(p)
		if err != nil {
			q.errs.Add("prison_number", "%s", err)
		}
		f.PrisonNumber = n
	}
	if len(f.Q) > 200 {
		q.errs.Add("q", "must be at most 200 characters")
	}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, next, err := s.store.ListSubjects(ctxOf(c), f, p)
	if err != nil {
		return err
	}
	return respond(c, http.StatusOK, listOf(items, next))
}

func (s *Server) getSubject(c echo.Context) error {
	out, err := s.store.GetSubject(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	etag(c, out.Version)
	return respond(c, http.StatusOK, out)
}

func (s *Server) patchSubject(c echo.Context) error {
	body, err := patchBody(c, &subjectRequest{})
	if err != nil {
		return err
	}
	given := releaseGiven(body)
	today := s.today()
	// The closure runs inside the store's transaction: it only decodes and
	// checks the request, and never queries on its own (the store checks
	// the force within the transaction).
	out, err := s.store.UpdateSubject(ctxOf(c), c.Param("id"), ifMatch(c), func(sub *domain.Subject) error {
		wasHeld, kind := sub.Custody.InCustody(), sub.Kind
		var req subjectRequest
		if err := patchInto(subjectRequestOf(*sub), body, &req); err != nil {
			return err
		}
		if k := str(req.Kind); k != kind {
			return domain.Invalid("kind", "cannot change from %s: record the %s as a new subject", kind, k)
		}
		v := &domain.ValidationError{}
		req.apply(sub, v)
		if wasHeld && req.Custody != nil && str(req.Custody.Status) == domain.CustodyCommunity {
			// A release: the day is released_on, or the release_date given
			// with it (the day the subject actually left), else today.
			if !given.releasedOn && given.releaseDate {
				sub.Custody.ReleasedOn = dateField(v, "custody.release_date", req.Custody.ReleaseDate)
				if d := sub.Custody.ReleasedOn; d != nil && d.After(today.Time) {
					v.Add("custody.release_date", "must not be in the future: on a release it is the day the subject left custody")
					sub.Custody.ReleasedOn = nil // reported against the field the client gave
				}
			} else if !given.releasedOn {
				sub.Custody.ReleasedOn = nil
			}
		}
		if v.Err() != nil {
			sub.Validate(today, v)
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

type releaseFields struct{ releaseDate, releasedOn bool }

// releaseGiven reports which release dates a patch body names itself (as
// opposed to what the merge with the stored subject carries over).
func releaseGiven(body []byte) releaseFields {
	var doc struct {
		Custody map[string]json.RawMessage `json:"custody"`
	}
	_ = json.Unmarshal(body, &doc)
	_, date := doc.Custody["release_date"]
	_, on := doc.Custody["released_on"]
	return releaseFields{releaseDate: date, releasedOn: on}
}

func (s *Server) custodyHistory(c echo.Context) error {
	return recordList(c, 3, func(p domain.Page) ([]domain.CustodyPeriod, string, error) {
		return s.store.CustodyHistory(ctxOf(c), c.Param("id"), p)
	})
}
