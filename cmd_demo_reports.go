package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoReport is one fictional report of the demo force. Every name, email
// address and vehicle registration is made up; addresses use the reserved
// .example domain, so no email can reach anyone.
type demoReport struct {
	nbh, category, description string
	daysAgo                    float64
	postcode                   int // index into the neighbourhood's demo postcodes
	name                       string
	impacts                    []string
	hate                       string
	hateReasons                []string
	vulnerability              string
	before                     bool
	people, vehicles           string
	status                     portal.ReportStatus
	outcome                    portal.Outcome
}

// demoScenarios are the stories the demo queue should tell: a repeat
// victim, a repeat location, a repeat vehicle, hate incidents.
var demoScenarios = []demoReport{
	// A repeat victim: the same resident, four times in four months.
	{nbh: "north-riverside", category: "neighbour-nuisance", daysAgo: 118, postcode: 1, name: "Anita Clarke",
		description: "The neighbours bang on the wall and shout abuse when I come home.", before: true,
		status: portal.StatusClosed, outcome: portal.OutcomeAdviceGiven},
	{nbh: "north-riverside", category: "neighbour-nuisance", daysAgo: 64, postcode: 1, name: "Anita Clarke",
		description: "It has started again. Loud banging late at night and someone kicked my door.", before: true,
		impacts: []string{"health"}, status: portal.StatusClosed, outcome: portal.OutcomeReferredHousing},
	{nbh: "north-riverside", category: "harassment", daysAgo: 21, postcode: 1, name: "Anita Clarke",
		description: "They wait on the landing and make comments when I go out.", before: true,
		impacts: []string{"health", "stopped"}, status: portal.StatusOpen},
	{nbh: "north-riverside", category: "harassment", daysAgo: 1.2, postcode: 1, name: "Anita Clarke",
		description: "Someone pushed a note through my door telling me to move out.", before: true,
		impacts: []string{"unsafe-at-home"}, vulnerability: "I live alone and use a wheelchair.", status: portal.StatusNew},
	// A repeat location: drug dealing by the play park in Mill, within three weeks.
	{nbh: "north-mill", category: "drug-use", daysAgo: 19, postcode: 0, name: "Tom Bright",
		description: "People dealing from a car by the play park gates every evening.", status: portal.StatusOpen},
	{nbh: "north-mill", category: "drug-use", daysAgo: 11, postcode: 0,
		description: "Needles left by the play park bench this morning.", impacts: []string{"children"}, status: portal.StatusOpen},
	{nbh: "north-mill", category: "drug-use", daysAgo: 4, postcode: 0, name: "Grace Mensah",
		description: "Same car by the park again, people going up to it one at a time.", before: true, status: portal.StatusNew},
	{nbh: "north-mill", category: "misuse-of-public-space", daysAgo: 0.5, postcode: 0, name: "Ian Porter",
		description: "Group in the play park late at night, smashed bottles on the slide.", impacts: []string{"children"},
		status: portal.StatusNew},
	// A repeat vehicle: the same off-road bike in Harbour and Market.
	{nbh: "south-harbour", category: "vehicle-nuisance", daysAgo: 80, postcode: 2, name: "Luke Adams",
		description: "Off-road bike racing along the harbour wall.", vehicles: "Black and green scrambler, reg DM21 VXR",
		status: portal.StatusClosed, outcome: portal.OutcomeNoFurtherAction},
	{nbh: "south-harbour", category: "vehicle-nuisance", daysAgo: 26, postcode: 2,
		description: "Bike doing wheelies past the school at home time.", vehicles: "scrambler dm21vxr, rider in a white helmet",
		impacts: []string{"children"}, status: portal.StatusOpen},
	{nbh: "south-market", category: "vehicle-nuisance", daysAgo: 2, postcode: 0, name: "Priti Nair",
		description: "Off-road bike ridden through the market square on a Saturday.", vehicles: "DM21 VXR",
		status: portal.StatusNew},
	// What the demo cases are about: noise at Mill Court, bikes on Castle Fields.
	{nbh: "north-riverside", category: "noise", daysAgo: 33, postcode: 2, name: "Bernard Cole",
		description: "Parties at Mill Court every weekend until 3am.", before: true, impacts: []string{"health"},
		status: portal.StatusOpen},
	{nbh: "north-riverside", category: "rowdy-behaviour", daysAgo: 9, postcode: 2,
		description: "People shouting and fighting in the Mill Court car park after a party.", before: true,
		status: portal.StatusOpen},
	{nbh: "north-castle", category: "vehicle-nuisance", daysAgo: 24, postcode: 3, name: "Nadia Hussain",
		description: "Off-road bikes tearing across Castle Fields near the play area.", impacts: []string{"children"},
		status: portal.StatusOpen},
	{nbh: "north-castle", category: "vehicle-nuisance", daysAgo: 5, postcode: 3,
		description: "Two motorbikes on the fields again on Sunday afternoon.", before: true, status: portal.StatusNew},
	// Hate incidents.
	{nbh: "south-heath", category: "harassment", daysAgo: 3, postcode: 1, name: "Yusuf Rahman",
		description: "A group shouted abuse about my religion at me and my children outside the shop.",
		hate:        "yes", hateReasons: []string{"religion"}, impacts: []string{"children", "stopped"}, status: portal.StatusNew},
	{nbh: "north-castle", category: "graffiti", daysAgo: 6, postcode: 2,
		description: "Racist graffiti sprayed on the bus shelter on Castle Road.", hate: "yes", hateReasons: []string{"race"},
		status: portal.StatusOpen},
	{nbh: "south-market", category: "threatening-behaviour", daysAgo: 0.2, postcode: 1, name: "Sam Okoro",
		description: "A man followed me from the bus stop making comments about me being gay.",
		hate:        "not-sure", impacts: []string{"stopped"}, status: portal.StatusNew},
}

