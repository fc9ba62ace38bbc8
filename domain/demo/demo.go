// Package demo loads a region shaped like the south-west at its 2024
// inspection, through the same domain services and rules as the API.
//
// Everything is derived from the tables below and today's date, so two
// loads on the same day give the same register (apart from generated ids
// and timestamps). What each force gets follows the inspection's findings:
//
//   - Avon and Somerset: 8 community orders, all with an LRO allocated at
//     the tasking meeting and reviewed recently; 7 prison cases, 3 with an
//     LRO and 4 with nobody, none reviewed, 2 compliance checks overdue.
//   - Devon and Cornwall: 7 community orders, all with an LRO, all reviewed
//     in the last two months, a check done last month and one booked ahead.
//   - Dorset: 13 community orders left with an investigation team: no
//     owners, 4 reviewed once just after the order was made and never
//     since, 3 checks overdue.
//   - Gloucestershire: 12 community orders, 3 owned and reviewed by the IOM
//     team, 9 with nobody; 2 prison cases with nobody; 2 checks overdue.
//   - Wiltshire: 4 community orders, 2 held by the one orders officer and
//     reviewed once long ago; 3 prison cases with nobody, one of whose
//     release date has passed while still recorded in custody; 2 checks
//     overdue.
package demo

import (
	"context"
	"fmt"
	"strings"

	"scpo/domain"
)

// Store is what loading the demo needs.
type Store interface {
	domain.Officers
	domain.Subjects
	domain.Orders
	domain.Transfers
	domain.Absences
	domain.LegalLife
}

type officerSpec struct {
	name  string
	roles []string
}

// forceSpec describes one force's share of the demo.
type forceSpec struct {
	code     string
	court    string
	prisons  []string
	officers []officerSpec

	community, prison int // live orders of each case type

	owner          string // owner role given to the owned orders
	ownedCommunity int    // the first n community orders have an owner
	ownedPrison    int    // the first n prison cases have an owner
	reason         string // why the owner was given the order

	recent        int  // the first n orders were reviewed in the last few weeks
	stale         int  // the next n were reviewed once, just after being made
	overdueChecks int  // the n orders after the recent ones have a check overdue
	doneChecks    bool // recently reviewed orders also had a check done and have one booked
}

var (
	iom     = []string{domain.RoleIOMOfficer}
	lro     = []string{domain.RoleLRO}
	orders  = []string{domain.RoleOrdersOfficer}
	liaison = []string{domain.RolePrisonLiaison}
	chair   = []string{domain.RoleTaskingChair}
)

var forces = []forceSpec{
	{
		code: "avon-and-somerset", court: "Bristol Crown Court",
		prisons: []string{"HMP Bristol", "HMP Leyhill", "HMP Guys Marsh"},
		officers: []officerSpec{{"Rachel Coombes", iom}, {"Daniel Hart", iom},
			{"Mark Pritchard", lro}, {"Helen Osei", lro}, {"James Kerslake", lro},
			{"Priya Nair", orders}, {"Gareth Lloyd", liaison}, {"Claire Fenwick", chair}},
		community: 8, prison: 7,
		owner: domain.OwnerLRO, ownedCommunity: 8, ownedPrison: 3, reason: "allocated at tasking meeting",
		recent: 8, overdueChecks: 2,
	},
	{
		code: "devon-and-cornwall", court: "Exeter Crown Court",
		prisons: []string{"HMP Exeter", "HMP Channings Wood"},
		officers: []officerSpec{{"Jenna Trelawny", iom}, {"Peter Pascoe", lro}, {"Kerry Nance", lro},
			{"Ben Tregear", lro}, {"Lucy Hocking", orders}, {"Sam Penrose", liaison}, {"Andrew Rowe", chair}},
		community: 7,
		owner:     domain.OwnerLRO, ownedCommunity: 7, reason: "allocated to the LRO when the order was made",
		recent: 7, doneChecks: true,
	},
	{
		code: "dorset", court: "Bournemouth Crown Court",
		prisons: []string{"HMP Guys Marsh", "HMP The Verne"},
		officers: []officerSpec{{"Chloe Marsh", iom}, {"Liam Burt", iom}, {"Nick Talbot", lro},
			{"Fiona Stroud", orders}, {"Owen Bright", liaison}, {"Karen Loveless", chair}},
		community: 13,
		stale:     4, overdueChecks: 3,
	},
	{
		code: "gloucestershire", court: "Gloucester Crown Court",
		prisons: []string{"HMP Leyhill", "HMP Bristol"},
		officers: []officerSpec{{"Emma Drinkwater", iom}, {"Josh Baylis", iom}, {"Ian Cottrell", lro},
			{"Megan Tandy", orders}, {"Rob Fewster", liaison}, {"Alison Hewer", chair}},
		community: 12, prison: 2,
		owner: domain.OwnerIOM, ownedCommunity: 3, reason: "taken on by the IOM team",
		recent: 3, overdueChecks: 2,
	},
	{
		code: "wiltshire", court: "Swindon Crown Court",
		prisons: []string{"HMP Erlestoke", "HMP Bristol", "HMP Channings Wood"},
		officers: []officerSpec{{"Hannah Gale", iom}, {"Paul Kimber", lro}, {"Steve Merritt", orders},
			{"Dawn Rendell", liaison}, {"Martin Ashby", chair}},
		community: 4, prison: 3,
		owner: domain.OwnerOrdersOfficer, ownedCommunity: 2, reason: "allocated to the orders officer",
		stale: 2, overdueChecks: 2,
	},
}

