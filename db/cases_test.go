package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// caseFixture is the demo geography with a report in two neighbourhoods of
// different LPAs and the scopes of staff who work in each.
type caseFixture struct {
	store            *db.Store
	url              string
	riverside, heath portal.Neighbourhood
	pcso, south, all portal.Scope
	riversideReport  string
	heathReport      string
}

func newCaseFixture(t *testing.T) *caseFixture {
	t.Helper()
	store, url := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	f := &caseFixture{store: store, url: url, all: portal.Scope{All: true}}
	var err error
	if f.riverside, err = store.NeighbourhoodByCode(ctx, "north-riverside"); err != nil {
		t.Fatal(err)
	}
	if f.heath, err = store.NeighbourhoodByCode(ctx, "south-heath"); err != nil {
		t.Fatal(err)
	}
	f.pcso = portal.Scope{Neighbourhoods: []int64{f.riverside.ID}}
	f.south = portal.Scope{Neighbourhoods: []int64{f.heath.ID}}
	f.riversideReport = caseTestReport(t, store, "north-riverside", 1)
	f.heathReport = caseTestReport(t, store, "south-heath", 2)
	return f
}

// caseTestReport submits an anonymous report in a neighbourhood.
func caseTestReport(t *testing.T, store *db.Store, neighbourhood string, n int) string {
	t.Helper()
	pc := strings.ReplaceAll(db.DemoPostcodes()[neighbourhood][0], " ", "")
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xcace0000+n), CategoryCode: "noise", Postcode: pc,
		NeighbourhoodCode: neighbourhood, Description: "Music every night", HappenedBefore: "no", Hate: "no",
		Anonymous: "yes", Time: "22:30"}
	got, err := store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -3)})
	if err != nil {
		t.Fatal(err)
	}
	return got.Reference
}

// openCase opens a case through the store as a handler would.
func (f *caseFixture) openCase(t *testing.T, key, neighbourhood string, scope portal.Scope) (int64, string, bool, error) {
	t.Helper()
	var id int64
	var ref string
	var created bool
	err := f.store.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		id, ref, created, err = tx.CreateCase(context.Background(), db.NewCase{Key: key, Title: "Noise at Mill Court",
			NeighbourhoodCode: neighbourhood, Risk: portal.RiskMedium, Objective: "Stop the late-night noise",
			NextReview: portal.RiskMedium.NextReview(time.Now()), Scope: scope})
		return err
	})
	return id, ref, created, err
}

func (f *caseFixture) mustOpen(t *testing.T, key, neighbourhood string) portal.Case {
	t.Helper()
	_, ref, _, err := f.openCase(t, key, neighbourhood, f.all)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.store.Case(context.Background(), ref, f.all)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCreateCaseIsScopedAndIdempotent(t *testing.T) {
	f := newCaseFixture(t)
	ctx := context.Background()
	key := strings.Repeat("1", 32)
	if _, _, _, err := f.openCase(t, key, "south-heath", f.pcso); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("a PCSO opened a case in another neighbourhood: %v", err)
	}
	id, ref, created, err := f.openCase(t, key, "north-riverside", f.pcso)
	if err != nil || !created || !portal.ValidCaseReference(ref) {
		t.Fatalf("open: %d %q %v %v", id, ref, created, err)
	}
	id2, ref2, created2, err := f.openCase(t, key, "north-riverside", f.pcso)
	if err != nil || created2 || id2 != id || ref2 != ref {
		t.Fatalf("replay: %d %q %v %v, want the first case", id2, ref2, created2, err)
	}
	c, err := f.store.Case(ctx, ref, f.pcso)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Noise at Mill Court" || c.Risk != portal.RiskMedium || c.Status != portal.CaseOpen ||
		c.NeighbourhoodName != f.riverside.Name || c.NextReview.IsZero() || c.ReviewOverdue {
		t.Fatalf("case %+v", c)
	}
}

