package handlers_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// insightServer is the demo geography with reports: a cluster of 8 in
// Riverside (one with a formula for a description), 6 in Castle from a
// named reporter, and staff of different scopes.
type insightServer struct {
	*handlerstest.Server
	conn                           *sql.DB
	pcso, sergeant, officer, admin int64
	riversideRef, castleRef        string
}

func newInsightServer(t *testing.T) *insightServer {
	t.Helper()
	s := &insightServer{Server: demoServer(t)}
	conn, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	s.conn = conn
	s.pcso = acctStaff(t, s.Server, "pcso@insight.example", portal.RolePCSO, nil, []string{"north-riverside"})
	s.officer = acctStaff(t, s.Server, "officer@insight.example", portal.RoleOfficer, []string{"north"}, nil)
	s.sergeant = acctStaff(t, s.Server, "sergeant@insight.example", portal.RoleSergeant, []string{"north"}, nil)
	s.admin = acctStaff(t, s.Server, "admin@insight.example", portal.RoleForceAdmin, nil, nil)
	for i := range 8 {
		desc := "Loud music every night"
		if i == 0 {
			desc = `=HYPERLINK("http://evil.example","Click")`
		}
		ref := s.report(t, "north-riverside", 52.187981+float64(i)*0.00003, -1.232851, "DM11AB", desc, "", i)
		if i == 0 {
			s.riversideRef = ref
		}
	}
	for i := range 6 {
		ref := s.report(t, "north-castle", 52.15+float64(i)*0.00003, -1.36, "DM21AB", "Bikes on the field", "sam@example.org", 100+i)
		if i == 0 {
			s.castleRef = ref
		}
	}
	return s
}