// demoCategoryText gives each category some fictional descriptions.
var demoCategoryText = map[string][]string{
	"noise":                  {"Music played very loud until the early hours.", "Shouting and slamming doors every night this week."},
	"rowdy-behaviour":        {"A large group drinking and shouting outside the takeaway.", "People fighting in the street after the pub closed."},
	"street-drinking":        {"People drinking on the bench by the library all afternoon and shouting at passers-by."},
	"vehicle-nuisance":       {"Cars racing up and down the estate road at night.", "A car meet in the retail park car park, revving engines until 2am."},
	"vandalism":              {"Bus shelter glass smashed again.", "Car wing mirrors snapped along the whole street."},
	"graffiti":               {"Tags sprayed on the community centre wall.", "Graffiti on the underpass."},
	"fly-tipping":            {"Mattresses and bags of rubbish dumped in the lane.", "Building waste tipped by the allotments."},
	"begging":                {"Someone asking for money aggressively at the cash machine."},
	"misuse-of-public-space": {"Teenagers climbing on the roof of the sports pavilion.", "The stairwell is being used as a toilet."},
	"threatening-behaviour":  {"A neighbour threatened me when I asked him to move his car."},
	"catcalling":             {"Men outside the gym shout comments at women walking past."},
	"following-loitering":    {"A man hangs around outside the toilets in the park watching people."},
}

// demoNames are the fictional reporters of the generated reports; "" is anonymous.
var demoNames = []string{"Ruth Evans", "", "Kwame Boateng", "Helen Marsh", "", "Oliver Grant", "Fatima Ali",
	"Daniel Price", "", "Chloe Turner", "Marek Nowak", "Joyce Bell", "", "Arjun Patel", "Megan Lloyd"}

// demoNeighbourhoods are the demo force's neighbourhoods.
var demoNeighbourhoods = []string{"north-riverside", "north-castle", "north-mill", "south-harbour", "south-market", "south-heath"}

// demoReports are the scenarios plus generated everyday reports, oldest
// first. The generator is seeded, so every demo database is the same.
func demoReports() []demoReport {
	out := slices.Clone(demoScenarios)
	rng := rand.New(rand.NewPCG(2026, 5))
	cats := make([]string, 0, len(demoCategoryText))
	for c := range demoCategoryText {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for i := range 42 {
		cat := cats[rng.IntN(len(cats))]
		texts := demoCategoryText[cat]
		r := demoReport{nbh: demoNeighbourhoods[i%len(demoNeighbourhoods)], category: cat,
			description: texts[rng.IntN(len(texts))], daysAgo: rng.Float64() * 180, postcode: 3 + rng.IntN(4),
			name: demoNames[rng.IntN(len(demoNames))], before: rng.IntN(10) < 4}
		if i%9 == 0 {
			r.daysAgo = rng.Float64() * 4 // keep the queue busy this week
		}
		for _, imp := range []string{"health", "children", "stopped", "unsafe-at-home"} {
			if rng.IntN(10) == 0 {
				r.impacts = append(r.impacts, imp)
			}
		}
		if rng.IntN(8) == 0 {
			r.vulnerability = "I have a long-term illness and am at home most of the day."
		}
		r.status, r.outcome = demoStatus(rng, r.daysAgo)
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b demoReport) int {
		switch {
		case a.daysAgo > b.daysAgo:
			return -1
		case a.daysAgo < b.daysAgo:
			return 1
		}
		return 0
	})
	return out
}