func TestPCSONeverSeesAnotherNeighbourhoodsCases(t *testing.T) {
	f := newCaseFixture(t)
	ctx := context.Background()
	mine := f.mustOpen(t, strings.Repeat("2", 32), "north-riverside")
	theirs := f.mustOpen(t, strings.Repeat("3", 32), "south-heath")

	got, err := f.store.Cases(ctx, f.pcso, db.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Reference != mine.Reference {
		t.Fatalf("PCSO sees %v", got)
	}
	if _, err := f.store.Case(ctx, theirs.Reference, f.pcso); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("PCSO reads another neighbourhood's case: %v", err)
	}
	err = f.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.LockCase(ctx, theirs.Reference, f.pcso)
		return err
	})
	if !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("PCSO locks another neighbourhood's case: %v", err)
	}
	if all, _ := f.store.Cases(ctx, f.all, db.CaseFilter{}); len(all) != 2 {
		t.Fatalf("admin sees %d cases", len(all))
	}

	// Overdue counts are scoped too.
	conn := rawDB(t, f.url)
	if _, err := conn.Exec(`UPDATE cases SET next_review_at = current_date - 3`); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		scope portal.Scope
		want  int
	}{{f.pcso, 1}, {f.south, 1}, {f.all, 2}, {portal.Scope{}, 0}} {
		if n, err := f.store.OverdueCaseReviews(ctx, tt.scope); err != nil || n != tt.want {
			t.Errorf("overdue for %+v: %d %v, want %d", tt.scope, n, err, tt.want)
		}
	}
	overdue, _ := f.store.Cases(ctx, f.pcso, db.CaseFilter{Overdue: true})
	if len(overdue) != 1 || !overdue[0].ReviewOverdue {
		t.Fatalf("overdue list %+v", overdue)
	}
	if closed, _ := f.store.Cases(ctx, f.all, db.CaseFilter{Status: portal.CaseClosed}); len(closed) != 0 {
		t.Fatalf("closed list %+v", closed)
	}
}

func TestLinkingOnlyInScopeReports(t *testing.T) {
	f := newCaseFixture(t)
	ctx := context.Background()
	c := f.mustOpen(t, strings.Repeat("4", 32), "north-riverside")
	other := f.mustOpen(t, strings.Repeat("5", 32), "north-riverside")
	link := func(ref string, scope portal.Scope, k portal.Case) (bool, error) {
		var linked bool
		err := f.store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			linked, err = tx.LinkReport(ctx, k, ref, 0, scope)
			return err
		})
		return linked, err
	}
	if _, err := link(f.heathReport, f.pcso, c); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("PCSO linked another neighbourhood's report: %v", err)
	}
	if linked, err := link(f.riversideReport, f.pcso, c); err != nil || !linked {
		t.Fatalf("link: %v %v", linked, err)
	}
	if linked, err := link(f.riversideReport, f.pcso, c); err != nil || linked {
		t.Fatalf("link again: %v %v, want no change", linked, err)
	}
	if _, err := link(f.riversideReport, f.pcso, other); !errors.Is(err, db.ErrLinkedElsewhere) || !errors.Is(err, portal.ErrConflict) {
		t.Fatalf("linked into a second case: %v", err)
	}
	// An administrator links the other LPA's report: the PCSO still never
	// sees it, nor counts it.
	if _, err := link(f.heathReport, f.all, c); err != nil {
		t.Fatal(err)
	}
	reps, err := f.store.CaseReports(ctx, c.ID, f.pcso)
	if err != nil || len(reps) != 1 || reps[0].Reference != f.riversideReport {
		t.Fatalf("PCSO sees linked reports %+v (%v)", reps, err)
	}
	r := reps[0]
	if r.CategoryName != "Noise" || r.OccurredTime != "22:30" || r.District == "" || strings.Contains(r.District, " ") || !r.HasLocation {
		t.Fatalf("linked report %+v", r)
	}
	if got, _ := f.store.Case(ctx, c.Reference, f.pcso); got.Reports != 1 {
		t.Fatalf("PCSO counts %d linked reports", got.Reports)
	}
	if got, _ := f.store.Case(ctx, c.Reference, f.all); got.Reports != 2 {
		t.Fatalf("admin counts %d linked reports", got.Reports)
	}
	conn := rawDB(t, f.url)
	if n := count(t, conn, `SELECT count(*) FROM report_events e JOIN reports r ON r.id = e.report_id
		WHERE r.reference = $1 AND e.kind = 'case' AND NOT e.public AND e.body = $2`, f.riversideReport, c.Reference); n != 1 {
		t.Fatalf("%d staff timeline entries for the link", n)
	}

	unlink := func(ref string, scope portal.Scope) (bool, error) {
		var done bool
		err := f.store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			done, err = tx.UnlinkReport(ctx, c, ref, 0, scope)
			return err
		})
		return done, err
	}
	if done, err := unlink(f.heathReport, f.pcso); err != nil || done {
		t.Fatalf("PCSO unlinked another neighbourhood's report: %v %v", done, err)
	}
	if done, err := unlink(f.riversideReport, f.pcso); err != nil || !done {
		t.Fatalf("unlink: %v %v", done, err)
	}
	if reps, _ := f.store.CaseReports(ctx, c.ID, f.all); len(reps) != 1 || reps[0].Reference != f.heathReport {
		t.Fatalf("after unlinking: %+v", reps)
	}
}

