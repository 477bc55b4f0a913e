package handlers_test

import (
	"context"
	"database/sql"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/handlers/handlerstest"
	"github.com/beacon-portal/beacon/portal"
	"github.com/pquerna/otp/totp"
)

const staffPassword = "tangerine-lighthouse-42"

// staffUser creates a staff account with staffPassword.
func staffUser(t *testing.T, s *handlerstest.Server, email string, role portal.Role) int64 {
	t.Helper()
	hash, err := portal.HashPassword(staffPassword)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: email, Role: role, DisplayName: "Sam Patel", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func staffSignInForm(email, pw string) url.Values {
	return url.Values{"email": {email}, "password": {pw}}
}

// staffSessionCookie is the client's session cookie value ("" if none).
func staffSessionCookie(t *testing.T, s *handlerstest.Server, c *handlerstest.Client) string {
	t.Helper()
	u, _ := url.Parse(s.URL)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == "beacon" {
			return ck.Value
		}
	}
	return ""
}

var staffSecretRE = regexp.MustCompile(`id="totp-secret"[^>]*>([A-Z2-7 ]+)<`)

// staffSetUpMFA signs c in with the password, sets up the authenticator app and
// returns its secret and recovery codes.
func staffSetUpMFA(t *testing.T, c *handlerstest.Client, email string) (string, []string) {
	t.Helper()
	c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm(email, staffPassword)).Status(t, 303)
	m := staffSecretRE.FindStringSubmatch(c.Get("/staff/mfa/setup").Status(t, 200).Body)
	if m == nil {
		t.Fatal("set-up page shows no secret")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	code, _ := totp.GenerateCode(secret, time.Now())
	r := c.PostForm("/staff/mfa/setup", url.Values{"code": {code}}).Status(t, 200)
	codes := regexp.MustCompile(`<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>`).FindAllStringSubmatch(r.Body, -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10", len(codes))
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return secret, out
}

func TestStaffSignInAndMFASetup(t *testing.T) {
	s := newServer(t)
	staffUser(t, s, "sam@force.example", portal.RoleOfficer)
	c := s.Client(t)
	c.Get("/staff/sign-in").Status(t, 200).Contains(t, "Sign in", `autocomplete="current-password"`)
	before := staffSessionCookie(t, s, c)

	r := c.PostForm("/staff/sign-in", staffSignInForm("Sam@Force.example ", staffPassword)).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/staff/mfa/setup" {
		t.Fatalf("after password, Location = %q", loc)
	}
	afterPassword := staffSessionCookie(t, s, c)
	if afterPassword == "" || afterPassword == before {
		t.Fatal("the session ID did not change at sign-in")
	}
	// The password alone opens nothing.
	if loc := c.Get("/staff").Status(t, 303).Header.Get("Location"); loc != "/staff/sign-in" {
		t.Fatalf("/staff before MFA: Location = %q", loc)
	}
	c.Get("/staff/mfa").Status(t, 303) // no app yet: sent to set-up

	page := c.Get("/staff/mfa/setup").Status(t, 200).Contains(t, "Set up your authenticator app", `src="data:image/png;base64,`)
	if strings.Contains(page.Body, "Skip for now") {
		t.Fatal("skip button outside development mode")
	}
	secret := strings.ReplaceAll(staffSecretRE.FindStringSubmatch(page.Body)[1], " ", "")
	if again := c.Get("/staff/mfa/setup").Body; !strings.Contains(again, portal.GroupSecret(secret)) {
		t.Fatal("reloading the set-up page changed the secret")
	}
	c.PostForm("/staff/mfa/setup", url.Values{"code": {""}}).Status(t, 422).Contains(t, "Enter the 6-digit code", `href="#code"`)
	c.PostForm("/staff/mfa/setup", url.Values{"code": {staffWrongCode(secret)}}).Status(t, 422).Contains(t, portal.WrongMFACode)

	code, _ := totp.GenerateCode(secret, time.Now())
	c.PostForm("/staff/mfa/setup", url.Values{"code": {code}}).Status(t, 200).Contains(t, "Save your recovery codes")
	if staffSessionCookie(t, s, c) == afterPassword {
		t.Fatal("the session ID did not change after MFA")
	}
	c.Get("/staff").Status(t, 200).Contains(t, "Signed in as Sam Patel", "Police officer", "Recovery codes left", "Sign out")
	c.Get("/staff/mfa/setup").Status(t, 303) // already signed in
	c.Get("/staff/sign-in").Status(t, 303)

	c.PostForm("/staff/sign-out", nil).Status(t, 303)
	c.Get("/staff/sign-in").Status(t, 200).Contains(t, "You have signed out")
	c.Get("/staff").Status(t, 303)
	staffAudited(t, s, "staff.mfa_enabled", "staff.sign_in", "staff.sign_out")
}

