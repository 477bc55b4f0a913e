package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

// triageFixture is a database with the demo geography, a PCSO of
// north-riverside, an officer of LPA north, a PCSO of south-harbour and a
// report in north-riverside and in south-harbour.
type triageFixture struct {
	store              *db.Store
	conn               *sql.DB
	north, south       string // report references
	pcso, officer      portal.User
	southPCSO          portal.User
	riverside, harbour int64 // neighbourhood IDs
}

func newTriageFixture(t *testing.T) *triageFixture {
	t.Helper()
	store, url := dbtest.New(t)
	ctx := context.Background()
	if _, err := store.LoadDemoGeography(ctx); err != nil {
		t.Fatal(err)
	}
	f := &triageFixture{store: store, conn: rawDB(t, url)}
	f.pcso = triageStaff(t, store, "pcso@force.example", portal.RolePCSO, nil, []string{"north-riverside"})
	f.officer = triageStaff(t, store, "officer@force.example", portal.RoleOfficer, []string{"north"}, nil)
	f.southPCSO = triageStaff(t, store, "south@force.example", portal.RolePCSO, nil, []string{"south-harbour"})
	f.north = triageReport(t, store, "north-riverside", 1, "sam@example.org")
	f.south = triageReport(t, store, "south-harbour", 2, "")
	for code, id := range map[string]*int64{"north-riverside": &f.riverside, "south-harbour": &f.harbour} {
		if err := f.conn.QueryRow(`SELECT id FROM neighbourhoods WHERE code = $1`, code).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func triageStaff(t *testing.T, store *db.Store, email string, role portal.Role, lpas, nbhs []string) portal.User {
	t.Helper()
	ctx := context.Background()
	id, err := store.CreateUser(ctx, db.NewUser{Email: email, Role: role, DisplayName: strings.Split(email, "@")[0]})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.SetStaffAreas(ctx, id, lpas, nbhs) }); err != nil {
		t.Fatal(err)
	}
	u, err := store.User(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// triageReport stores a report; email "" makes it anonymous.
func triageReport(t *testing.T, store *db.Store, neighbourhood string, n int, email string) string {
	t.Helper()
	d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0x7e1a6e00+n), CategoryCode: "noise",
		Postcode: strings.ReplaceAll(db.DemoPostcodes()[neighbourhood][0], " ", ""), NeighbourhoodCode: neighbourhood,
		Description: "Music every night\nuntil 3am", HappenedBefore: "yes", HowOften: "Weekends", Hate: "no",
		Vulnerability: "I live alone", Impacts: []string{"health"}, Anonymous: "yes"}
	if email != "" {
		d.Anonymous, d.Name, d.Email, d.ContactPreference, d.SafeToLeave = "no", "Sam Resident", email, "email", "no"
	}
	got, err := store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: time.Now().AddDate(0, 0, -2)})
	if err != nil {
		t.Fatal(err)
	}
	return got.Reference
}

func TestStaffReportIsScoped(t *testing.T) {
	f := newTriageFixture(t)
	ctx := context.Background()
	r, err := f.store.StaffReport(ctx, f.north, f.pcso.Scope)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Sam Resident" || r.Email != "sam@example.org" || r.Description != "Music every night\nuntil 3am" ||
		r.NeighbourhoodCode != "north-riverside" || r.Status != portal.StatusNew || !r.HasLocation ||
		r.HowOften != "Weekends" || !r.HealthAffected || r.SafeToLeave || len(r.Events) != 1 || r.Events[0].Kind != "submitted" {
		t.Fatalf("staff report %+v", r)
	}
	if _, err := f.store.StaffReport(ctx, f.south, f.pcso.Scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("another neighbourhood's report: %v, want ErrNotFound", err)
	}
	if _, err := f.store.StaffReport(ctx, f.north, f.southPCSO.Scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("south PCSO sees a north report: %v", err)
	}
	if _, err := f.store.StaffReport(ctx, f.north, portal.Scope{}); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("an empty scope sees a report: %v", err)
	}
	if _, err := f.store.StaffReport(ctx, f.south, f.officer.Scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("LPA north officer sees a south report: %v", err)
	}
	for _, ref := range []string{f.north, f.south} {
		if _, err := f.store.StaffReport(ctx, ref, portal.Scope{All: true}); err != nil {
			t.Fatalf("force-wide scope: %v", err)
		}
	}
	if _, _, err := f.store.StaffReportPhoto(ctx, f.north, 1, f.pcso.Scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("missing photo: %v", err)
	}
	var photo int64
	if err := f.conn.QueryRow(`INSERT INTO report_photos (report_id, content_type, data)
		SELECT id, 'image/png', '\x89504e47' FROM reports WHERE reference = $1 RETURNING id`, f.south).Scan(&photo); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.StaffReportPhoto(ctx, f.south, photo, f.pcso.Scope); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("another neighbourhood's photo: %v", err)
	}
	if ct, _, err := f.store.StaffReportPhoto(ctx, f.south, photo, f.southPCSO.Scope); err != nil || ct != "image/png" {
		t.Fatalf("own photo: %q %v", ct, err)
	}
}

