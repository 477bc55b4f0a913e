package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// crsFixture is the demo geography and policies with a coordinator for
// each LPA and applications made through the residents' path.
type crsFixture struct {
	store        *db.Store
	north, south portal.User
	n            int
}

func newCRSFixture(t *testing.T) *crsFixture {
	t.Helper()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.LoadDemoPolicies(ctx); err != nil {
		t.Fatal(err)
	}
	f := &crsFixture{store: store}
	f.north = crsCoordinator(t, store, "north-coordinator@council.example", "north")
	f.south = crsCoordinator(t, store, "south-coordinator@council.example", "south")
	return f
}

func crsCoordinator(t *testing.T, store *db.Store, email, lpa string) portal.User {
	t.Helper()
	ctx := context.Background()
	id, err := store.CreateUser(ctx, db.NewUser{Email: email, Role: portal.RoleCaseReviewCoordinator, DisplayName: "Coordinator " + lpa})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, []string{lpa}, nil) }); err != nil {
		t.Fatal(err)
	}
	u, err := store.User(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// apply makes an application in an area, received on a date, with two
// incidents about one problem (one reported to the police, one to the
// council about the same incident) and a third.
func (f *crsFixture) apply(t *testing.T, area string, received time.Time) string {
	t.Helper()
	ctx := context.Background()
	_, policyID, err := f.store.CaseReviewPolicy(ctx, area, received)
	if err != nil {
		t.Fatal(err)
	}
	f.n++
	d := &portal.CaseReviewDraft{Key: fmt.Sprintf("%032x", 0xcafe0000+f.n), Area: area, ForWhom: "self",
		VictimKind: "person", VictimName: "Pat Victim", Name: "Pat Applicant", Email: "pat@example.org", Summary: "Noise every night"}
	for i, agency := range []string{"police", "council", "housing"} {
		inc := d.AddIncident()
		occurred := received.AddDate(0, 0, -20+5*i)
		inc.Occurred, inc.Reported = portal.PartsOf(occurred), portal.PartsOf(occurred.AddDate(0, 0, 1))
		inc.Agency, inc.Problem, inc.Hate = agency, "Noise at number 4", "no"
		inc.Completed = slices.Clone(portal.IncidentSteps)
	}
	ref, err := f.store.CreateCaseReviewApplication(ctx, db.NewCaseReviewApplication{Draft: d, PolicyID: policyID, ReceivedOn: received})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// crsAdvance takes an application through the process, as an admin, to
// status, each step at the time given.
func crsAdvance(t *testing.T, store *db.Store, ref string, to portal.ApplicationStatus, at time.Time, recs ...portal.Recommendation) {
	t.Helper()
	ctx, all := context.Background(), portal.Scope{All: true}
	path := map[portal.ApplicationStatus][]string{
		portal.ApplicationAcknowledged:    {"ack"},
		portal.ApplicationThresholdNotMet: {"ack", "not_met"},
		portal.ApplicationThresholdMet:    {"ack", "met"},
		portal.ApplicationReviewHeld:      {"ack", "met", "meeting"},
		portal.ApplicationOutcomeSent:     {"ack", "met", "meeting", "outcome"},
		portal.ApplicationAppealed:        {"ack", "not_met", "appeal"},
		portal.ApplicationClosed:          {"ack", "not_met", "close"},
	}[to]
	for _, step := range path {
		err := store.InTx(ctx, func(tx *db.Tx) error {
			a, err := tx.StaffCaseReviewApplication(ctx, ref, all)
			if err != nil {
				return err
			}
			from, pr := a.Progress.Status, &a.Progress
			switch step {
			case "ack":
				err = pr.Acknowledge(at)
			case "met", "not_met":
				err = pr.Decide(step == "met", at)
				a.DecisionRoute, a.DecisionReasons = "statutory", "Reasons"
			case "meeting":
				err = pr.HoldReview(portal.LondonDate(at))
				a.MeetingAgencies, a.VictimInvited = []string{"police", "council"}, "yes"
			case "outcome":
				err = pr.SendOutcome(at)
				a.OutcomeSummary = "Summary"
				if err == nil {
					err = tx.AddRecommendations(ctx, a.ID, recs)
				}
			case "appeal":
				err = pr.Appeal(at, a.Policy, nil)
				a.AppealReason = "Reason"
			case "close":
				err = pr.Close()
			}
			if err != nil {
				return err
			}
			return tx.SaveApplicationProgress(ctx, a, from)
		})
		if err != nil {
			t.Fatalf("%s %s: %v", ref, step, err)
		}
	}
}

func TestCaseReviewScope(t *testing.T) {
	f := newCRSFixture(t)
	ctx := context.Background()
	today := time.Now()
	northRef := f.apply(t, "demo-north", today)
	southRef := f.apply(t, "demo-south", today)

	for _, tt := range []struct {
		who   string
		scope portal.Scope
		want  []string
	}{
		{"north coordinator", f.north.Scope, []string{northRef}},
		{"south coordinator", f.south.Scope, []string{southRef}},
		{"force admin", portal.Scope{All: true}, []string{northRef, southRef}},
		{"nobody", portal.Scope{}, nil},
	} {
		t.Run(tt.who, func(t *testing.T) {
			q, err := f.store.CaseReviewQueue(ctx, tt.scope, db.CaseReviewQueueFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range q {
				got = append(got, a.Reference)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("queue %v, want %v", got, want)
			}
			// Filtering by an area outside the scope finds nothing either.
			q, err = f.store.CaseReviewQueue(ctx, tt.scope, db.CaseReviewQueueFilter{Area: "demo-north"})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(q); n != 0 && !slices.Contains(tt.want, northRef) {
				t.Fatalf("area filter escaped the scope: %d", n)
			}
		})
	}
	// A coordinator of LPA south never sees a demo-north application.
	if _, err := f.store.StaffCaseReviewApplication(ctx, northRef, f.south.Scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("south coordinator reading a north application: %v", err)
	}
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.StaffCaseReviewApplication(ctx, northRef, f.south.Scope)
		return err
	})
	if !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("south coordinator locking a north application: %v", err)
	}
	areas, err := f.store.CaseReviewAreasInScope(ctx, f.south.Scope, today)
	if err != nil || len(areas) != 1 || areas[0].Code != "demo-south" || !areas[0].HasPolicy {
		t.Fatalf("south areas %+v %v", areas, err)
	}

	a, err := f.store.StaffCaseReviewApplication(ctx, southRef, f.south.Scope)
	if err != nil {
		t.Fatal(err)
	}
	if a.ApplicantName != "Pat Applicant" || a.AreaName != "South Demoshire District Council" || len(a.Incidents) != 3 ||
		a.Policy.StatutoryN != 2 || a.Progress.Status != portal.ApplicationReceived || a.Incidents[1].Agency != "council" {
		t.Fatalf("application %+v", a)
	}
	if res, ok := a.Recommend(); !ok || res.Result != "met" {
		t.Fatalf("engine's recommendation %+v", res)
	}
}