// Region-wide officers.
var (
	regionalLead = officerSpec{"Victoria Blake", []string{domain.RoleRegional}}
	auditor      = officerSpec{"Graham Ellis", []string{domain.RoleAuditor}}
)

const auditorEmail = "graham.ellis@hmicfrs.gov.uk"

var (
	firstNames = []string{"Dean", "Kyle", "Connor", "Marcus", "Jamal", "Lee", "Ryan", "Aaron", "Tyler",
		"Jordan", "Callum", "Nathan", "Reece", "Shane", "Darren", "Kieran", "Liam", "Jason", "Craig",
		"Bradley", "Ashley", "Jade", "Leanne", "Stacey", "Tomasz", "Arben", "Dritan", "Mehmet"}
	lastNames = []string{"Carter", "Doyle", "Fletcher", "Hughes", "Jenkins", "Kaye", "Lockyer", "Mercer",
		"Norris", "Oakley", "Parfitt", "Quinlan", "Rudd", "Slade", "Thorne", "Vickery", "Walsh", "Yeo",
		"Ashworth", "Brannigan", "Coles", "Dunford", "Eastman", "Fry", "Gilroy", "Hext", "Isherwood",
		"Kowalski", "Hoxha"}
	aliases = []string{"Deano", "Smudge", "Little Man", "Ghost", "Tiny", "Kingy", "Bugsy", "Red",
		"Chops", "Mouse", "Dibs", "Shadow", "Junior", "Pike"}

	// Days from today to each prison case's release date, taken in turn;
	// one is already past, five fall within the 180-day pre-release window.
	releaseInDays = []int{75, 400, 160, 610, 700, 250, 130, 40, 520, 330, -9, 170}
	releaseTypes  = []string{"CRD", "ARD", "HDCED", "PED"}
	durations     = []int{24, 36, 48, 60}
	checkKinds    = []string{"home_visit", "financial", "device", "travel", "association", "other"}

	terms = []domain.Term{
		{Category: "communications", Text: "Not to possess or use more than one mobile telephone or SIM card, and to notify the police of its number and IMEI within 24 hours of acquiring it."},
		{Category: "financial", Text: "Not to hold more than one bank account, and to give the police a statement for that account every month."},
		{Category: "associations", Text: "Not to associate or communicate, directly or indirectly, with any person named in the schedule to this order."},
		{Category: "travel", Text: "Not to leave the United Kingdom without giving the police seven days' written notice of the journey and the date of return."},
		{Category: "items", Text: "Not to possess any encrypted communication device or use any encrypted messaging application."},
		{Category: "property", Text: "Not to own or have the use of more than one motor vehicle, and to notify the police of its registration number within 48 hours."},
		{Category: "working", Text: "To notify the police of any employment or self-employment, with the employer's name and address, within seven days of starting it."},
		{Category: "premises", Text: "To notify the police of any address at which they stay for more than two nights, within 72 hours of arriving."},
		{Category: "information", Text: "To provide to the police on request details of all bank accounts, credit cards and loans held in their name or for their benefit."},
		{Category: "financial", Text: "Not to possess more than £1,000 in cash unless they can show its lawful origin."},
		{Category: "electronic_monitoring", Text: "To wear an electronic monitoring tag, and keep it charged, for the first six months the order is in force."},
		{Category: "other", Text: "To attend a police station within 48 hours of being asked to do so by a police officer, and to produce this order."},
	}
)