func TestCaseSectionsNotesReviewsAndClosing(t *testing.T) {
	f := newCaseFixture(t)
	ctx := context.Background()
	c := f.mustOpen(t, strings.Repeat("6", 32), "north-riverside")
	inTx := func(fn func(tx *db.Tx) error) error { return f.store.InTx(ctx, fn) }

	var changed bool
	err := inTx(func(tx *db.Tx) (err error) {
		changed, err = tx.SetCaseSection(ctx, c.ID, portal.SectionAnalysis, "Peaks on Friday nights")
		return err
	})
	if err != nil || !changed {
		t.Fatalf("set analysis: %v %v", changed, err)
	}
	inTx(func(tx *db.Tx) (err error) {
		changed, err = tx.SetCaseSection(ctx, c.ID, portal.SectionAnalysis, "Peaks on Friday nights")
		return err
	})
	if changed {
		t.Fatal("the same text counted as a change")
	}
	if err := inTx(func(tx *db.Tx) error {
		_, err := tx.SetCaseSection(ctx, c.ID, portal.CaseSection("lessons; DROP TABLE cases"), "x")
		return err
	}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown section: %v", err)
	}

	note := portal.CaseNoteInput{IdempotencyKey: strings.Repeat("7", 32), Source: "Riverside Homes", Body: "Tenancy warning given"}
	if err := inTx(func(tx *db.Tx) error { return tx.AddCaseNote(ctx, c.ID, 0, note) }); err != nil {
		t.Fatal(err)
	}
	if err := inTx(func(tx *db.Tx) error { return tx.AddCaseNote(ctx, c.ID, 0, note) }); !errors.Is(err, db.ErrReplayed) {
		t.Fatalf("replayed note: %v", err)
	}
	if notes, _ := f.store.CaseNotes(ctx, c.ID); len(notes) != 1 || notes[0].Source != "Riverside Homes" {
		t.Fatalf("notes %+v", notes)
	}

	next := portal.DateOf(time.Now()).AddDate(0, 0, 14)
	review := func() error {
		return inTx(func(tx *db.Tx) error {
			return tx.AddCaseReview(ctx, c.ID, 0, strings.Repeat("8", 32), "On track", next)
		})
	}
	if err := review(); err != nil {
		t.Fatal(err)
	}
	if err := review(); !errors.Is(err, db.ErrReplayed) {
		t.Fatalf("replayed review: %v", err)
	}
	got, _ := f.store.Case(ctx, c.Reference, f.all)
	if !got.NextReview.Equal(next) || got.Analysis != "Peaks on Friday nights" {
		t.Fatalf("after review: next %v, analysis %q", got.NextReview, got.Analysis)
	}
	if rs, _ := f.store.CaseReviews(ctx, c.ID); len(rs) != 1 || rs[0].Notes != "On track" || !rs[0].NextReview.Equal(next) {
		t.Fatalf("reviews %+v", rs)
	}

	closeIt := func() (done bool) {
		inTx(func(tx *db.Tx) (err error) {
			done, err = tx.CloseCase(ctx, c.ID, portal.CaseCloseInput{Assessment: "Mediation worked", Lessons: "Involve housing early"})
			return err
		})
		return done
	}
	if !closeIt() || closeIt() {
		t.Fatal("close, then close again: want true then false")
	}
	got, _ = f.store.Case(ctx, c.Reference, f.all)
	if got.Status != portal.CaseClosed || got.Assessment != "Mediation worked" || got.ClosedAt.IsZero() {
		t.Fatalf("closed case %+v", got)
	}
	var reopened bool
	inTx(func(tx *db.Tx) (err error) { reopened, err = tx.ReopenCase(ctx, c.ID, next); return err })
	if got, _ = f.store.Case(ctx, c.Reference, f.all); !reopened || got.Status != portal.CaseOpen || !got.ClosedAt.IsZero() {
		t.Fatalf("reopened case %+v", got)
	}
}