// report stores a report received hoursAgo hours ago.
func (s *insightServer) report(t *testing.T, nbh string, lat, lon float64, postcode, desc, email string, hoursAgo int) string {
	t.Helper()
	ref := portal.NewReference()
	_, err := s.conn.Exec(`
		WITH p AS (INSERT INTO problems DEFAULT VALUES RETURNING id)
		INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id, location, postcode,
		       occurred_on, occurred_time, description, anonymous, reporter_name, reporter_email, created_at)
		SELECT $1, $1, p.id, c.id, n.id, ST_SetSRID(ST_MakePoint($3, $2), 4326), $4, current_date, '21:30',
		       $5, $6 = '', CASE WHEN $6 = '' THEN '' ELSE '@Sam Resident' END, $6, now() - $7 * interval '1 hour'
		  FROM p, categories c, neighbourhoods n WHERE c.code = 'noise' AND n.code = $8`,
		ref, lat, lon, postcode, desc, email, hoursAgo, nbh)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func (s *insightServer) as(t *testing.T, id int64) *handlerstest.Client {
	c := s.Client(t)
	c.SignIn(id)
	return c
}

func TestInsightPages(t *testing.T) {
	s := newInsightServer(t)
	sgt := s.as(t, s.sergeant)

	r := sgt.Get("/staff/insight").Status(t, 200)
	r.Contains(t, "When reports come in", "North Demoshire (local policing area)", `<option value="north"`,
		"Reports in North Demoshire by day and hour, last 90 days", "14 reports in all", `role="img"`,
		"Show the numbers as a table", `aria-current="page"`, `href="/staff/insight/trend?area=north"`, `href="/staff/moderation"`)
	if strings.Contains(r.Body, "Exit this page") || strings.Contains(r.Body, "Harbour") {
		t.Error("staff page has the exit control, or shows another LPA")
	}
	sgt.Get("/staff/insight?area=north-castle").Status(t, 200).Contains(t, "Castle neighbourhood, North Demoshire", "6 reports in all")
	sgt.Get("/staff/insight/trend?area=north").Status(t, 200).Contains(t, "What reports are about",
		"Reports by category and month", "<th scope=\"row\" class=\"govuk-table__header\">Noise</th>", "14 reports in 12 months")
	r = sgt.Get("/staff/insight/places?area=north").Status(t, 200)
	r.Contains(t, "Hotspots in the last 90 days", "DM1, grid reference SP ", "DM2, grid reference SP ",
		"Repeat locations in the last 30 days", "Noise (8)", "Noise (6)", "Where the hotspots are")
	for _, private := range []string{"sam@example.org", "Loud music", "HYPERLINK", s.riversideRef, "DM1 1AB"} {
		if strings.Contains(r.Body, private) {
			t.Errorf("insight shows %q", private)
		}
	}

	t.Run("scope", func(t *testing.T) {
		for _, path := range []string{"/staff/insight?area=south", "/staff/insight/trend?area=south-heath",
			"/staff/insight/places?area=nowhere"} {
			sgt.Get(path).Status(t, 404)
		}
		pcso := s.as(t, s.pcso)
		// Their one neighbourhood, never the LPA it is part of.
		pcso.Get("/staff/insight").Status(t, 200).Contains(t, "Riverside neighbourhood, North Demoshire", "8 reports in all")
		pcso.Get("/staff/insight?area=north").Status(t, 404)
		pcso.Get("/staff/insight/places?area=north-castle").Status(t, 404)
		if body := pcso.Get("/staff/insight/places").Status(t, 200).Body; strings.Contains(body, "DM2") {
			t.Error("PCSO sees Castle's hotspot")
		}
		admin := s.as(t, s.admin)
		admin.Get("/staff/insight?area=south").Status(t, 200).Contains(t, "No reports to show yet.")
		admin.Get("/staff/insight/trend?area=south").Status(t, 200).Contains(t, "No reports have been received in South Demoshire")
		admin.Get("/staff/insight/places?area=south-heath").Status(t, 200).Contains(t, "No hotspots", "No repeat locations")
		s.Client(t).Get("/staff/insight").Status(t, 303)
		none := s.as(t, acctStaff(t, s.Server, "new@insight.example", portal.RoleOfficer, nil, nil))
		none.Get("/staff/insight").Status(t, 200).Contains(t, "You are not assigned to any neighbourhoods yet")
		sgt.Get("/staff/insight?area=%ff").Status(t, 400)
	})
}

// csvOf reads a CSV export.
func csvOf(t *testing.T, r *handlerstest.Response) [][]string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="beacon-reports-`) {
		t.Fatalf("content disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportAsPCSOHasNoPersonalColumns(t *testing.T) {
	s := newInsightServer(t)
	c := s.as(t, s.pcso)
	c.Get("/staff/export").Status(t, 200).Contains(t, "Export reports", "The file shows no one's name",
		`<option value="north-riverside"`, "Download CSV file")
	rows := csvOf(t, c.Get("/staff/export/reports.csv").Status(t, 200))
	if len(rows) != 9 || !slices.Equal(rows[0], portal.ExportHeader(false)) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	body := fmt.Sprint(rows)
	for _, private := range []string{"Reporter", "sam@example.org", "HYPERLINK", "Loud music", "DM1 1AB", s.castleRef} {
		if strings.Contains(body, private) {
			t.Errorf("PCSO export contains %q", private)
		}
	}
	if !strings.Contains(body, s.riversideRef) || !strings.Contains(body, "DM1") {
		t.Error("PCSO export lacks their reports")
	}
	// Another neighbourhood is refused like one that does not exist.
	c.Get("/staff/export/reports.csv?neighbourhood=north-castle").Status(t, 422).Contains(t, "There is a problem",
		`href="#neighbourhood"`, "Select a neighbourhood from the list")

	audits := acctAuditRows(t, s.Server, "report.export")
	if len(audits) != 1 || audits[0].ActorID != s.pcso || audits[0].Details["rows"] != "8" || audits[0].Details["personal"] != "false" {
		t.Fatalf("audit %+v", audits)
	}
}

func TestExportAsSergeantHasPersonalColumnsSafely(t *testing.T) {
	s := newInsightServer(t)
	c := s.as(t, s.sergeant)
	c.Get("/staff/export?neighbourhood=north-castle&risk=low").Status(t, 200).Contains(t,
		"The file includes reporters' names and contact details", `<option value="north-castle" selected>`, `<option value="low" selected>`)
	rows := csvOf(t, c.Get("/staff/export/reports.csv").Status(t, 200))
	if len(rows) != 15 || !slices.Equal(rows[0], portal.ExportHeader(true)) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	var sawFormula, sawEmail bool
	for _, row := range rows[1:] {
		if row[col("What happened")] == `'=HYPERLINK("http://evil.example","Click")` {
			sawFormula = true
		}
		if row[col("Reporter email")] == "sam@example.org" && row[col("Reporter name")] == "'@Sam Resident" &&
			row[col("Postcode")] == "DM2 1AB" {
			sawEmail = true
		}
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	if !sawFormula || !sawEmail {
		t.Fatalf("formula escaped %v, contact details %v:\n%v", sawFormula, sawEmail, rows)
	}

	// Filters: Castle only, received in the last 5 days.
	today := time.Now().In(london()).AddDate(0, 0, -5)
	q := url.Values{"neighbourhood": {"north-castle"}, "status": {"new"}, "category": {"noise"},
		"from-day": {fmt.Sprint(today.Day())}, "from-month": {fmt.Sprint(int(today.Month()))}, "from-year": {fmt.Sprint(today.Year())}}
	rows = csvOf(t, c.Get("/staff/export/reports.csv?"+q.Encode()).Status(t, 200))
	if len(rows) != 7 {
		t.Fatalf("filtered export has %d rows", len(rows))
	}
	audits := acctAuditRows(t, s.Server, "report.export")
	if len(audits) != 2 || audits[0].Details["neighbourhood"] != "north-castle" || audits[0].Details["rows"] != "6" ||
		audits[0].Details["personal"] != "true" || audits[0].TargetType != "reports" {
		t.Fatalf("audit %+v", audits)
	}
	for _, a := range audits {
		for k, v := range a.Details {
			if strings.Contains(v, "@") || strings.Contains(v, "music") {
				t.Errorf("audit detail %s=%q holds personal data", k, v)
			}
		}
	}

	// Wrong filters: 422, the form again with the answers kept.
	bad := url.Values{"status": {"lost"}, "from-day": {"31"}, "from-month": {"2"}, "from-year": {"2026"}, "risk": {"extreme"}}
	c.Get("/staff/export/reports.csv?"+bad.Encode()).Status(t, 422).Contains(t, "<title>Error: Export reports",
		`href="#status"`, `href="#risk"`, `href="#from-day"`, "The date from must be a real date", `value="31"`, "govuk-input--error")
	if len(acctAuditRows(t, s.Server, "report.export")) != 2 {
		t.Error("a refused export was audited")
	}
}

func TestExportIsCappedAndForStaffOnly(t *testing.T) {
	s := newInsightServer(t)
	if _, err := s.conn.Exec(`
		WITH p AS (INSERT INTO problems (created_at) SELECT now() FROM generate_series(1, $1) RETURNING id)
		INSERT INTO reports (reference, idempotency_key, problem_id, category_id, neighbourhood_id, occurred_on, description, anonymous)
		SELECT 'ASB-' || (SELECT string_agg(substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', ((p.id >> (5 * k)) & 31)::int + 1, 1), '' ORDER BY k DESC)
		                    FROM generate_series(0, 3) k) || '-ZZZZ', 'bulk-' || p.id, p.id, c.id, n.id, current_date, 'x', true
		  FROM p, categories c, neighbourhoods n WHERE c.code = 'graffiti' AND n.code = 'south-heath'`, portal.MaxExportRows+1); err != nil {
		t.Fatal(err)
	}
	admin := s.as(t, s.admin)
	admin.Get("/staff/export/reports.csv?category=graffiti").Status(t, 422).Contains(t,
		"50,001 reports match. Choose a shorter range of dates, or one neighbourhood, to export 50,000 or fewer")
	if len(acctAuditRows(t, s.Server, "report.export")) != 0 {
		t.Error("a refused export was audited")
	}
	s.Client(t).Get("/staff/export/reports.csv").Status(t, 303)
	resident, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: "resident@insight.example", Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	s.as(t, resident).Get("/staff/export/reports.csv").Status(t, 403)
}

func london() *time.Location {
	loc, _ := time.LoadLocation("Europe/London")
	return loc
}
