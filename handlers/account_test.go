package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
	_ "github.com/lib/pq"
)

// acctDB opens the test server's database directly, to read the outbox and
// to age rows as if time had passed.
func acctDB(t *testing.T, s *handlerstest.Server) *sql.DB {
	t.Helper()
	conn, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// acctMail returns the newest email to the recipient.
func acctMail(t *testing.T, s *handlerstest.Server, to string) (subject, body string) {
	t.Helper()
	err := acctDB(t, s).QueryRow(`SELECT subject, text_body FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1`, to).
		Scan(&subject, &body)
	if err != nil {
		t.Fatalf("no email to %s: %v", to, err)
	}
	return subject, body
}

var acctLinkRE = regexp.MustCompile(`https?://\S+/account/sign-in/[A-Za-z0-9_-]{43}`)

// acctRequestLink asks for a sign-in link with client c and returns the
// emailed link's path.
func acctRequestLink(t *testing.T, s *handlerstest.Server, c *handlerstest.Client, email string) string {
	t.Helper()
	c.Get("/account/sign-in")
	r := c.PostForm("/account/sign-in", url.Values{"email": {email}}).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/account/sign-in/check-your-email" {
		t.Fatalf("Location = %q", loc)
	}
	_, body := acctMail(t, s, portal.CanonicalEmail(email))
	link := acctLinkRE.FindString(body)
	if link == "" {
		t.Fatalf("no sign-in link in %q", body)
	}
	u, _ := url.Parse(link)
	return u.Path
}

func acctResident(t *testing.T, s *handlerstest.Server, email string) int64 {
	t.Helper()
	id, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: email, Role: portal.RoleResident})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestResidentSignInByEmailedLink(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.Get("/").Contains(t, `href="/account/sign-in"`)
	c.Get("/account/sign-in").Status(t, 200).Contains(t, "Sign in to your account", `name="csrf_token"`)
	c.PostForm("/account/sign-in", url.Values{"email": {""}}).Status(t, 422).
		Contains(t, "There is a problem", "Enter your email address", `href="#email"`, "<title>Error: ")
	c.PostForm("/account/sign-in", url.Values{"email": {"not an <email>"}}).Status(t, 422).
		Contains(t, "Enter an email address in the correct format", `value="not an &lt;email&gt;"`)

	path := acctRequestLink(t, s, c, "  Resident@Example.org ")
	c.Get("/account/sign-in/check-your-email").Status(t, 200).Contains(t, "Check your email", "resident@example.org", "15 minutes")
	if kind, _ := s.Store.EmailAccountKind(context.Background(), "resident@example.org"); kind != "" {
		t.Fatal("account created before the link was used")
	}
	subject, body := acctMail(t, s, "resident@example.org")
	if subject != "Your sign-in link for Beacon" || !strings.Contains(body, "15 minutes") {
		t.Fatalf("email %q: %q", subject, body)
	}

	// Opening the link does not spend it; the button does.
	c.Get(path).Status(t, 200).Contains(t, "Continue")
	c.Get(path).Status(t, 200)
	before := acctSessionCookie(t, s, c)
	r := c.PostForm(path, nil).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/account" {
		t.Fatalf("Location = %q", loc)
	}
	if after := acctSessionCookie(t, s, c); after == before || after == "" {
		t.Fatal("session ID not renewed at sign-in")
	}
	c.Get("/account").Status(t, 200).Contains(t, "You are signed in", "resident@example.org",
		"You have not sent us anything", "Not registered", `href="/account"`, "Your account")

	// The link works once.
	c.PostForm(path, nil).Status(t, 410).Contains(t, "This link has expired or has already been used")
	c.Get(path).Status(t, 410)
	c.Get("/account/sign-in/"+strings.Repeat("A", 43)).Status(t, 410)

	// Signing out ends the session.
	c.Get("/account")
	c.PostForm("/account/sign-out", nil).Status(t, 303)
	c.Get("/account/signed-out").Status(t, 200).Contains(t, "You have signed out")
	c.Get("/account").Status(t, 303)
}

func acctSessionCookie(t *testing.T, s *handlerstest.Server, c *handlerstest.Client) string {
	t.Helper()
	u, _ := url.Parse(s.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "beacon" {
			return ck.Value
		}
	}
	return ""
}