// staffWrongCode is a 6-digit code that is not valid now.
func staffWrongCode(secret string) string {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		c, _ := totp.GenerateCode(secret, time.Now().Add(d))
		valid[c] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !valid[c] {
			return c
		}
	}
	return "444444"
}

func TestStaffSignInWithCodeAndRecoveryCode(t *testing.T) {
	s := newServer(t)
	staffUser(t, s, "sam@force.example", portal.RoleSergeant)
	secret, codes := staffSetUpMFA(t, s.Client(t), "sam@force.example")

	c := s.Client(t)
	r := c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("sam@force.example", staffPassword)).Status(t, 303)
	if loc := r.Header.Get("Location"); loc != "/staff/mfa" {
		t.Fatalf("Location = %q, want /staff/mfa", loc)
	}
	c.Get("/staff/mfa").Status(t, 200).Contains(t, "Enter your security code")
	c.PostForm("/staff/mfa", url.Values{"code": {"12"}}).Status(t, 422).Contains(t, "Enter a 6-digit code")
	// The code used at set-up was for this time step: it works only once.
	used, _ := totp.GenerateCode(secret, time.Now())
	c.PostForm("/staff/mfa", url.Values{"code": {used}}).Status(t, 422).Contains(t, portal.WrongMFACode)
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if loc := c.PostForm("/staff/mfa", url.Values{"code": {next}}).Status(t, 303).Header.Get("Location"); loc != "/staff" {
		t.Fatalf("Location = %q", loc)
	}
	c.Get("/staff").Status(t, 200)

	// A recovery code, typed loosely, works once.
	typed := strings.ToLower(strings.Replace(codes[3], "-", " ", 1))
	for i, want := range []int{303, 422} {
		c := s.Client(t)
		c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("sam@force.example", staffPassword)).Status(t, 303)
		c.Get("/staff/mfa")
		c.PostForm("/staff/mfa", url.Values{"code": {typed}}).Status(t, want)
		if i == 0 {
			c.Get("/staff").Status(t, 200).Contains(t, "You used a recovery code. You have 9 left")
		}
	}
}

func TestMFAAttemptsAreThrottled(t *testing.T) {
	s := newServer(t)
	staffUser(t, s, "sam@force.example", portal.RoleOfficer)
	secret, _ := staffSetUpMFA(t, s.Client(t), "sam@force.example")
	c := s.Client(t)
	c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("sam@force.example", staffPassword)).Status(t, 303)
	c.Get("/staff/mfa")
	for range 10 {
		c.PostForm("/staff/mfa", url.Values{"code": {staffWrongCode(secret)}}).Status(t, 422)
	}
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	r := c.PostForm("/staff/mfa", url.Values{"code": {next}}).Status(t, 429)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

var (
	staffCSRFRE      = regexp.MustCompile(`name="csrf_token" value="[^"]*"`)
	staffRequestIDRE = regexp.MustCompile(`[0-9a-f]{16}`)
)

// staffComparable strips what differs between any two responses (CSRF tokens,
// request IDs) and the typed email address.
func staffComparable(body, email string) string {
	body = staffCSRFRE.ReplaceAllString(body, "")
	body = strings.ReplaceAll(body, email, "EMAIL")
	return staffRequestIDRE.ReplaceAllString(body, "")
}

