package web

import (
	"errors"
	"net/http"

	"scpo/domain"
)

// reassignData is the page that moves a leaver's (or a colleague's) orders
// to another officer of the force: who may take them, with what each holds,
// and a preview of what would move and what cannot.
type reassignData struct {
	Officer domain.Officer
	Holds   int
	// Officers are the colleagues who may take them, the first pickMax by
	// name (narrowed by Filter's name, when typed).
	Officers officerPick
	Filter   nameFilter
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
	if !domain.ScopeFrom(r.ctx()).CanWrite(*o.Force) {
		return nil, nil, domain.ErrForbidden // another force's officers are its own to move
	}
	// Those who may own an order: active, of the force, holding a role
	// that owns orders.
	who := pickName(r)
	pick, err := w.pickOfficers(r.ctx(), domain.OfficerFilter{Force: *o.Force, AnyRole: domain.OwningRoles}, who)
	if err != nil {
		return nil, nil, err
	}
	pick = pick.without(func(x domain.Officer) bool { return x.ID == o.ID })
	load, err := w.store.Workload(r.ctx(), *o.Force, w.today())
	if err != nil {
		return nil, nil, err
	}
	d := &reassignData{Officer: o, Officers: pick, Load: map[string]domain.WorkloadLine{}, Filter: officerFilter(r, who, pick.Cut())}
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
		// An ownership that cannot move is named by its order, not by a
		// field of this form: said in the summary, not linked.
		var v *domain.ValidationError
		if errors.As(err, &v) {
			for i, fe := range v.Errors {
				if _, ok := reassignLabels[fe.Field]; !ok {
					v.Errors[i].Field = ""
				}
			}
		}
		return w.formError(r, err, "reassign", p, reassignLabels)
	}
	if preview || res.Moved+res.ActionsMoved == 0 {
		// Nothing to move (a tab left open after the move, or roles they
		// do not hold) is said, not reported as a move of nothing.
		if !preview {
			p.Errors = []fieldError{{"", "Nothing was moved: " + d.Officer.Name + " holds no orders in the roles chosen"}}
			return w.renderStatus(r, http.StatusConflict, "reassign", p)
		}
		d.Result = &res
		return w.render(r, "reassign", p)
	}
	// What was moved goes with the session, not in the address (anyone
	// could write a banner of their own numbers into a link).
	if err := w.keepFlash(r, reassignDone{Officer: d.Officer.ID, Moved: res.Moved, Actions: res.ActionsMoved}); err != nil {
		return err
	}
	return r.Redirect(http.StatusSeeOther, "/officers/"+d.Officer.ID)
}

// reassignDone is the officer page's banner after a reassignment.
type reassignDone struct {
	Officer        string
	Moved, Actions int
}