// Load fills an empty register with the demo region and reports whether it
// did; a register with any subject is left alone. It goes through the
// domain services one record at a time, so a failure part-way leaves what
// was already recorded and the next start will not try again.
func Load(ctx context.Context, s Store, today domain.Date) (bool, error) {
	existing, _, err := s.ListSubjects(ctx, domain.SubjectFilter{}, domain.Page{Limit: 1})
	if err != nil || len(existing) > 0 {
		return false, err
	}
	known, err := officersByEmail(ctx, s)
	if err != nil {
		return false, err
	}
	ensure := func(o officerSpec, force *string, email string) (domain.Officer, error) {
		if got, ok := known[email]; ok {
			return got, nil
		}
		got, err := s.CreateOfficer(ctx, domain.Officer{Name: o.name, Email: email, Force: force,
			Roles: o.roles, Active: true})
		if err != nil {
			return domain.Officer{}, fmt.Errorf("officer %s: %w", email, err)
		}
		known[email] = got
		return got, nil
	}
	lead := forces[0].code
	if _, err := ensure(regionalLead, &lead, emailOf(regionalLead.name, lead)); err != nil {
		return false, err
	}
	if _, err := ensure(auditor, nil, auditorEmail); err != nil {
		return false, err
	}

	n, p := 0, 0                         // subjects and prison cases so far, across the region
	lastCommunity := map[string]string{} // each force's last community subject
	chairs := map[string]domain.Officer{}
	firstCommunity := map[string][]domain.Order{} // each force's first two community orders
	for _, f := range forces {
		byRole := map[string][]domain.Officer{}
		for _, spec := range f.officers {
			o, err := ensure(spec, &f.code, emailOf(spec.name, f.code))
			if err != nil {
				return false, err
			}
			for _, r := range o.Roles {
				byRole[r] = append(byRole[r], o)
			}
		}
		chairCtx := domain.WithActor(ctx, byRole[domain.RoleTaskingChair][0])
		chairs[f.code] = byRole[domain.RoleTaskingChair][0]
		checkCtx := domain.WithActor(ctx, byRole[domain.RoleOrdersOfficer][0])
		owned := 0
		for i := 0; i < f.community+f.prison; i, n = i+1, n+1 {
			prison := i >= f.community
			release := 0
			if prison {
				release = releaseInDays[p%len(releaseInDays)]
				p++
			}
			sub, err := s.CreateSubject(chairCtx, subjectFor(f, n, prison, release, today))
			if err != nil {
				return false, fmt.Errorf("demo subject %d (%s): %w", n, f.code, err)
			}
			if !prison {
				lastCommunity[f.code] = sub.ID
			}
			spec := orderFor(f, n, sub.ID, prison, today)
			// Represented at the hearing, but for one Wiltshire order nobody
			// recorded as served (s.10): not_served after the sweeps.
			spec.ServedAtHearing = !(f.code == "wiltshire" && i == 0)
			ord, err := s.CreateOrder(chairCtx, spec)
			if err != nil {
				return false, fmt.Errorf("demo order %d (%s): %w", n, f.code, err)
			}
			if !prison && len(firstCommunity[f.code]) < 2 {
				firstCommunity[f.code] = append(firstCommunity[f.code], ord)
			}

			reviewCtx := chairCtx
			if (!prison && i < f.ownedCommunity) || (prison && i-f.community < f.ownedPrison) {
				role, _ := domain.OfficerRoleFor(f.owner)
				pool := byRole[role]
				officer := pool[owned%len(pool)]
				owned++
				if _, err := s.AssignOwner(chairCtx, domain.OwnerChange{OrderID: ord.ID, Role: f.owner,
					OfficerID: officer.ID, Reason: f.reason}); err != nil {
					return false, fmt.Errorf("demo owner for order %d: %w", n, err)
				}
				reviewCtx = domain.WithActor(ctx, officer)
			}
			if err := casework(reviewCtx, checkCtx, s, f, i, n, ord, today); err != nil {
				return false, fmt.Errorf("demo reviews and checks for order %d: %w", n, err)
			}
		}
	}
	if err := movements(ctx, s, known, chairs, lastCommunity, today); err != nil {
		return false, err
	}
	if err := legalLife(ctx, s, chairs, firstCommunity, today); err != nil {
		return false, err
	}
	return true, nil
}

