package handlers_test

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
)

// demoServerWith is demoServer with configuration options.
func demoServerWith(t *testing.T, opts ...handlerstest.Option) *handlerstest.Server {
	t.Helper()
	s := newServer(t, opts...)
	if _, err := s.Store.LoadDemoGeography(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func riversidePostcode() string { return db.DemoPostcodes()["north-riverside"][0] }

// reportAnswers are the posts of a whole journey, step by step.
func reportAnswers() []struct {
	path   string
	values url.Values
} {
	return []struct {
		path   string
		values url.Values
	}{
		{"/report/safety", url.Values{"safety": {"no"}}},
		{"/report/what", url.Values{"category": {"noise"}}},
		{"/report/where", url.Values{"postcode": {strings.ToLower(strings.ReplaceAll(riversidePostcode(), " ", ""))}, "place": {"Behind the shops"}}},
		{"/report/when", url.Values{"when-day": {"20"}, "when-month": {"11"}, "when-year": {"2026"}, "time": {"23:15"}, "happened-before": {"yes"}, "how-often": {"Every weekend"}, "since-when": {"Summer"}}},
		{"/report/details", url.Values{"description": {"Music until 3am.\nShouting <b>every</b> weekend & more"}}},
		{"/report/people", url.Values{"people": {"Two adults"}, "vehicles": {"AB12 CDE"}}},
		{"/report/impact", url.Values{"impacts": {"health", "children"}, "hate": {"no"}, "vulnerability": {"I care for my mother"}}},
		{"/report/photos", url.Values{"action": {"continue"}}},
		{"/report/about-you", url.Values{"anonymous": {"no"}, "name": {"Sam Resident"}, "email": {"Sam@Example.org"},
			"contact-preference": {"email"}, "safe-to-leave": {"yes"}}},
	}
}

// walkJourney answers every step and returns the check page.
func walkJourney(t *testing.T, c *handlerstest.Client) *handlerstest.Response {
	t.Helper()
	for _, step := range reportAnswers() {
		c.Get(step.path)
		r := c.PostForm(step.path, step.values)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: status %d\n%s", step.path, r.StatusCode, r.Body)
		}
	}
	return c.Get("/report/check").Status(t, 200)
}

var keyRE = regexp.MustCompile(`name="idempotency_key" value="([0-9a-f]{32})"`)

func submit(t *testing.T, c *handlerstest.Client, check *handlerstest.Response) *handlerstest.Response {
	t.Helper()
	m := keyRE.FindStringSubmatch(check.Body)
	if m == nil {
		t.Fatal("check page has no idempotency key")
	}
	return c.PostForm("/report/check", url.Values{"idempotency_key": {m[1]}})
}

var refRE = regexp.MustCompile(`ASB-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}`)

func TestReportJourney(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	c.Get("/report").Status(t, 200).Contains(t, "Start now", "call 999")
	check := walkJourney(t, c)
	check.Contains(t, "Noise", "Behind the shops", "Riverside", "20 November 2026 at 23:15",
		"Every weekend", "&lt;b&gt;every&lt;/b&gt;", "Children are affected", "Sam Resident", "Sam@Example.org")
	r := submit(t, c, check).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/report/sent" {
		t.Fatalf("Location %q", loc)
	}
	conf := c.Get("/report/sent").Status(t, 200).Contains(t, "Report sent", "Riverside")
	ref := refRE.FindString(conf.Body)
	if ref == "" {
		t.Fatal("no reference on the confirmation page")
	}
	// The draft is gone: the journey starts afresh.
	c.Get("/report/check").Status(t, 303)

	conn := openDB(t, s)
	var nCode, email, desc string
	var flagged bool
	err := conn.QueryRow(`SELECT n.code, r.reporter_email, r.description, r.flagged FROM reports r
		JOIN neighbourhoods n ON n.id = r.neighbourhood_id WHERE r.reference = $1`, ref).Scan(&nCode, &email, &desc, &flagged)
	if err != nil {
		t.Fatal(err)
	}
	if nCode != "north-riverside" || email != "sam@example.org" || !strings.Contains(desc, "<b>every</b> weekend & more") || flagged {
		t.Fatalf("stored %q %q %q flagged=%v", nCode, email, desc, flagged)
	}
	var subject, body string
	if err := conn.QueryRow(`SELECT subject, text_body FROM outbox WHERE lower(recipient) = 'sam@example.org'`).Scan(&subject, &body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(subject, ref) || !strings.Contains(body, ref) || strings.Contains(body, "Music") {
		t.Fatalf("acknowledgement %q / %q", subject, body)
	}
}

func openDB(t *testing.T, s *handlerstest.Server) *sql.DB {
	t.Helper()
	conn, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestReportValidationKeepsInput(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	c.Get("/report/safety")
	c.PostForm("/report/safety", nil).Status(t, 422).Contains(t, "There is a problem", "Select yes if anyone is in immediate danger")
	c.PostForm("/report/safety", url.Values{"safety": {"no"}}).Status(t, 303)
	c.PostForm("/report/what", url.Values{"category": {"made-up"}}).Status(t, 422).Contains(t, "Select what happened")
	c.PostForm("/report/what", url.Values{"category": {"graffiti"}}).Status(t, 303)
	c.PostForm("/report/where", url.Values{"postcode": {"DM9 9ZZ"}, "place": {"by the bins"}}).Status(t, 422).
		Contains(t, "We could not find that postcode", `value="DM9 9ZZ"`, `value="by the bins"`)
	c.PostForm("/report/where", url.Values{"postcode": {"nonsense"}}).Status(t, 422).Contains(t, "Enter a real postcode")
	c.PostForm("/report/where", url.Values{"describe": {"1"}, "place": {"The park gates"}}).Status(t, 422).
		Contains(t, "Select the area where it happened", "The park gates")
	c.PostForm("/report/where", url.Values{"describe": {"1"}, "place": {"The park gates"}, "neighbourhood": {"south-harbour"}}).Status(t, 303)
	c.PostForm("/report/when", url.Values{"when-day": {"31"}, "when-month": {"2"}, "when-year": {"2026"}, "time": {"late"}, "happened-before": {"no"}}).
		Status(t, 422).Contains(t, "The date must be a real date", "Enter a time like 21:30", `value="late"`, `value="31"`)
	long := strings.Repeat("a", portal.MaxDescription+1)
	c.PostForm("/report/when", url.Values{"when-day": {"1"}, "when-month": {"11"}, "when-year": {"2026"}, "happened-before": {"no"}}).Status(t, 303)
	c.PostForm("/report/details", url.Values{"description": {long}}).Status(t, 422).Contains(t, "5,000 characters or fewer", long)
	c.PostForm("/report/details", url.Values{"description": {"Paint on the gates"}}).Status(t, 303)
	c.PostForm("/report/people", nil).Status(t, 303)
	c.PostForm("/report/impact", url.Values{"hate": {"yes"}}).Status(t, 422).Contains(t, "Select what part of who you are")
	c.PostForm("/report/impact", url.Values{"hate": {"yes"}, "hate-reasons": {"race"}}).Status(t, 303)
	c.PostForm("/report/photos", url.Values{"action": {"continue"}}).Status(t, 303)
	c.PostForm("/report/about-you", url.Values{"anonymous": {"no"}, "email": {"not-an-email"}}).Status(t, 422).
		Contains(t, "Enter your name", "Enter an email address in the correct format", `value="not-an-email"`)
	c.PostForm("/report/about-you", url.Values{"anonymous": {"yes"}}).Status(t, 303)
	check := c.Get("/report/check").Status(t, 200).Contains(t, "The park gates", "Harbour", "Yes: Race or ethnicity", "Anonymous")
	submit(t, c, check).Status(t, 303)
	c.Get("/report/sent").Status(t, 200).Contains(t, "Report sent")
}

func TestDangerStopsTheForm(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	c.Get("/report/safety")
	r := c.PostForm("/report/safety", url.Values{"safety": {"yes"}}).Status(t, 303)
	if r.Header.Get("Location") != "/report/call-999" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	c.Get("/report/call-999").Status(t, 200).Contains(t, "Call 999 now")
	// The journey cannot go on while the answer is yes.
	if loc := c.Get("/report/what").Status(t, 303).Header.Get("Location"); loc != "/report/call-999" {
		t.Fatalf("category page redirected to %q", loc)
	}
	if loc := c.Get("/report/check").Status(t, 303).Header.Get("Location"); !strings.HasPrefix(loc, "/report/") || loc == "/report/check" {
		t.Fatalf("check page redirected to %q", loc)
	}
}

func TestSkippingAheadGoesBackToTheFirstQuestion(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	if loc := c.Get("/report/details").Status(t, 303).Header.Get("Location"); loc != "/report/safety" {
		t.Fatalf("Location %q", loc)
	}
}

func TestOutsideTheForceArea(t *testing.T) {
	s := demoServer(t)
	conn := openDB(t, s)
	if _, err := conn.Exec(`INSERT INTO postcodes (postcode, location) VALUES ('SW1A1AA', ST_SetSRID(ST_MakePoint(-0.1419, 51.5014), 4326))`); err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.Get("/report/safety")
	c.PostForm("/report/safety", url.Values{"safety": {"no"}})
	c.PostForm("/report/what", url.Values{"category": {"noise"}})
	r := c.PostForm("/report/where", url.Values{"postcode": {"SW1A 1AA"}}).Status(t, 303)
	c.Get(r.Header.Get("Location")).Status(t, 200).Contains(t, "outside our area", "police.uk")
}

func TestDoubleSubmissionMakesOneReport(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	check := walkJourney(t, c)
	m := keyRE.FindStringSubmatch(check.Body)
	var wg sync.WaitGroup
	locs := make([]string, 10)
	for i := range locs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.PostForm("/report/check", url.Values{"idempotency_key": {m[1]}})
			locs[i] = r.Header.Get("Location")
		}()
	}
	wg.Wait()
	for i, l := range locs {
		if l != "/report/sent" {
			t.Fatalf("submission %d redirected to %q", i, l)
		}
	}
	if n, _ := s.Store.ReportCount(context.Background()); n != 1 {
		t.Fatalf("%d reports, want 1", n)
	}
	c.Get("/report/sent").Status(t, 200).Contains(t, "Report sent")
}