func TestCaseReviewProgressIsSavedOnceAndInOrder(t *testing.T) {
	f := newCRSFixture(t)
	ctx := context.Background()
	ref := f.apply(t, "demo-south", time.Now().AddDate(0, 0, -3))
	at := time.Now()
	recs := []portal.Recommendation{{Agency: "council", Action: "Noise monitoring", DueOn: portal.LondonDate(at).AddDate(0, 1, 0)},
		{Agency: "housing", Action: "Tenancy warning"}}
	crsAdvance(t, f.store, ref, portal.ApplicationOutcomeSent, at, recs...)
	a, err := f.store.StaffCaseReviewApplication(ctx, ref, f.south.Scope)
	if err != nil {
		t.Fatal(err)
	}
	if a.Progress.Status != portal.ApplicationOutcomeSent || a.Progress.Decision != "met" || a.DecisionRoute != "statutory" ||
		!slices.Equal(a.MeetingAgencies, []string{"police", "council"}) || a.VictimInvited != "yes" ||
		len(a.Recommendations) != 2 || a.Recommendations[0].Action != "Noise monitoring" || !a.Recommendations[1].DueOn.IsZero() ||
		a.Progress.MeetingOn.Format(time.DateOnly) != portal.LondonDate(at).Format(time.DateOnly) {
		t.Fatalf("after the outcome: %+v", a)
	}
	// A write based on a stale read changes nothing.
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		stale := a
		stale.Progress.Status = portal.ApplicationClosed
		return tx.SaveApplicationProgress(ctx, stale, portal.ApplicationReviewHeld)
	})
	if !errors.Is(err, db.ErrStaleApplication) || !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("stale write: %v", err)
	}
	s, err := f.store.CaseReviewSchedule(ctx, ref)
	if err != nil || s.Progress.Status != portal.ApplicationOutcomeSent || s.Policy.AppealDays != 20 {
		t.Fatalf("schedule %+v %v", s, err)
	}
	if ms := s.Milestones(time.Now()); len(ms) != 5 || ms[4].Kind != portal.MilestoneAppeal || ms[4].IsDone() {
		t.Fatalf("milestones %+v", ms)
	}
	if _, err := f.store.CaseReviewSchedule(ctx, "CR-2222-2222"); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown schedule: %v", err)
	}
}