// legalLife adds the events of orders' legal lives: a varied order and an
// open breach case in Gloucestershire, a charge extending an Avon and
// Somerset order, and an electronic monitoring requirement ending within
// six weeks in Devon and Cornwall (em_ending), and an organisation with an
// interim order not yet served.
func legalLife(ctx context.Context, s Store, chairs map[string]domain.Officer, first map[string][]domain.Order,
	today domain.Date) error {
	glos := domain.WithActor(ctx, chairs["gloucestershire"])
	varied := first["gloucestershire"][0]
	if _, err := s.Vary(glos, varied.ID, domain.Variation{Applicant: domain.ApplicantSubject, Court: varied.Court,
		HeardOn: today.AddDays(-30), Outcome: domain.VariationGrantedInPart,
		Notes: ptr("New job as a delivery driver: a second phone allowed for work, the travel ban kept."),
		Changed: []domain.Term{{ID: varied.Terms[0].ID, Category: varied.Terms[0].Category,
			Text: varied.Terms[0].Text + " A second phone may be held for work, its number notified within 3 days."}}}); err != nil {
		return fmt.Errorf("demo variation: %w", err)
	}
	breached := first["gloucestershire"][1]
	if _, err := s.RecordBreach(glos, breached.ID, domain.BreachCase{OccurredOn: today.AddDays(-10),
		TermIDs: []string{breached.Terms[0].ID}, Description: "Found at a home visit in breach of the order's terms.",
		Action: "arrest", Outcome: "pending"}); err != nil {
		return fmt.Errorf("demo breach: %w", err)
	}
	avon := domain.WithActor(ctx, chairs["avon-and-somerset"])
	if _, err := s.RecordCharge(avon, first["avon-and-somerset"][0].ID, domain.Extension{ChargeKind: domain.ChargeSeriousOffence,
		ChargedOn: today.AddDays(-14), Offence: "Possession with intent to supply a class A drug",
		Court: "Bristol Magistrates' Court"}); err != nil {
		return fmt.Errorf("demo extension: %w", err)
	}
	devon := domain.WithActor(ctx, chairs["devon-and-cornwall"])
	tagged := first["devon-and-cornwall"][0]
	start, end := today.AddDays(-320), today.AddDays(40)
	if _, err := s.Vary(devon, tagged.ID, domain.Variation{Applicant: domain.ApplicantAuthority, Court: tagged.Court,
		HeardOn: start, Outcome: domain.VariationGranted, Added: []domain.Term{{Category: "electronic_monitoring",
			Text: "To wear a GPS tag and keep it charged.", StartsOn: &start, EndsOn: &end,
			Monitoring: &domain.Monitoring{ResponsiblePerson: "HMPPS Electronic Monitoring Service",
				Duties: "Wear the tag at all times, charge it daily and allow its inspection."}}}}); err != nil {
		return fmt.Errorf("demo monitoring requirement: %w", err)
	}
	return organisation(glos, s, today)
}

// organisation adds a body corporate (ss.30-34) in Gloucestershire, a
// haulage firm, with an interim order the High Court made nine days ago
// while the main application is pending and nobody has yet served:
// interim_unserved after the sweeps.
func organisation(ctx context.Context, s Store, today domain.Date) error {
	firm, err := s.CreateSubject(ctx, domain.Subject{Kind: domain.SubjectBodyCorporate, Name: "Severn Vale Freight Ltd",
		RegistrationNumber: ptr("09876543"), RegisteredAddress: ptr("Unit 7, Quedgeley Trading Estate, Gloucester GL2 4PA"),
		Aliases: []string{"SVF Haulage"}, Force: "gloucestershire"})
	if err != nil {
		return fmt.Errorf("demo organisation: %w", err)
	}
	made := today.AddDays(-9)
	if _, err := s.CreateOrder(ctx, domain.Order{SubjectID: firm.ID, Type: "scpo", Reference: fmt.Sprintf("KB-%d-000417", made.Year()),
		Court: "High Court (King's Bench Division)", CourtType: "high", MadeOn: made, Commencement: domain.CommenceOnDate,
		StartsOn: &made, Interim: true, Terms: []domain.Term{
			{Category: "financial", Text: "Not to make or receive any payment over £1,000 except through the company's declared business account."},
			{Category: "information", Text: "To notify the police of every vehicle the company operates, within 3 days of acquiring it."}}}); err != nil {
		return fmt.Errorf("demo interim order: %w", err)
	}
	return nil
}

