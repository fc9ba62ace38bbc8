package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"scpo/domain"
)

// reassignData is the page that moves a leaver's (or a colleague's) orders
// to another officer of the force: who may take them, with what each holds,
// and a preview of what would move and what cannot.
type reassignData struct {
	Officer  domain.Officer
	Holds    int
	Officers []domain.Officer
	Load     map[string]domain.WorkloadLine
	Result   *domain.ReassignmentResult
}

var reassignLabels = map[string]string{"to_officer_id": "Officer to take them", "reason": "Reason", "roles": "Roles"}

func (w *Web) reassignPage(r *req) (*page, *reassignData, error) {
	o, err := w.store.GetOfficer(r.ctx(), r.Param("id"))
	if err != nil {
		return nil, nil, err
	}
	if o.Force == nil {
		return nil, nil, domain.ErrNotFound // a national officer owns no orders
	}
	officers, _, err := w.store.ListOfficers(r.ctx(), domain.OfficerFilter{Force: *o.Force}, domain.Page{Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	officers = slices.DeleteFunc(officers, func(x domain.Officer) bool {
		return !x.Active || x.ID == o.ID || !slices.ContainsFunc(x.Roles, func(role string) bool {
			return role == domain.RoleIOMOfficer || role == domain.RoleLRO || role == domain.RoleOrdersOfficer
		})
	})
	load, err := w.store.Workload(r.ctx(), *o.Force, w.today())
	if err != nil {
		return nil, nil, err
	}
	d := &reassignData{Officer: o, Officers: officers, Load: map[string]domain.WorkloadLine{}}
	for _, l := range load.Officers {
		d.Load[l.Officer.ID] = l
		if l.Officer.ID == o.ID {
			d.Holds = l.Total // owned, not covered
		}
	}
	return r.page("Reassign "+o.Name+"'s orders", "officers", d), d, nil
}

func (w *Web) reassignForm(r *req) error {
	p, _, err := w.reassignPage(r)
	if err != nil {
		return err
	}
	return w.render(r, "reassign", p)
}

// reassign previews (the preview button) or makes the move, as POST
// /api/v1/officers/{id}/reassign does: every ownership in the roles chosen
// (all when none), with the leaver's open actions on a whole move, or
// nothing when any cannot move.
func (w *Web) reassign(r *req) error {
	p, d, err := w.reassignPage(r)
	if err != nil {
		return err
	}
	p.Values = formValues(r, "to_officer_id", "reason")
	form, _ := r.FormParams()
	roles := form["roles"]
	for _, role := range roles {
		p.Values["role-"+role] = "on"
	}
	preview := r.FormValue("preview") != ""
	res, err := w.store.Reassign(r.ctx(), domain.Reassignment{FromOfficerID: d.Officer.ID, ToOfficerID: p.Values["to_officer_id"],
		Roles: roles, Reason: p.Values["reason"], Preview: preview})
	if err != nil {
		return w.formError(r, err, "reassign", p, reassignLabels)
	}
	if preview {
		d.Result = &res
		return w.render(r, "reassign", p)
	}
	q := url.Values{"done": {"reassigned"}, "moved": {strconv.Itoa(res.Moved)}, "actions": {strconv.Itoa(res.ActionsMoved)}}
	return r.Redirect(http.StatusSeeOther, "/officers/"+d.Officer.ID+"?"+q.Encode())
}