func TestCaseReviewPolicyVersions(t *testing.T) {
	f := newCRSFixture(t)
	ctx := context.Background()
	p := portal.DemoPolicies()[1]
	p.StatutoryN, p.EffectiveFrom = 1, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	var version int
	err := f.store.InTx(ctx, func(tx *db.Tx) error {
		if err := tx.LockCaseReviewArea(ctx, "demo-south"); err != nil {
			return err
		}
		var err error
		version, err = tx.SavePolicyVersion(ctx, p, "Write to the council.", f.south.ID)
		return err
	})
	if err != nil || version != 2 {
		t.Fatalf("save: version %d, %v", version, err)
	}
	vs, err := f.store.CaseReviewPolicyVersions(ctx, "demo-south")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions %+v %v", vs, err)
	}
	if vs[0].Policy.Version != 2 || vs[0].Procedure != "Write to the council." || vs[0].CreatedBy != "Coordinator south" ||
		vs[0].Policy.StatutoryN != 1 || vs[1].CreatedBy != "" || vs[1].Policy.StatutoryN != 2 {
		t.Fatalf("versions %+v", vs)
	}
	// The new version applies from its date, not before.
	if got, _, _ := f.store.CaseReviewPolicy(ctx, "demo-south", time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)); got.Version != 1 {
		t.Fatalf("in force before the date: version %d", got.Version)
	}
	if got, _, _ := f.store.CaseReviewPolicy(ctx, "demo-south", p.EffectiveFrom); got.Version != 2 {
		t.Fatalf("in force from the date: version %d", got.Version)
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error { return tx.LockCaseReviewArea(ctx, "nowhere") }); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("locking an unknown area: %v", err)
	}
}

func TestAddedBankHolidays(t *testing.T) {
	f := newCRSFixture(t)
	ctx := context.Background()
	day := time.Date(2027, 6, 8, 0, 0, 0, 0, time.UTC)
	add := func() error {
		return f.store.InTx(ctx, func(tx *db.Tx) error { return tx.AddBankHoliday(ctx, day, "A royal occasion") })
	}
	if err := add(); err != nil {
		t.Fatal(err)
	}
	if err := add(); !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("added twice: %v", err)
	}
	list, err := f.store.AddedBankHolidays(ctx)
	if err != nil || len(list) != 1 || !list[0].Day.Equal(day) || list[0].Name != "A royal occasion" || !list[0].Added {
		t.Fatalf("list %+v %v", list, err)
	}
	hol, err := f.store.ExtraHolidays(ctx)
	if err != nil || !hol.IsBankHoliday(day) || hol.IsWorkingDay(day.Add(12*time.Hour)) {
		t.Fatalf("holidays %v %v", hol, err)
	}
	remove := func() error {
		return f.store.InTx(ctx, func(tx *db.Tx) error { return tx.RemoveBankHoliday(ctx, day) })
	}
	if err := remove(); err != nil {
		t.Fatal(err)
	}
	if err := remove(); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
}