func TestReportRateLimit(t *testing.T) {
	s := demoServerWith(t, func(c *handlers.Config) {
		c.Limits.Reports = portal.Limit{Name: "reports", Max: 1, Window: time.Hour}
	})
	c := s.Client(t)
	submit(t, c, walkJourney(t, c)).Status(t, 303)
	r := submit(t, c, walkJourney(t, c)).Status(t, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestHoneypotFlagsTheReport(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	check := walkJourney(t, c)
	m := keyRE.FindStringSubmatch(check.Body)
	c.PostForm("/report/check", url.Values{"idempotency_key": {m[1]}, "website": {"http://spam.example"}}).Status(t, 303)
	var flagged bool
	if err := openDB(t, s).QueryRow(`SELECT flagged FROM reports`).Scan(&flagged); err != nil || !flagged {
		t.Fatalf("flagged=%v err=%v", flagged, err)
	}
}

// uploadPhoto posts a photo to the photos step as a browser would.
func uploadPhoto(t *testing.T, s *handlerstest.Server, c *handlerstest.Client, data []byte) *handlerstest.Response {
	t.Helper()
	c.Get("/report/photos")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", c.Token)
	mw.WriteField("action", "upload")
	fw, _ := mw.CreateFormFile("photo", "IMG_0001.jpg")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/report/photos", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", s.URL)
	return c.Do(req)
}

func TestPhotosLoseTheirMetadata(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	steps := reportAnswers()
	for _, step := range steps[:7] {
		c.Get(step.path)
		c.PostForm(step.path, step.values).Status(t, 303)
	}
	photo := jpegWithGPS(t)
	uploadPhoto(t, s, c, photo).Status(t, 303)
	page := c.Get("/report/photos").Status(t, 200).Contains(t, "Your photos", `alt="Photo 1 you added"`)
	src := regexp.MustCompile(`src="(/report/photos/[0-9]+)"`).FindStringSubmatch(page.Body)
	got := c.Get(src[1]).Status(t, 200)
	if got.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains([]byte(got.Body), []byte("Exif")) {
		t.Fatalf("served photo: %s, has EXIF: %v", got.Header.Get("Content-Type"), bytes.Contains([]byte(got.Body), []byte("Exif")))
	}
	// Another browser cannot see it.
	s.Client(t).Get(src[1]).Status(t, 404)
	uploadPhoto(t, s, c, []byte("GIF89a not a jpeg")).Status(t, 422).Contains(t, "The photo must be a JPG or PNG")
	c.PostForm("/report/photos", url.Values{"action": {"continue"}}).Status(t, 303)
	for _, step := range steps[8:] {
		c.PostForm(step.path, step.values).Status(t, 303)
	}
	submit(t, c, c.Get("/report/check").Contains(t, "1 photo")).Status(t, 303)
	var n int
	var data []byte
	if err := openDB(t, s).QueryRow(`SELECT count(*) OVER (), data FROM report_photos`).Scan(&n, &data); err != nil || n != 1 {
		t.Fatalf("photos %d %v", n, err)
	}
	if bytes.Contains(data, []byte("Exif")) || bytes.Contains(data, []byte("GPS")) {
		t.Fatal("stored photo has EXIF")
	}
}

// jpegWithGPS is a small JPEG with an EXIF segment naming a GPS position.
func jpegWithGPS(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	exif := append([]byte("Exif\x00\x00MM\x00*\x00\x00\x00\x08"), []byte("GPSLatitude 51.5N GPSLongitude 0.1W")...)
	seg := append([]byte{0xFF, 0xE1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	b := buf.Bytes()
	out := append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
	if !bytes.Contains(out, []byte("GPSLatitude")) {
		t.Fatal("test photo lacks GPS")
	}
	return out
}

func TestTrackingAReport(t *testing.T) {
	s := demoServer(t)
	c := s.Client(t)
	submit(t, c, walkJourney(t, c)).Status(t, 303)
	ref := refRE.FindString(c.Get("/report/sent").Body)

	other := s.Client(t)
	other.Get("/track/"+ref).Status(t, 404)
	other.Get("/track")
	same := "We could not find a report with that reference and email address"
	other.PostForm("/track", url.Values{"reference": {ref}, "email": {"someone@else.org"}}).Status(t, 422).Contains(t, same)
	other.PostForm("/track", url.Values{"reference": {"ASB-2222-2222"}, "email": {"sam@example.org"}}).Status(t, 422).Contains(t, same)
	other.PostForm("/track", url.Values{"reference": {"nonsense"}, "email": {""}}).Status(t, 422).Contains(t, "Enter the reference as it appears")

	r := other.PostForm("/track", url.Values{"reference": {strings.ToLower(ref)}, "email": {"SAM@example.org "}}).Status(t, 303)
	page := other.Get(r.Header.Get("Location")).Status(t, 200).Contains(t, ref, "Noise", "Report received", "Received")
	if strings.Contains(page.Body, "Music until") {
		t.Fatal("tracking page shows the description")
	}
	other.PostForm("/track/"+ref+"/information", url.Values{"information": {""}}).Status(t, 422).Contains(t, "Enter the information")
	other.PostForm("/track/"+ref+"/information", url.Values{"information": {"They were back last night"}}).Status(t, 303)
	other.Get("/track/"+ref).Contains(t, "You added information", "They were back last night", "Your information has been added")

	// It happened again: a new report about the same problem.
	other.PostForm("/track/"+ref+"/again", nil).Status(t, 303)
	other.PostForm("/report/safety", url.Values{"safety": {"no"}}).Status(t, 303)
	for _, step := range reportAnswers()[3:8] {
		other.PostForm(step.path, step.values).Status(t, 303)
	}
	check := other.Get("/report/about-you").Status(t, 200).Contains(t, `value="Sam Resident"`)
	_ = check
	other.PostForm("/report/about-you", reportAnswers()[8].values).Status(t, 303)
	submit(t, other, other.Get("/report/check").Status(t, 200)).Status(t, 303)
	var problems, reports int
	if err := openDB(t, s).QueryRow(`SELECT count(DISTINCT problem_id), count(*) FROM reports`).Scan(&problems, &reports); err != nil {
		t.Fatal(err)
	}
	if problems != 1 || reports != 2 {
		t.Fatalf("%d problems, %d reports; want 1 problem with 2 reports", problems, reports)
	}
}

func TestSimilarReportsNearby(t *testing.T) {
	s := demoServer(t)
	first := s.Client(t)
	submit(t, first, walkJourney(t, first)).Status(t, 303)

	c := s.Client(t)
	steps := reportAnswers()
	c.Get("/report/safety")
	c.PostForm(steps[0].path, steps[0].values)
	c.PostForm(steps[1].path, steps[1].values)
	r := c.PostForm(steps[2].path, steps[2].values).Status(t, 303)
	if r.Header.Get("Location") != "/report/already-reported" {
		t.Fatalf("Location %q", r.Header.Get("Location"))
	}
	page := c.Get("/report/already-reported").Status(t, 200).Contains(t, "this affects me too", "Noise near DM")
	if strings.Contains(page.Body, "Sam") || strings.Contains(page.Body, "Music") {
		t.Fatal("similar reports are not anonymised")
	}
	id := regexp.MustCompile(`name="problem" type="radio" value="([0-9]+)"`).FindStringSubmatch(page.Body)[1]
	c.PostForm("/report/already-reported", url.Values{"problem": {id}}).Status(t, 303)
	for _, step := range steps[3:] {
		c.PostForm(step.path, step.values).Status(t, 303)
	}
	submit(t, c, c.Get("/report/check")).Status(t, 303)
	var problems int
	openDB(t, s).QueryRow(`SELECT count(DISTINCT problem_id) FROM reports`).Scan(&problems)
	if problems != 1 {
		t.Fatalf("%d problems, want 1", problems)
	}
}

func TestSignedInResidentSeesTheirReports(t *testing.T) {
	s := demoServer(t)
	ctx := context.Background()
	id, err := s.Store.CreateUser(ctx, db.NewUser{Email: "sam@example.org", Role: portal.RoleResident, DisplayName: "Sam Resident"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client(t)
	c.SignIn(id)
	// Signed-in residents find their details filled in.
	c.Get("/report/safety")
	for _, step := range reportAnswers()[:8] {
		c.PostForm(step.path, step.values).Status(t, 303)
	}
	c.Get("/report/about-you").Status(t, 200).Contains(t, `value="sam@example.org"`, `value="Sam Resident"`)
	c.PostForm("/report/about-you", reportAnswers()[8].values).Status(t, 303)
	submit(t, c, c.Get("/report/check")).Status(t, 303)
	ref := refRE.FindString(c.Get("/report/sent").Body)
	c.Get("/account").Status(t, 200).Contains(t, "Reports of anti-social behaviour", ref, "Noise", `href="/track/`+ref+`"`)
	// Their own report opens without the reference-and-email check.
	c.Get("/track/"+ref).Status(t, 200).Contains(t, "Your report: Noise")
	data := c.Get("/account/data.json").Status(t, 200)
	if !strings.Contains(data.Body, ref) {
		t.Fatal("data download lacks the report")
	}
	// Another resident cannot open it.
	other, _ := s.Store.CreateUser(ctx, db.NewUser{Email: "other@example.org", Role: portal.RoleResident})
	oc := s.Client(t)
	oc.SignIn(other)
	oc.Get("/track/"+ref).Status(t, 404)
}
