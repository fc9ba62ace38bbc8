package main

import (
	"context"
	"log/slog"
	"time"

	"scpo/api/web"
	"scpo/domain"
	"scpo/domain/postgres"
)

// demoPersona is one of the people a newcomer can sign in as with
// SCPO_DEMO=1: the first active demo officer with the role, in the force
// ("" for any).
type demoPersona struct {
	who, role, force string
}

var demoPersonas = []demoPersona{
	{"Gloucestershire IOM officer", domain.RoleIOMOfficer, "gloucestershire"},
	{"Gloucestershire tasking chair", domain.RoleTaskingChair, "gloucestershire"},
	{"Avon and Somerset prison liaison officer", domain.RolePrisonLiaison, "avon-and-somerset"},
	{"Regional lead", domain.RoleRegional, ""},
	{"Auditor", domain.RoleAuditor, ""},
	{"Administrator", domain.RoleAdmin, ""},
}

// demoAdminEmail names the demo's administrator, made when missing so the
// admin persona has someone to sign in as without SCPO_BOOTSTRAP_TOKEN.
const demoAdminEmail = "demo.admin@scpo.invalid"

// printDemoLinks logs a one-time sign-in link (valid 12 hours) for each
// demo persona.
func printDemoLinks(ctx context.Context, log *slog.Logger, store *postgres.Store, addr string) error {
	if _, err := store.OfficerByEmail(ctx, demoAdminEmail); err != nil {
		if _, err := store.CreateOfficer(ctx, domain.Officer{Name: "Demo Administrator", Email: demoAdminEmail,
			Roles: []string{domain.RoleAdmin}, Active: true}); err != nil {
			return err
		}
	}
	var all []domain.Officer
	page := domain.Page{Limit: 500}
	for {
		list, next, err := store.ListOfficers(ctx, domain.OfficerFilter{}, page)
		if err != nil {
			return err
		}
		all = append(all, list...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	for _, p := range demoPersonas {
		for _, o := range all {
			if !o.Active || !o.HasRole(p.role) || (p.force != "" && (o.Force == nil || *o.Force != p.force)) {
				continue
			}
			if p.role == domain.RoleAdmin && o.Email != demoAdminEmail {
				continue
			}
			path, err := web.IssueSignInLink(ctx, store, o.ID, time.Now(), 12*time.Hour)
			if err != nil {
				return err
			}
			log.Info("demo sign-in link (works once, for 12 hours)", "persona", p.who, "url", "http://"+addr+path)
			break
		}
	}
	return nil
}