func TestCaseReviewStatistics(t *testing.T) {
	f := newCRSFixture(t)
	ctx := context.Background()
	from, to := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	london, _ := time.LoadLocation("Europe/London")
	in := time.Date(2025, 9, 1, 10, 0, 0, 0, london)
	before, after := time.Date(2025, 3, 20, 10, 0, 0, 0, london), time.Date(2026, 4, 2, 10, 0, 0, 0, london)
	type app struct {
		area     string
		received time.Time
		to       portal.ApplicationStatus
		at       time.Time
		recs     int
	}
	apps := []app{
		{"demo-south", in, portal.ApplicationReceived, in, 0},
		{"demo-south", in, portal.ApplicationThresholdNotMet, in, 0},
		{"demo-south", in, portal.ApplicationClosed, in, 0},                  // not met, then closed
		{"demo-south", in, portal.ApplicationReviewHeld, in, 0},              // a review without recommendations (yet)
		{"demo-south", in, portal.ApplicationOutcomeSent, in, 2},             // a review with two recommendations
		{"demo-south", in, portal.ApplicationOutcomeSent, in, 0},             // a review that made none
		{"demo-south", before, portal.ApplicationThresholdNotMet, before, 0}, // before the period
		{"demo-south", in, portal.ApplicationOutcomeSent, after, 1},          // received in, reviewed after
		{"demo-north", in, portal.ApplicationThresholdNotMet, in, 0},         // another area
		// Decided at 00:30 on 1 April 2025 in London (23:30 UTC on 31 March): inside.
		{"demo-south", before, portal.ApplicationThresholdNotMet, time.Date(2025, 4, 1, 0, 30, 0, 0, london), 0},
	}
	var want portal.CaseReviewStatistics
	inPeriod := func(t time.Time) bool {
		d := portal.LondonDate(t)
		return !d.Before(from) && !d.After(to)
	}
	for _, a := range apps {
		ref := f.apply(t, a.area, portal.LondonDate(a.received))
		var recs []portal.Recommendation
		for i := range a.recs {
			recs = append(recs, portal.Recommendation{Agency: "council", Action: fmt.Sprint("Action ", i)})
		}
		crsAdvance(t, f.store, ref, a.to, a.at, recs...)
		if a.area != "demo-south" {
			continue
		}
		if inPeriod(a.received) {
			want.Received++
		}
		notMet := a.to == portal.ApplicationThresholdNotMet || a.to == portal.ApplicationClosed
		if notMet && inPeriod(a.at) {
			want.NotMet++
		}
		reviewed := a.to == portal.ApplicationReviewHeld || a.to == portal.ApplicationOutcomeSent
		if reviewed && inPeriod(a.at) {
			want.Reviews++
			if a.recs > 0 {
				want.WithRecommendations++
			}
		}
	}
	got, err := f.store.CaseReviewStatistics(ctx, "demo-south", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got.Received != want.Received || got.NotMet != want.NotMet || got.Reviews != want.Reviews ||
		got.WithRecommendations != want.WithRecommendations || got.AreaName != "South Demoshire District Council" {
		t.Fatalf("statistics %+v, want %+v", got, want)
	}
	if want.Received != 7 || want.NotMet != 3 || want.Reviews != 3 || want.WithRecommendations != 1 {
		t.Fatalf("the fixture is not what the test means: %+v", want)
	}
	if _, err := f.store.CaseReviewStatistics(ctx, "nowhere", from, to); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown area: %v", err)
	}
	empty, err := f.store.CaseReviewStatistics(ctx, "demo-north", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil || empty.Received != 0 || empty.Reviews != 0 {
		t.Fatalf("empty period %+v %v", empty, err)
	}
}