// act runs one keyed staff action as the handlers do: lock, record, change.
func (f *triageFixture) act(t *testing.T, ref string, u portal.User, key, kind string, public bool, body string,
	change func(ctx context.Context, tx *db.Tx, id int64) error) error {
	t.Helper()
	ctx := context.Background()
	r, err := f.store.StaffReport(ctx, ref, u.Scope)
	if err != nil {
		return err
	}
	return f.store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.LockReport(ctx, r.ID, u.Scope); err != nil {
			return err
		}
		if err := tx.AddReportEvent(ctx, db.ReportEventInput{ReportID: r.ID, Kind: kind, Public: public, Body: body,
			ActorID: u.ID, Key: key}); err != nil {
			return err
		}
		if change == nil {
			return nil
		}
		return change(ctx, tx, r.ID)
	})
}

func triageKey(n int) string { return fmt.Sprintf("%032x", 0xab0000+n) }

func TestTriageActions(t *testing.T) {
	f := newTriageFixture(t)
	ctx := context.Background()

	// Risk, with a replayed form acting once.
	q := portal.RiskReview{Health: true, Vulnerable: true, Override: portal.RiskMedium, Reason: "Has support"}
	due := time.Date(2031, 1, 2, 9, 0, 0, 0, time.UTC)
	risk := func(ctx context.Context, tx *db.Tx, id int64) error {
		return tx.SetReportRisk(ctx, id, q, due, f.pcso.ID)
	}
	if err := f.act(t, f.north, f.pcso, triageKey(1), "risk", false, "Risk assessed", risk); err != nil {
		t.Fatal(err)
	}
	if err := f.act(t, f.north, f.pcso, triageKey(1), "risk", false, "Risk assessed", risk); !errors.Is(err, db.ErrReplayed) {
		t.Fatalf("replayed form: %v, want ErrReplayed", err)
	}
	if done, err := f.store.ReportActionDone(ctx, triageKey(1)); err != nil || !done {
		t.Fatalf("ReportActionDone = %v %v", done, err)
	}
	r, _ := f.store.StaffReport(ctx, f.north, f.pcso.Scope)
	if r.Risk != portal.RiskMedium || r.RiskReview != q || r.RiskAssessedBy != "pcso" || !r.DueAt.Equal(due) ||
		len(r.Events) != 2 || r.Events[1].Actor != "pcso" || r.Events[1].Public {
		t.Fatalf("after risk: %+v", r)
	}
	// Another area's staff cannot act, even with the report's ID.
	err := f.store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.LockReport(ctx, r.ID, f.southPCSO.Scope); return err })
	if !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("lock out of scope: %v", err)
	}

	// Assignment: only staff whose areas cover the neighbourhood.
	staff, err := f.store.AssignableStaff(ctx, r.NeighbourhoodID)
	if err != nil || len(staff) != 2 || staff[0].Name != "officer" || staff[1].Name != "pcso" {
		t.Fatalf("assignable staff %+v %v", staff, err)
	}
	assign := func(to int64) func(context.Context, *db.Tx, int64) error {
		return func(ctx context.Context, tx *db.Tx, id int64) error { return tx.AssignReport(ctx, id, to) }
	}
	if err := f.act(t, f.north, f.pcso, triageKey(2), "assigned", false, "", assign(f.southPCSO.ID)); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("assign to another area's PCSO: %v", err)
	}
	if err := f.act(t, f.north, f.pcso, triageKey(3), "assigned", false, "", assign(f.officer.ID)); err != nil {
		t.Fatal(err)
	}
	if r, _ = f.store.StaffReport(ctx, f.north, f.pcso.Scope); r.AssignedTo != f.officer.ID || r.AssignedName != "officer" {
		t.Fatalf("assigned %d %q", r.AssignedTo, r.AssignedName)
	}

	// Category: active ones only.
	recat := func(code string) func(context.Context, *db.Tx, int64) error {
		return func(ctx context.Context, tx *db.Tx, id int64) error { return tx.SetReportCategory(ctx, id, code) }
	}
	if err := f.act(t, f.north, f.pcso, triageKey(4), "category", false, "", recat("made-up")); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unknown category: %v", err)
	}
	if err := f.act(t, f.north, f.pcso, triageKey(5), "category", false, "", recat("graffiti")); err != nil {
		t.Fatal(err)
	}

	// A note is staff only; a reply is public.
	if err := f.act(t, f.north, f.pcso, triageKey(6), "note", false, "Spoke to the neighbour", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.act(t, f.north, f.pcso, triageKey(7), "reply", true, "We are on it", nil); err != nil {
		t.Fatal(err)
	}
	if err := f.act(t, f.north, f.pcso, triageKey(8), "note", true, "Leaked", nil); err == nil {
		t.Fatal("a public note was stored")
	}
	tracked, err := f.store.TrackedReport(ctx, f.north)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tracked.Events {
		if e.Kind != "submitted" && e.Kind != "reply" {
			t.Fatalf("the reporter sees a %s entry: %q", e.Kind, e.Body)
		}
	}
	if tracked.CategoryCode != "graffiti" || tracked.Events[len(tracked.Events)-1].Body != "We are on it" {
		t.Fatalf("tracked %+v", tracked)
	}

	// Status, then closing as a duplicate of the south report (in the
	// force-wide scope).
	admin := portal.User{ID: 0, Scope: portal.Scope{All: true}}
	err = f.act(t, f.north, admin, triageKey(9), "duplicate", false, "", func(ctx context.Context, tx *db.Tx, id int64) error {
		if err := tx.SetReportStatus(ctx, id, portal.StatusOpen); err != nil {
			return err
		}
		orig, dup, err := tx.ReportIDInScope(ctx, f.south, admin.Scope)
		if err != nil || dup != 0 {
			return fmt.Errorf("original %d %d %w", orig, dup, err)
		}
		if _, _, err := tx.ReportIDInScope(ctx, f.south, f.pcso.Scope); !errors.Is(err, portal.ErrNotFound) {
			return fmt.Errorf("original out of scope: %w", err)
		}
		return tx.CloseReport(ctx, id, portal.OutcomeDuplicate, orig)
	})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = f.store.StaffReport(ctx, f.north, admin.Scope)
	if r.Status != portal.StatusClosed || r.Outcome != portal.OutcomeDuplicate || r.DuplicateOf != f.south || r.ClosedAt.IsZero() {
		t.Fatalf("after closing: %+v", r)
	}
	south, _ := f.store.StaffReport(ctx, f.south, admin.Scope)
	if len(south.Duplicates) != 1 || south.Duplicates[0].Reference != f.north {
		t.Fatalf("duplicates of the original: %+v", south.Duplicates)
	}
	if south, _ = f.store.StaffReport(ctx, f.south, f.southPCSO.Scope); len(south.Duplicates) != 0 {
		t.Fatal("the south PCSO sees a north report listed as a duplicate")
	}
}