func TestSignInLinkOnlyWorksInTheAskingBrowser(t *testing.T) {
	s := newServer(t)
	asker := s.Client(t)
	path := acctRequestLink(t, s, asker, "sam@example.org")

	other := s.Client(t)
	other.Get(path).Status(t, 403).Contains(t, "Open the link on the device where you asked for it", `href="/account/sign-in"`)
	other.Get("/account/sign-in")
	other.PostForm(path, nil).Status(t, 403)
	other.Get("/account").Status(t, 303)

	// Still unspent for the browser that asked.
	asker.Get(path).Status(t, 200)
	asker.PostForm(path, nil).Status(t, 303)
	asker.Get("/account").Status(t, 200).Contains(t, "sam@example.org")
}

func TestSignInLinkExpiresAfter15Minutes(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	path := acctRequestLink(t, s, c, "late@example.org")
	conn := acctDB(t, s)
	var lifetime time.Duration
	var secs float64
	if err := conn.QueryRow(`SELECT extract(epoch FROM expires_at - created_at) FROM resident_sign_in_links`).Scan(&secs); err != nil {
		t.Fatal(err)
	}
	if lifetime = time.Duration(secs * float64(time.Second)); lifetime != 15*time.Minute {
		t.Fatalf("link lifetime %v, want 15m", lifetime)
	}
	// Fourteen minutes on, it still works (checked without spending it)...
	conn.Exec(`UPDATE resident_sign_in_links SET created_at = created_at - interval '14 minutes', expires_at = expires_at - interval '14 minutes'`)
	c.Get(path).Status(t, 200)
	// ...and a minute and a second later it does not.
	conn.Exec(`UPDATE resident_sign_in_links SET created_at = created_at - interval '61 seconds', expires_at = expires_at - interval '61 seconds'`)
	c.Get(path).Status(t, 410).Contains(t, "This link has expired")
	c.PostForm(path, nil).Status(t, 410)
	if kind, _ := s.Store.EmailAccountKind(context.Background(), "late@example.org"); kind != "" {
		t.Fatal("expired link created an account")
	}
}

func TestSignInDoesNotRevealAccounts(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	acctResident(t, s, "known@example.org")
	if _, err := s.Store.CreateUser(ctx, db.NewUser{Email: "officer@example.org", Role: portal.RoleOfficer}); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{}
	for _, email := range []string{"known@example.org", "unknown@example.org", "officer@example.org"} {
		c := s.Client(t)
		c.Get("/account/sign-in")
		r := c.PostForm("/account/sign-in", url.Values{"email": {email}}).Status(t, 303)
		page := c.Get(r.Header.Get("Location")).Status(t, 200).Body
		page = regexp.MustCompile(`name="csrf_token" value="[^"]*"`).ReplaceAllString(strings.ReplaceAll(page, email, "EMAIL"), "")
		pages[email] = page
	}
	if pages["known@example.org"] != pages["unknown@example.org"] || pages["known@example.org"] != pages["officer@example.org"] {
		t.Fatal("the check-your-email page differs between known, unknown and staff addresses")
	}
	// Staff get a pointer to the staff sign-in, never a passwordless link.
	subject, body := acctMail(t, s, "officer@example.org")
	if acctLinkRE.MatchString(body) || !strings.Contains(body, "/staff/sign-in") {
		t.Fatalf("staff email %q: %q", subject, body)
	}
	if strings.Contains(s.Logs.String(), "example.org") {
		t.Fatal("an email address was logged")
	}
}