// demoStatus picks where a generated report has got to, by its age.
func demoStatus(rng *rand.Rand, daysAgo float64) (portal.ReportStatus, portal.Outcome) {
	closed := func() (portal.ReportStatus, portal.Outcome) {
		return portal.StatusClosed, portal.CloseOutcomes[rng.IntN(len(portal.CloseOutcomes))]
	}
	switch n := rng.IntN(10); {
	case daysAgo > 35 && n < 9, daysAgo > 7 && n < 3:
		return closed()
	case daysAgo > 7 && n < 5:
		return portal.StatusAwaitingInformation, ""
	case daysAgo > 3 || n < 3:
		return portal.StatusOpen, ""
	}
	return portal.StatusNew, ""
}

// loadDemoReports loads the demo reports, once: a few dozen over the last
// six months across the demo neighbourhoods, so the staff queue has work in
// it. Each goes through the same store function as a resident's report,
// with its risk and target time set by the same policy, then is backdated.
func loadDemoReports(ctx context.Context, store *db.Store, stdout io.Writer) error {
	all := demoReports()
	if n, err := store.DemoReportCount(ctx); err != nil {
		return err
	} else if n >= len(all) {
		fmt.Fprintf(stdout, "Demo reports: %d already loaded\n", n)
		return nil
	}
	postcodes := db.DemoPostcodes()
	now := time.Now()
	seen := map[string][]time.Time{} // reporter email -> earlier reports
	for i, r := range all {
		at := now.Add(-time.Duration(r.daysAgo * float64(24*time.Hour)))
		d := r.draft(i, postcodes[r.nbh])
		repeat := countSince(seen[d.Email], at.AddDate(0, -portal.RepeatVictimMonths, 0)) >= portal.RepeatVictimReports-1
		if d.Email != "" {
			seen[d.Email] = append(seen[d.Email], at)
		}
		risk := portal.AssessInitialRisk(portal.RiskAnswersFromDraft(d, repeat)).Risk
		got, err := store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: at.AddDate(0, 0, -(i % 3)),
			Risk: risk, DueAt: portal.DefaultTargets().DueAt(at, risk)})
		if err != nil {
			return fmt.Errorf("demo report %d: %w", i+1, err)
		}
		if err := store.SetDemoReportHistory(ctx, got.ID, r.history(at, now)); err != nil {
			return fmt.Errorf("demo report %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(stdout, "Demo reports: %d loaded over the last 6 months\n", len(all))
	return nil
}

func countSince(times []time.Time, since time.Time) int {
	n := 0
	for _, t := range times {
		if t.After(since) {
			n++
		}
	}
	return n
}

// draft is the report as the resident would have sent it.
func (r demoReport) draft(i int, postcodes []string) *portal.ReportDraft {
	d := &portal.ReportDraft{Key: fmt.Sprintf("%s%03d", db.DemoReportKeyPrefix, i+1), Safety: "no",
		CategoryCode: r.category, NeighbourhoodCode: r.nbh, Postcode: strings.ReplaceAll(postcodes[r.postcode%len(postcodes)], " ", ""),
		Description: r.description, People: r.people, Vehicles: r.vehicles, Impacts: r.impacts, Hate: "no",
		HateReasons: r.hateReasons, Vulnerability: r.vulnerability, HappenedBefore: "no", Anonymous: "yes"}
	if r.hate != "" {
		d.Hate = r.hate
	}
	if r.before {
		d.HappenedBefore, d.HowOften = "yes", "Several times"
	}
	if r.name != "" {
		d.Anonymous, d.Name, d.ContactPreference, d.SafeToLeave = "no", r.name, "email", "yes"
		d.Email = strings.ToLower(strings.ReplaceAll(r.name, " ", ".")) + "@residents.example"
	}
	return d
}

// history is where the report has got to by now.
func (r demoReport) history(at, now time.Time) db.DemoReportHistory {
	h := db.DemoReportHistory{CreatedAt: at, Status: r.status, Outcome: r.outcome}
	if r.status == portal.StatusNew {
		return h
	}
	h.ChangedAt = at.Add(now.Sub(at) / 3)
	if r.status == portal.StatusClosed {
		h.Update = r.outcome.PublicText()
	} else {
		h.Update = portal.StatusUpdate(r.status)
	}
	return h
}