func TestLinkingToCasesAndRelatedReports(t *testing.T) {
	f := newTriageFixture(t)
	ctx := context.Background()
	for _, c := range []struct{ ref, n, status string }{
		{"CASE-2222-2222", "north-riverside", "open"}, {"CASE-3333-3333", "south-harbour", "open"},
		{"CASE-4444-4444", "north-riverside", "closed"}} {
		if _, err := f.conn.Exec(`INSERT INTO cases (reference, neighbourhood_id, title, status)
			SELECT $1, id, 'Noise at the flats', $3 FROM neighbourhoods WHERE code = $2`, c.ref, c.n, c.status); err != nil {
			t.Fatal(err)
		}
	}
	cases, err := f.store.OpenCasesForReport(ctx, f.riverside, f.pcso.Scope)
	if err != nil || len(cases) != 1 || cases[0].Reference != "CASE-2222-2222" {
		t.Fatalf("open cases %+v %v", cases, err)
	}
	if cases, _ := f.store.OpenCasesForReport(ctx, f.riverside, f.southPCSO.Scope); len(cases) != 0 {
		t.Fatalf("the south PCSO sees north cases: %+v", cases)
	}
	link := func(ref string) func(context.Context, *db.Tx, int64) error {
		return func(ctx context.Context, tx *db.Tx, id int64) error {
			return tx.LinkReportToCase(ctx, id, ref, f.pcso.Scope)
		}
	}
	for i, bad := range []string{"CASE-3333-3333", "CASE-4444-4444", "CASE-5555-5555"} {
		if err := f.act(t, f.north, f.pcso, triageKey(20+i), "case", false, bad, link(bad)); !errors.Is(err, portal.ErrNotFound) {
			t.Fatalf("link to %s: %v, want ErrNotFound", bad, err)
		}
	}
	if err := f.act(t, f.north, f.pcso, triageKey(30), "case", false, "CASE-2222-2222", link("CASE-2222-2222")); err != nil {
		t.Fatal(err)
	}
	r, _ := f.store.StaffReport(ctx, f.north, f.pcso.Scope)
	if r.CaseReference != "CASE-2222-2222" || r.CaseTitle != "Noise at the flats" {
		t.Fatalf("case %q %q", r.CaseReference, r.CaseTitle)
	}

	// "It happened again" makes a related report about the same problem.
	var problem int64
	if err := f.conn.QueryRow(`SELECT problem_id FROM reports WHERE reference = $1`, f.north).Scan(&problem); err != nil {
		t.Fatal(err)
	}
	d := &portal.ReportDraft{Key: triageKey(40), CategoryCode: "noise", NeighbourhoodCode: "north-riverside",
		Description: "Again", HappenedBefore: "yes", Hate: "no", Anonymous: "yes", ProblemID: problem}
	again, err := f.store.CreateReport(ctx, db.NewReport{Draft: d, OccurredOn: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	r, _ = f.store.StaffReport(ctx, f.north, f.pcso.Scope)
	if len(r.Related) != 1 || r.Related[0].Reference != again.Reference {
		t.Fatalf("related %+v", r.Related)
	}
}

func TestReplyTemplates(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	for _, tpl := range []portal.ReplyTemplate{
		{Name: "Any", Body: "a"},
		{Name: "New reports", Status: portal.StatusNew, Body: "b"},
		{Name: "Noise closing", CategoryCode: "noise", Status: portal.StatusClosed, Body: "c"},
		{Name: "Noise any", CategoryCode: "noise", Body: "d"},
		{Name: "Graffiti", CategoryCode: "graffiti", Body: "e"},
	} {
		if added, err := store.EnsureReplyTemplate(ctx, tpl); err != nil || !added {
			t.Fatalf("add %s: %v %v", tpl.Name, added, err)
		}
	}
	if added, err := store.EnsureReplyTemplate(ctx, portal.ReplyTemplate{Name: "Any", Body: "changed"}); err != nil || added {
		t.Fatalf("adding again: %v %v", added, err)
	}
	names := func(ts []portal.ReplyTemplate) string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return strings.Join(out, ", ")
	}
	got, err := store.ReplyTemplates(ctx, "noise", portal.StatusClosed)
	if err != nil || names(got) != "Noise closing, Noise any, Any" {
		t.Fatalf("noise, closed: %q %v", names(got), err)
	}
	if got, _ = store.ReplyTemplates(ctx, "graffiti", portal.StatusNew); names(got) != "Graffiti, New reports, Any" || got[2].Body != "a" {
		t.Fatalf("graffiti, new: %q", names(got))
	}
}
