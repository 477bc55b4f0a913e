package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoCase is a fictional problem-solving case for the demo force, worked
// the way the seeds describe: advice and mediation first, letters next, a
// community protection warning only when those have not worked.
type demoCase struct {
	key           string // fixed idempotency key: loading the demo twice adds nothing
	title         string
	neighbourhood string
	risk          portal.Risk
	owner         string // demo staff local part
	categories    []string
	objective     string
	analysis      string
	response      string
	reviewIn      int // days until the next review (negative: overdue)
	notes         [][2]string
	interventions []demoIntervention
	review        string // a sergeant's review, if any
}

type demoIntervention struct {
	kind    portal.InterventionKind
	subject string
	daysAgo int
	status  portal.InterventionStatus
	notes   string
}

var demoCases = []demoCase{
	{
		key: "de000000000000000000000000000001", title: "Late-night noise and gatherings at Mill Court",
		neighbourhood: "north-riverside", risk: portal.RiskHigh, owner: "pcso", categories: []string{"noise", "rowdy-behaviour"},
		objective: "Residents of Mill Court can sleep undisturbed on weekend nights within three months, without anyone being criminalised.",
		analysis:  "Reports peak on Friday and Saturday nights between 11pm and 2am. Most come from the same stairwell. The housing provider has had similar complaints since the summer.",
		response:  "Words of advice to the tenant, a mediation referral with the neighbours' consent, and a warning letter if the behaviour continues. Joint visit with the housing officer.",
		reviewIn:  9,
		notes: [][2]string{{"Riverside Homes housing officer", "The tenant at flat 14 has had a tenancy warning for noise. The housing officer will join a visit."},
			{"Council environmental health", "Noise diary sheets sent to two neighbours. No noise abatement notice yet."}},
		interventions: []demoIntervention{
			{portal.WordsOfAdvice, "The tenant of flat 14, Mill Court", 40, portal.InterventionBreached, "Advised at the door with the housing officer. Noise continued the next weekend."},
			{portal.MediationReferral, "The tenant of flat 14 and the neighbours at flats 12 and 16", 30, portal.InterventionActive, "Both sides agreed to mediation. First session booked."},
			{portal.WarningLetter, "The tenant of flat 14, Mill Court", 12, portal.InterventionActive, "Served by hand."},
		},
		review: "Good early intervention and partnership working with the housing provider. Keep mediation going; consider a CPW only if the letter is ignored.",
	},
	{
		key: "de000000000000000000000000000002", title: "Off-road motorbikes on Castle Fields",
		neighbourhood: "north-castle", risk: portal.RiskMedium, owner: "officer", categories: []string{"vehicle-nuisance"},
		objective: "Stop off-road bikes being ridden across Castle Fields and the play area by the end of the summer holidays.",
		analysis:  "Evenings after school and Sunday afternoons. Riders enter from the lane by the allotments.",
		response:  "Visible patrols at peak times, advice to identified riders and their parents, a course invitation for one rider, and barriers on the lane with the council.",
		reviewIn:  -3,
		notes:     [][2]string{{"Council parks team", "Barriers at the allotment lane are on order."}},
		interventions: []demoIntervention{
			{portal.WordsOfAdvice, "Rider of a red off-road motorbike, with a parent", 20, portal.InterventionComplied, "Advice given at home with a parent present."},
			{portal.CourseInvitation, "Rider of a red off-road motorbike", 18, portal.InterventionPlanned, "Invited to a defusing skills course."},
		},
	},
}

// loadDemoCases seeds the letter templates and the demo cases, linked to
// demo reports where there are some. Running it again changes nothing.
func loadDemoCases(ctx context.Context, store *db.Store, stdout io.Writer) error {
	added, err := store.EnsureLetterTemplates(ctx)
	if err != nil {
		return err
	}
	made := 0
	for _, d := range demoCases {
		ok, err := loadDemoCase(ctx, store, d)
		if err != nil {
			return fmt.Errorf("demo case %q: %w", d.title, err)
		}
		if ok {
			made++
		}
	}
	fmt.Fprintf(stdout, "Demo cases: %d added (%d letter templates added)\n", made, added)
	return nil
}