// movements adds what keeps records moving: a subject Avon and Somerset
// asks Gloucestershire to take on (incoming on Gloucestershire's agenda),
// and a Gloucestershire IOM officer away long-term with nobody covering.
func movements(ctx context.Context, s Store, known map[string]domain.Officer, chairs map[string]domain.Officer,
	lastCommunity map[string]string, today domain.Date) error {
	sender := domain.WithActor(ctx, chairs["avon-and-somerset"])
	if _, err := s.RequestTransfer(sender, domain.TransferRequest{SubjectID: lastCommunity["avon-and-somerset"],
		ToForce: "gloucestershire", Reason: "Moved to a bail hostel in Cheltenham; his partner lives in Gloucester."}); err != nil {
		return fmt.Errorf("demo transfer: %w", err)
	}
	absent, ok := known[emailOf("Josh Baylis", "gloucestershire")]
	if !ok {
		return fmt.Errorf("demo absence: no officer Josh Baylis")
	}
	chair := domain.WithActor(ctx, chairs["gloucestershire"])
	if _, err := s.RecordAbsence(chair, domain.Absence{OfficerID: absent.ID, Kind: "long_term",
		StartsOn: today.AddDays(-20), Notes: ptr("Long-term sick leave; no return date yet.")}); err != nil {
		return fmt.Errorf("demo absence: %w", err)
	}
	return nil
}

// casework records the reviews and checks order i of force f has had.
func casework(reviewCtx, checkCtx context.Context, s Store, f forceSpec, i, n int, ord domain.Order, today domain.Date) error {
	switch {
	case i < f.recent:
		r := domain.Review{ReviewedOn: today.AddDays(-(7 + n*9%45)), Kind: "routine", Outcome: "satisfactory",
			Notes: ptr("Home visit; subject engaging, phone and bank statements seen, no concerns.")}
		if n%5 == 0 {
			r.Outcome, r.Notes = "concerns", ptr("Second handset seen at the address; device check booked.")
		}
		if _, err := s.RecordReview(reviewCtx, ord.ID, r); err != nil {
			return err
		}
	case i < f.recent+f.stale:
		if _, err := s.RecordReview(reviewCtx, ord.ID, domain.Review{ReviewedOn: ord.MadeOn.AddDays(28),
			Kind: "routine", Outcome: "satisfactory", Notes: ptr("Initial review after the order was made.")}); err != nil {
			return err
		}
	}
	if f.doneChecks && i < f.recent {
		done, err := s.ScheduleCheck(checkCtx, ord.ID, domain.Check{Kind: "home_visit", DueOn: today.AddDays(-21)})
		if err != nil {
			return err
		}
		if _, err := s.CompleteCheck(reviewCtx, ord.ID, done.ID, nil, func(c *domain.Check) error {
			c.CompletedOn, c.Outcome = ptr(today.AddDays(-20)), ptr("compliant")
			c.Notes = ptr("Seen at home address; one phone, matches notified IMEI.")
			return nil
		}); err != nil {
			return err
		}
		if _, err := s.ScheduleCheck(checkCtx, ord.ID, domain.Check{Kind: checkKinds[n%len(checkKinds)],
			DueOn: today.AddDays(14 + 3*i)}); err != nil {
			return err
		}
	}
	if k := i - f.recent; k >= 0 && k < f.overdueChecks {
		if _, err := s.ScheduleCheck(checkCtx, ord.ID, domain.Check{Kind: checkKinds[(n+k)%len(checkKinds)],
			DueOn: today.AddDays(-(20 + 17*k)), Notes: ptr("Booked at the tasking meeting.")}); err != nil {
			return err
		}
	}
	return nil
}