// TestSignInThrottleRevealsNothing: ten wrong passwords lock an account key
// for 15 minutes, and an address with an account answers exactly like one
// without, before and after the lock, even when the 11th try is right.
func TestSignInThrottleRevealsNothing(t *testing.T) {
	s := newServer(t)
	staffUser(t, s, "known@force.example", portal.RoleOfficer)
	type answers struct{ wrong, locked, lockedRight *handlerstest.Response }
	try := func(email string) answers {
		c := s.Client(t)
		c.Get("/staff/sign-in")
		var a answers
		for range 10 {
			a.wrong = c.PostForm("/staff/sign-in", staffSignInForm(email, "not-the-password-1")).Status(t, 422)
		}
		a.locked = c.PostForm("/staff/sign-in", staffSignInForm(email, "not-the-password-1")).Status(t, 429)
		a.lockedRight = c.PostForm("/staff/sign-in", staffSignInForm(email, staffPassword)).Status(t, 429)
		return a
	}
	known, unknown := try("known@force.example"), try("nobody@force.example")
	known.wrong.Contains(t, portal.BadCredentials, `href="#email"`)
	known.locked.Contains(t, "Too many attempts. Wait 15 minutes and try again.")
	for name, pair := range map[string][2]*handlerstest.Response{
		"wrong password": {known.wrong, unknown.wrong},
		"locked":         {known.locked, unknown.locked},
		"locked, right":  {known.lockedRight, unknown.lockedRight},
	} {
		k, u := staffComparable(pair[0].Body, "known@force.example"), staffComparable(pair[1].Body, "nobody@force.example")
		if k != u {
			t.Errorf("%s: the responses for a known and an unknown address differ", name)
		}
		if a, b := pair[0].Header.Get("Retry-After"), pair[1].Header.Get("Retry-After"); a != b {
			t.Errorf("%s: Retry-After %q and %q differ", name, a, b)
		}
	}
	if known.locked.Header.Get("Retry-After") != "900" {
		t.Fatalf("Retry-After = %q, want 900", known.locked.Header.Get("Retry-After"))
	}
	staffAudited(t, s, "staff.sign_in_failed")
}