func loadDemoCase(ctx context.Context, store *db.Store, d demoCase) (bool, error) {
	owner, err := store.UserIDByEmail(ctx, d.owner+"@"+portal.DemoStaffDomain)
	if err != nil {
		return false, err
	}
	sergeant, err := store.UserIDByEmail(ctx, "sergeant@"+portal.DemoStaffDomain)
	if err != nil {
		return false, err
	}
	refs, err := store.UnlinkedReports(ctx, d.neighbourhood, d.categories, 5)
	if err != nil {
		return false, err
	}
	nb, err := store.NeighbourhoodByCode(ctx, d.neighbourhood)
	if err != nil {
		return false, err
	}
	ownerUser, err := store.User(ctx, owner)
	if err != nil {
		return false, err
	}
	letter := portal.LetterValues{Officer: ownerUser.Name(), Neighbourhood: nb.Name}
	now := time.Now()
	created := false
	err = store.InTx(ctx, func(tx *db.Tx) error {
		id, ref, ok, err := tx.CreateCase(ctx, db.NewCase{Key: d.key, Title: d.title, NeighbourhoodCode: d.neighbourhood,
			Risk: d.risk, Objective: d.objective, OwnerID: owner, NextReview: portal.DateOf(now).AddDate(0, 0, d.reviewIn),
			Scope: portal.Scope{All: true}})
		if created = ok; err != nil || !ok {
			return err
		}
		c := portal.Case{ID: id, Reference: ref}
		letter.CaseReference = ref
		for _, sec := range []struct {
			s    portal.CaseSection
			text string
		}{{portal.SectionAnalysis, d.analysis}, {portal.SectionResponse, d.response}} {
			if _, err := tx.SetCaseSection(ctx, id, sec.s, sec.text); err != nil {
				return err
			}
		}
		for _, r := range refs {
			if _, err := tx.LinkReport(ctx, c, r, owner, portal.Scope{All: true}); err != nil && !errors.Is(err, db.ErrLinkedElsewhere) {
				return err
			}
		}
		return demoCaseWork(ctx, tx, c, d, letter, owner, sergeant)
	})
	return created, err
}

// demoCaseWork adds a demo case's partner notes, interventions and review.
func demoCaseWork(ctx context.Context, tx *db.Tx, c portal.Case, d demoCase, letter portal.LetterValues, owner, sergeant int64) error {
	for i, note := range d.notes {
		in := portal.CaseNoteInput{IdempotencyKey: demoKey(d, 0x10+i), Source: note[0], Body: note[1]}
		if err := tx.AddCaseNote(ctx, c.ID, owner, in); err != nil {
			return err
		}
	}
	today := portal.DateOf(time.Now())
	for i, iv := range d.interventions {
		issued := today.AddDate(0, 0, -iv.daysAgo)
		ni := db.NewIntervention{Key: demoKey(d, 0x20+i), Kind: iv.kind, Subject: iv.subject,
			OfficerID: owner, IssuedOn: issued, Status: iv.status, ReviewOn: issued.AddDate(0, 0, 28), Notes: iv.notes}
		if tpl, ok := portal.DefaultLetterTemplate(iv.kind); ok {
			letter.Subject, letter.Date = iv.subject, issued
			ni.LetterBody = portal.FillLetter(tpl.Body, letter)
		}
		if _, err := tx.AddIntervention(ctx, c.ID, ni); err != nil {
			return err
		}
	}
	if d.review == "" {
		return nil
	}
	return tx.AddCaseReview(ctx, c.ID, sergeant, demoKey(d, 0x30), d.review, today.AddDate(0, 0, d.reviewIn))
}

// demoKey is the fixed idempotency key of the nth thing added to a demo
// case: its own two hex digits in place of the case key's first two.
func demoKey(d demoCase, n int) string { return fmt.Sprintf("%02x", n) + d.key[2:] }