// subjectFor makes the n-th subject of the region; a prison case is held
// at one of the force's establishments until today+release days.
func subjectFor(f forceSpec, n int, prison bool, release int, today domain.Date) domain.Subject {
	age := 23 + n*7%28 // 23 to 50 today, so an adult on any made_on below
	dob := today.AddMonths(-12 * age).AddDays(-(n * 37 % 360))
	pncYear := dob.Year() + 16 + n%3 // first arrested at 16 to 18, before any order
	serial := (12345 + n*48271) % 10_000_000
	sub := domain.Subject{
		FirstNames:  firstNames[n%len(firstNames)],
		LastName:    lastNames[(n*5+3)%len(lastNames)],
		DateOfBirth: dob,
		PNCID:       fmt.Sprintf("%04d/%07d%c", pncYear, serial, domain.PNCCheckLetter(pncYear%100, serial)),
		Force:       f.code,
		Custody:     domain.Custody{Status: domain.CustodyCommunity},
	}
	if n%3 == 0 {
		sub.Aliases = []string{aliases[n/3%len(aliases)]}
	}
	if prison {
		sub.PrisonNumber = ptr(fmt.Sprintf("%c%04d%c%c", 'A'+n%4, 1000+n*373%9000, 'A'+n%26, 'A'+n*7%26))
		kind := releaseTypes[n%len(releaseTypes)]
		if release < 0 {
			// A date passed while still recorded in custody: one on which
			// release was due (release_date_passed), not an eligibility
			// date, past which the subject may simply not yet be out.
			kind = "CRD"
		}
		sub.Custody = domain.Custody{Status: domain.CustodyCustody,
			Establishment:   ptr(f.prisons[n%len(f.prisons)]),
			ReleaseDate:     ptr(today.AddDays(release)),
			ReleaseDateType: ptr(kind)}
	}
	return sub
}

// orderFor makes the n-th subject's order: in force since it was made 6 to
// 39 months ago for a community case, or made 1 to 4 years ago to start on
// release for a prison case.
func orderFor(f forceSpec, n int, subjectID string, prison bool, today domain.Date) domain.Order {
	o := domain.Order{SubjectID: subjectID, Type: "scpo", Court: f.court, CourtType: "crown"}
	months := durations[n%len(durations)]
	if prison {
		o.MadeOn = today.AddMonths(-(12 + n*13%36)).AddDays(-(n * 5 % 20))
		o.Commencement = domain.CommenceOnRelease
	} else {
		ago := 6 + n*11%34
		o.MadeOn = today.AddMonths(-ago).AddDays(-(n * 3 % 25))
		o.Commencement = domain.CommenceOnDate
		start := o.MadeOn
		if n%4 == 1 && ago > 9 {
			start = o.MadeOn.AddDays(70 + n%30) // made at sentence, in force on release
		}
		o.StartsOn = &start
		for months < ago+2 { // still running today
			months += 12
		}
		months = min(months, domain.MaxOrderMonths)
	}
	o.DurationMonths = &months
	o.Reference = fmt.Sprintf("T%d%04d", o.MadeOn.Year(), 100+n*271%9900)
	// Made on conviction (s.19), on the day of sentence or a few weeks after the verdict.
	o.Conviction = &domain.Conviction{Offences: []string{offences[n%len(offences)]},
		ConvictedOn: o.MadeOn.AddDays(-(n * 9 % 42)), Court: f.court}
	for k := range 1 + n%3 {
		o.Terms = append(o.Terms, terms[(n+5*k)%len(terms)])
	}
	return o
}

// offences are what the demo's Crown Court orders were made for.
var offences = []string{"Conspiracy to supply a controlled drug of class A (Criminal Law Act 1977 s.1)",
	"Money laundering (Proceeds of Crime Act 2002 s.328)", "Possession of a firearm with intent to endanger life",
	"Conspiracy to commit fraud by false representation", "Facilitating a breach of immigration law (Immigration Act 1971 s.25)"}

func emailOf(name, force string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@" + force + ".police.uk"
}

func officersByEmail(ctx context.Context, s Store) (map[string]domain.Officer, error) {
	out := map[string]domain.Officer{}
	page := domain.Page{Limit: 500}
	for {
		list, next, err := s.ListOfficers(ctx, domain.OfficerFilter{}, page)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			out[o.Email] = o
		}
		if next == "" {
			return out, nil
		}
		// List calls hand out encoded cursors; Page takes the plain id.
		page.Cursor, _ = domain.DecodeCursor(next)
	}
}

func ptr[T any](v T) *T { return &v }
