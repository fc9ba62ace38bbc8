package web

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"scpo/domain"
)

// pickMax bounds the officers one of a form's lists offers (an owner, an
// officer to act, a cover, the officers present): a force rarely has so
// many in one role, but when it has, the page says so and takes part of a
// name to narrow the list, rather than hide the rest.
const pickMax = 500

// officerPick is the officers a form's list offers: the first pickMax of
// those who may be chosen, by name, and how many there are in all.
type officerPick struct {
	Officers []domain.Officer
	Total    int
}

// Cut reports whether the list offers fewer officers than may be chosen.
func (p officerPick) Cut() bool { return p.Total > len(p.Officers) }

// pickName is the part of a name or e-mail address the reader typed to
// narrow the officers a page's lists offer (?who=, which the page's forms
// carry on when posted): at most 200 characters of it.
func pickName(r *req) string {
	name := strings.TrimSpace(r.FormValue("who"))
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// pickOfficers reads the active officers f names whose name or e-mail
// address holds name, the first pickMax by name, with their count when
// there are more.
func (w *Web) pickOfficers(ctx context.Context, f domain.OfficerFilter, name string) (officerPick, error) {
	f.Active, f.ByName, f.Name = true, true, name
	list, next, err := w.store.ListOfficers(ctx, f, domain.Page{Limit: pickMax})
	if err != nil {
		return officerPick{}, err
	}
	p := officerPick{Officers: list, Total: len(list)}
	if next != "" {
		if p.Total, err = w.store.CountOfficers(ctx, f); err != nil {
			return officerPick{}, err
		}
	}
	return p, nil
}

// without is p less the officers drop rejects (the officer whose orders
// move, who cannot take them), counted out of the whole too.
func (p officerPick) without(drop func(domain.Officer) bool) officerPick {
	n := len(p.Officers)
	p.Officers = slices.DeleteFunc(slices.Clone(p.Officers), drop)
	p.Total -= n - len(p.Officers)
	return p
}

// nameFilter is the small form (a GET, working without JavaScript) that
// narrows a page's lists of officers to those whose name or e-mail address
// holds Name: shown when a list is cut (Show), or a name was typed.
type nameFilter struct {
	Action string // the page's path
	Name   string
	// Keep are the address's other parameters, carried as hidden fields
	// (the agenda's page, where the reader came from).
	Keep [][2]string
	// All is the page without the name: every officer's list again.
	All  string
	Show bool
}

// officerFilter makes the page's name filter; cut: one of its lists
// offers fewer officers than may be chosen.
func officerFilter(r *req, name string, cut bool) nameFilter {
	f := nameFilter{Action: r.Request().URL.Path, Name: name, Show: cut || name != ""}
	q := url.Values{}
	for k, vs := range r.QueryParams() {
		if k == "who" || slices.Contains(flashParams, k) {
			continue
		}
		for _, v := range vs {
			f.Keep = append(f.Keep, [2]string{k, v})
		}
		q[k] = vs
	}
	slices.SortFunc(f.Keep, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	f.All = f.Action
	if len(q) > 0 {
		f.All += "?" + q.Encode()
	}
	return f
}