func TestInterventionsAndLetters(t *testing.T) {
	f := newCaseFixture(t)
	ctx := context.Background()
	c := f.mustOpen(t, strings.Repeat("9", 32), "north-riverside")
	other := f.mustOpen(t, strings.Repeat("a", 32), "north-riverside")
	issued := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	ni := db.NewIntervention{Key: strings.Repeat("b", 32), Kind: portal.CommunityProtectionWarning, Subject: "Occupier, 14 Mill Court",
		IssuedOn: issued, Status: portal.InterventionActive, Notes: "Served by hand", LetterBody: "Dear occupier"}
	var id int64
	if err := f.store.InTx(ctx, func(tx *db.Tx) (err error) { id, err = tx.AddIntervention(ctx, c.ID, ni); return err }); err != nil {
		t.Fatal(err)
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.AddIntervention(ctx, c.ID, ni); return err }); !errors.Is(err, db.ErrReplayed) {
		t.Fatalf("replayed intervention: %v", err)
	}
	if _, err := f.store.Intervention(ctx, other.ID, id); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("intervention read through another case: %v", err)
	}
	review := issued.AddDate(0, 0, 28)
	var changed []string
	f.store.InTx(ctx, func(tx *db.Tx) (err error) {
		changed, err = tx.UpdateIntervention(ctx, c.ID, id, portal.InterventionBreached, review, "Served by hand")
		return err
	})
	if !slices.Equal(changed, []string{"status", "review_on"}) {
		t.Fatalf("changed %v", changed)
	}
	if err := f.store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.UpdateIntervention(ctx, other.ID, id, portal.InterventionComplied, time.Time{}, "")
		return err
	}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("intervention changed through another case: %v", err)
	}
	var letterChanged bool
	f.store.InTx(ctx, func(tx *db.Tx) (err error) {
		letterChanged, err = tx.SaveLetter(ctx, c.ID, id, "Dear occupier,\n<b>stop</b>")
		return err
	})
	iv, err := f.store.Intervention(ctx, c.ID, id)
	if err != nil || !letterChanged || iv.LetterBody != "Dear occupier,\n<b>stop</b>" || iv.Status != portal.InterventionBreached ||
		!iv.ReviewOn.Equal(review) || !iv.IssuedOn.Equal(issued) {
		t.Fatalf("intervention %+v (%v)", iv, err)
	}
	if ivs, _ := f.store.Interventions(ctx, c.ID); len(ivs) != 1 {
		t.Fatalf("%d interventions", len(ivs))
	}
}

func TestLetterTemplates(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	tpls, err := store.LetterTemplates(ctx)
	if err != nil || len(tpls) != len(portal.LetterKinds) {
		t.Fatalf("%d templates (%v)", len(tpls), err)
	}
	def, _ := portal.DefaultLetterTemplate(portal.WarningLetter)
	if tpls[0] != def {
		t.Fatalf("first template %+v, want the default warning letter", tpls[0])
	}
	if _, err := store.LetterTemplate(ctx, portal.WordsOfAdvice); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("words of advice has a letter: %v", err)
	}
	edited := portal.LetterTemplate{Kind: portal.WarningLetter, Title: "Warning", Body: "Dear {{subject}}"}
	save := func() (changed bool) {
		store.InTx(ctx, func(tx *db.Tx) (err error) { changed, err = tx.SaveLetterTemplate(ctx, edited); return err })
		return changed
	}
	if !save() || save() {
		t.Fatal("save, then save the same: want true then false")
	}
	if got, _ := store.LetterTemplate(ctx, portal.WarningLetter); got != edited {
		t.Fatalf("stored %+v", got)
	}
	if n, err := store.EnsureLetterTemplates(ctx); err != nil || n != len(portal.LetterKinds)-1 {
		t.Fatalf("ensured %d (%v)", n, err)
	}
	if got, _ := store.LetterTemplate(ctx, portal.WarningLetter); got != edited {
		t.Fatal("ensuring defaults overwrote an edited template")
	}
}
