package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// loadDemoPolicies gives the demo local authorities their ASB Case Review
// policies: demo-north (3 complaints, hate route, 5 incidents from 2
// people) and demo-south (2 complaints); then two demo applications in
// demo-south for the demo coordinator to work on.
func loadDemoPolicies(ctx context.Context, store *db.Store, stdout io.Writer) error {
	n, err := store.LoadDemoPolicies(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo case review policies: %d added (demo-north, demo-south)\n", n)
	refs, err := loadDemoApplications(ctx, store, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo case review applications: %s (demo-south)\n", refs)
	return nil
}

// demoApplication is a demo application: its fixed key makes loading it
// again a no-op, and decide says whether it is already past the threshold
// decision.
type demoApplication struct {
	key, name, victim, problem string
	daysAgo                    int
	decide                     bool // acknowledged and the threshold met
}

var demoApplications = []demoApplication{
	{key: "de770000000000000000000000000001", name: "Jordan Demo", victim: "Jordan Demo",
		problem: "Noise from the flat above", daysAgo: 3},
	{key: "de770000000000000000000000000002", name: "Harbour Traders", victim: "Harbour Street Traders’ Association",
		problem: "Damage to shop fronts", daysAgo: 9, decide: true},
}

// loadDemoApplications makes the demo applications, once: one just
// received, one whose threshold was met and whose review meeting is due.
func loadDemoApplications(ctx context.Context, store *db.Store, now time.Time) ([]string, error) {
	var refs []string
	for _, d := range demoApplications {
		received := portal.LondonDate(now).AddDate(0, 0, -d.daysAgo)
		_, policyID, err := store.CaseReviewPolicy(ctx, "demo-south", received)
		if err != nil {
			return nil, err
		}
		draft := &portal.CaseReviewDraft{Key: d.key, Area: "demo-south", ForWhom: "self", VictimKind: "person",
			VictimName: d.victim, Name: d.name, Email: "casereview.demo@example.org", Summary: "A demo application: " + d.problem + "."}
		if d.victim != d.name {
			draft.VictimKind = "business"
		}
		for i := range 3 {
			inc := draft.AddIncident()
			occurred := received.AddDate(0, 0, -30+10*i)
			inc.Occurred, inc.Reported = portal.PartsOf(occurred), portal.PartsOf(occurred.AddDate(0, 0, 1))
			inc.Agency, inc.Problem, inc.Hate = []string{"police", "council", "housing"}[i], d.problem, "no"
			inc.Completed = slices.Clone(portal.IncidentSteps)
		}
		ref, err := store.CreateCaseReviewApplication(ctx, db.NewCaseReviewApplication{Draft: draft, PolicyID: policyID, ReceivedOn: received})
		if err != nil {
			return nil, err
		}
		if d.decide {
			if err := decideDemoApplication(ctx, store, ref, received.Add(10*time.Hour)); err != nil {
				return nil, err
			}
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// decideDemoApplication acknowledges an application and records that the
// threshold is met, unless that was done before.
func decideDemoApplication(ctx context.Context, store *db.Store, ref string, at time.Time) error {
	return store.InTx(ctx, func(tx *db.Tx) error {
		a, err := tx.StaffCaseReviewApplication(ctx, ref, portal.Scope{All: true})
		if err != nil || a.Progress.Status != portal.ApplicationReceived {
			return err
		}
		if err := a.Progress.Acknowledge(at); err != nil {
			return err
		}
		if err := a.Progress.Decide(true, at.Add(24*time.Hour)); err != nil {
			return err
		}
		a.DecisionRoute = string(portal.RouteStatutory)
		a.DecisionReasons = "Three complaints about the same problem were made within the time limits (a demo decision)."
		return tx.SaveApplicationProgress(ctx, a, portal.ApplicationReceived)
	})
}