func TestSignInLinkRequestsAreThrottled(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.Get("/account/sign-in")
	for i := range 6 {
		r := c.PostForm("/account/sign-in", url.Values{"email": {"flood@example.org"}})
		if i < 5 && r.StatusCode != 303 || i == 5 && r.StatusCode != 429 {
			t.Fatalf("request %d: status %d", i+1, r.StatusCode)
		}
		if i == 5 && r.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	// Another address from the same client is still served.
	c.PostForm("/account/sign-in", url.Values{"email": {"other@example.org"}}).Status(t, 303)
}

func TestAccountPagesAreForResidents(t *testing.T) {
	s := newServer(t)
	anon := s.Client(t)
	for _, p := range []string{"/account", "/account/data.json", "/account/delete", "/account/volunteer"} {
		if loc := anon.Get(p).Status(t, 303).Header.Get("Location"); loc != "/account/sign-in" {
			t.Fatalf("%s: Location %q", p, loc)
		}
	}
	anon.Get("/account/sign-in")
	anon.PostForm("/account/delete", nil).Status(t, 403)

	pc, _ := s.Store.CreateUser(context.Background(), db.NewUser{Email: "pc@example.org", Role: portal.RolePCSO})
	staff := s.Client(t)
	staff.SignIn(pc)
	staff.Get("/account").Status(t, 403)
	staff.Get("/account/data.json").Status(t, 403)

	// A signed-in resident asking for the sign-in page goes to their account.
	res := s.Client(t)
	res.SignIn(acctResident(t, s, "r@example.org"))
	if loc := res.Get("/account/sign-in").Status(t, 303).Header.Get("Location"); loc != "/account" {
		t.Fatalf("Location %q", loc)
	}
}

func TestVolunteerRegistration(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	c.SignIn(acctResident(t, s, "nhw@example.org"))
	c.Get("/account/volunteer").Status(t, 200).Contains(t, "Register as a volunteer", "Street Pastor")
	c.PostForm("/account/volunteer", url.Values{"organisation": {strings.Repeat("x", 121)}}).Status(t, 422).
		Contains(t, "Select how you volunteer", "must be 120 characters or fewer", "Enter the area you volunteer in",
			`href="#role"`, `href="#organisation"`, `href="#area"`)
	form := url.Values{"role": {"nhw_coordinator"}, "organisation": {"Elm Road <Watch>"}, "area": {"Elm Road"}}
	c.PostForm("/account/volunteer", form).Status(t, 303)
	c.Get("/account").Contains(t, "We have received your request", "Waiting for a check", "Elm Road &lt;Watch&gt;")
	c.PostForm("/account/volunteer", form).Status(t, 303) // a double click
	if p, _ := s.Store.PendingVolunteers(context.Background()); len(p) != 1 {
		t.Fatalf("pending requests = %d, want 1", len(p))
	}
	if loc := c.Get("/account/volunteer").Status(t, 303).Header.Get("Location"); loc != "/account" {
		t.Fatalf("form offered again: Location %q", loc)
	}
}

func TestDownloadYourData(t *testing.T) {
	s := newServer(t)
	c := s.Client(t)
	id := acctResident(t, s, "data@example.org")
	s.Store.RequestVolunteer(context.Background(), id, portal.VolunteerInput{Role: portal.VolunteerStreetPastor, Organisation: "Town Pastors", Area: "Centre"})
	c.SignIn(id)
	r := c.Get("/account/data.json").Status(t, 200)
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Fatalf("Content-Disposition = %q", cd)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatal("personal data download may be cached")
	}
	var got struct {
		Account struct {
			Email     string    `json:"email"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"account"`
		Volunteer struct {
			Role, Organisation, Status string
		} `json:"volunteer"`
		Submissions map[string]any `json:"submissions"`
	}
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Account.Email != "data@example.org" || got.Account.CreatedAt.IsZero() || got.Volunteer.Organisation != "Town Pastors" ||
		got.Volunteer.Status != "pending" || got.Volunteer.Role != "Street Pastor" || got.Submissions == nil {
		t.Fatalf("export = %+v", got)
	}
}

func TestDeleteYourAccount(t *testing.T) {
	s := newServer(t)
	id := acctResident(t, s, "leaving@example.org")
	c, phone := s.Client(t), s.Client(t)
	c.SignIn(id)
	phone.SignIn(id) // signed in on a second device too
	phone.Get("/account").Status(t, 200)
	c.Get("/account").Contains(t, `href="/account/delete"`)
	c.Get("/account/delete").Status(t, 200).Contains(t, "Are you sure you want to delete your account?", "You cannot undo this")
	r := c.PostForm("/account/delete", nil).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/account/deleted" {
		t.Fatalf("Location = %q", loc)
	}
	c.Get("/account/deleted").Status(t, 200).Contains(t, "Your account has been deleted")
	c.Get("/account").Status(t, 303)
	phone.Get("/account").Status(t, 303) // every session went with the account
	if kind, _ := s.Store.EmailAccountKind(context.Background(), "leaving@example.org"); kind != "" {
		t.Fatal("account still exists")
	}
	var n int
	acctDB(t, s).QueryRow(`SELECT count(*) FROM sessions WHERE user_id = $1`, id).Scan(&n)
	if n != 0 {
		t.Fatalf("%d sessions left", n)
	}
}