func TestSignInRefusesDisabledAndResidentAccounts(t *testing.T) {
	s := newServer(t)
	id := staffUser(t, s, "gone@force.example", portal.RoleOfficer)
	staffExec(t, s, `UPDATE users SET disabled_at = now() WHERE id = $1`, id)
	c := s.Client(t)
	c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("gone@force.example", staffPassword)).
		Status(t, 422).Contains(t, portal.BadCredentials, `value="gone@force.example"`)
	hash, _ := portal.HashPassword(staffPassword)
	if _, err := s.Store.CreateUser(context.Background(), db.NewUser{Email: "resident@example.org", Role: portal.RoleResident, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	c.PostForm("/staff/sign-in", staffSignInForm("resident@example.org", staffPassword)).Status(t, 422).Contains(t, portal.BadCredentials)
	c.PostForm("/staff/sign-in", staffSignInForm("", "")).Status(t, 422).Contains(t, "Enter your email address", "Enter your password")
}

func TestSignInThrottlePerClientAddress(t *testing.T) {
	s := newServer(t)
	staffUser(t, s, "sam@force.example", portal.RoleOfficer)
	c := s.Client(t)
	c.Get("/staff/sign-in")
	for i := range 50 {
		email := "guess" + string(rune('a'+i/9)) + "@force.example" // 9 per address: under that limit
		c.PostForm("/staff/sign-in", staffSignInForm(email, "not-the-password-1")).Status(t, 422)
	}
	c.PostForm("/staff/sign-in", staffSignInForm("sam@force.example", staffPassword)).Status(t, 429)
}

func TestSignOutEverywhere(t *testing.T) {
	s := newServer(t)
	id := staffUser(t, s, "sam@force.example", portal.RoleOfficer)
	phone, laptop := s.Client(t), s.Client(t)
	phone.SignIn(id)
	laptop.SignIn(id)
	phone.Get("/staff").Status(t, 200)
	laptop.Get("/staff").Status(t, 200).Contains(t, "Sign out everywhere")
	laptop.PostForm("/staff/sign-out-everywhere", nil).Status(t, 303)
	laptop.Get("/staff/sign-in").Status(t, 200).Contains(t, "You have signed out on every device")
	phone.Get("/staff").Status(t, 303)
	laptop.Get("/staff").Status(t, 303)
	staffAudited(t, s, "staff.sign_out_everywhere")
}

func TestStaffNavigation(t *testing.T) {
	s := newServer(t)
	admin := staffUser(t, s, "admin@force.example", portal.RoleForceAdmin)
	pcso := staffUser(t, s, "pcso@force.example", portal.RolePCSO)
	c := s.Client(t)
	c.SignIn(admin)
	c.Get("/staff").Status(t, 200).Contains(t, `href="/admin/staff"`, "Every neighbourhood in the force", `action="/staff/sign-out"`)
	c = s.Client(t)
	c.SignIn(pcso)
	if r := c.Get("/staff").Status(t, 200).Contains(t, "0 neighbourhoods"); strings.Contains(r.Body, `href="/admin/staff"`) {
		t.Fatal("a PCSO is shown the admin link")
	}
}

func TestSkipMFAOnlyInDevelopment(t *testing.T) {
	dev := newServer(t, func(c *handlers.Config) { c.Dev = true })
	staffUser(t, dev, "pcso@demoshire.police.example", portal.RolePCSO)
	staffUser(t, dev, "real@force.example", portal.RolePCSO)
	c := dev.Client(t)
	c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("pcso@demoshire.police.example", staffPassword)).Status(t, 303)
	c.Get("/staff/mfa/setup").Status(t, 200).Contains(t, "Skip for now (development mode only)", "Development mode")
	if loc := c.PostForm("/staff/mfa/skip", nil).Status(t, 303).Header.Get("Location"); loc != "/staff" {
		t.Fatalf("Location = %q", loc)
	}
	c.Get("/staff").Status(t, 200).Contains(t, "You skipped setting up an authenticator app")

	// Not for real accounts, even in development.
	c = dev.Client(t)
	c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("real@force.example", staffPassword)).Status(t, 303)
	if strings.Contains(c.Get("/staff/mfa/setup").Body, "Skip for now") {
		t.Fatal("skip offered to a real account")
	}
	c.PostForm("/staff/mfa/skip", nil).Status(t, 403)

	// Never in production, even for demo accounts.
	prod := newServer(t)
	staffUser(t, prod, "pcso@demoshire.police.example", portal.RolePCSO)
	c = prod.Client(t)
	c.Submit("/staff/sign-in", "/staff/sign-in", staffSignInForm("pcso@demoshire.police.example", staffPassword)).Status(t, 303)
	if strings.Contains(c.Get("/staff/mfa/setup").Status(t, 200).Body, "Skip for now") {
		t.Fatal("skip offered in production")
	}
	c.PostForm("/staff/mfa/skip", nil).Status(t, 403)
	c.Get("/staff").Status(t, 303)
}

var staffLinkRE = regexp.MustCompile(`http://[^\s]+/staff/password/(?:reset|set)/[A-Za-z0-9_-]{43}`)

func TestPasswordResetJourney(t *testing.T) {
	s := newServer(t)
	id := staffUser(t, s, "sam@force.example", portal.RoleOfficer)
	other := s.Client(t)
	other.SignIn(id)

	c := s.Client(t)
	c.Get("/staff/sign-in").Contains(t, `href="/staff/password/forgot"`)
	c.Get("/staff/password/forgot").Status(t, 200)
	c.PostForm("/staff/password/forgot", url.Values{"email": {"not an email"}}).Status(t, 422).Contains(t, "correct format", `value="not an email"`)
	// An unknown address answers exactly as a known one, and sends nothing.
	for _, email := range []string{"nobody@force.example", "Sam@force.example"} {
		if loc := c.PostForm("/staff/password/forgot", url.Values{"email": {email}}).Status(t, 303).Header.Get("Location"); loc != "/staff/password/check-your-email" {
			t.Fatalf("%s: Location = %q", email, loc)
		}
	}
	c.Get("/staff/password/check-your-email").Status(t, 200).Contains(t, "If there is a staff account")
	mails := staffOutbox(t, s)
	if len(mails) != 1 || mails[0].to != "sam@force.example" || mails[0].subject != "Reset your Beacon password" {
		t.Fatalf("staffOutbox %+v, want one reset email to sam@force.example", mails)
	}
	link := staffLinkRE.FindString(mails[0].text)
	if link == "" || !strings.Contains(mails[0].html, link) {
		t.Fatalf("no reset link in the email:\n%s", mails[0].text)
	}
	path := strings.TrimPrefix(link, s.URL)

	c.Get(path).Status(t, 200).Contains(t, "Reset your password", "sam@force.example", `autocomplete="new-password"`)
	c.PostForm(path, url.Values{"password": {"short"}}).Status(t, 422).Contains(t, "12 characters or more", `href="#password"`)
	c.PostForm(path, url.Values{"password": {"password1234"}}).Status(t, 422).Contains(t, "often use")
	c.PostForm(path, url.Values{"password": {"sam-is-my-name-ok"}}).Status(t, 422).Contains(t, "must not contain your email address")
	if loc := c.PostForm(path, url.Values{"password": {"a brand new passphrase"}}).Status(t, 303).Header.Get("Location"); loc != "/staff/sign-in" {
		t.Fatalf("Location = %q", loc)
	}
	c.Get("/staff/sign-in").Contains(t, "Your password has been saved")
	other.Get("/staff").Status(t, 303) // every session ended
	c.Get(path).Status(t, 404).Contains(t, "This link has expired")
	c.PostForm(path, url.Values{"password": {"another new passphrase"}}).Status(t, 404)

	c.PostForm("/staff/sign-in", staffSignInForm("sam@force.example", staffPassword)).Status(t, 422)
	c.PostForm("/staff/sign-in", staffSignInForm("sam@force.example", "a brand new passphrase")).Status(t, 303)
	staffAudited(t, s, "staff.password_reset_requested", "staff.password_reset")
}

func TestPasswordLinksExpireAndKeepTheirPurpose(t *testing.T) {
	s := newServer(t)
	ctx := context.Background()
	id := staffUser(t, s, "new@force.example", portal.RolePCSO)
	c := s.Client(t)
	expired, _ := s.Store.CreateAuthToken(ctx, id, portal.TokenPasswordReset, -time.Second)
	c.Get("/staff/password/reset/"+expired).Status(t, 404).Contains(t, "This link has expired")
	c.Get("/staff/password/reset/not-a-token").Status(t, 404)

	set, _ := s.Store.CreateAuthToken(ctx, id, portal.TokenPasswordSet, portal.StaffInviteLifetime)
	c.Get("/staff/password/reset/"+set).Status(t, 404) // a set link is not a reset link
	link := handlers.PasswordSetURL(staffParseURL(s.URL), set)
	c.Get(strings.TrimPrefix(link, s.URL)).Status(t, 200).Contains(t, "Create your password")
	c.PostForm(strings.TrimPrefix(link, s.URL), url.Values{"password": {"tangerine lighthouse keeper"}}).Status(t, 303)
	staffAudited(t, s, "staff.password_set")
}

func staffParseURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}

type staffMail struct{ to, subject, text, html string }

// staffOutbox reads the queued emails straight from the database.
func staffOutbox(t *testing.T, s *handlerstest.Server) []staffMail {
	t.Helper()
	conn, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT recipient, subject, text_body, html_body FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []staffMail
	for rows.Next() {
		var m staffMail
		if err := rows.Scan(&m.to, &m.subject, &m.text, &m.html); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func staffExec(t *testing.T, s *handlerstest.Server, q string, args ...any) {
	t.Helper()
	conn, err := sql.Open("postgres", s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

// staffAudited fails unless each action has at least one audit row.
func staffAudited(t *testing.T, s *handlerstest.Server, actions ...string) {
	t.Helper()
	for _, a := range actions {
		rows, err := s.Store.AuditLog(context.Background(), db.AuditFilter{Action: a})
		if err != nil || len(rows) == 0 {
			t.Errorf("no audit row for %s (%v)", a, err)
		}
	}
}
