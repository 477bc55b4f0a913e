package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/handlers"
	"github.com/beacon-portal/beacon/mail"
	"github.com/beacon-portal/beacon/portal"
)

const userUsage = "usage: beacon user create --email EMAIL --role ROLE [--areas CODE,CODE] [--name NAME]\n" +
	"  ROLE is one of pcso, officer, sergeant, case_review_coordinator, force_admin\n" +
	"  CODES are local policing area or neighbourhood codes (not for force_admin, who covers every area)"

// newStaffAccount is a staff account to create from the command line.
type newStaffAccount struct {
	Email, Name string
	Role        portal.Role
	Areas       []string
}

// userCmd manages accounts from the command line: it is how the first force
// administrator is made. The password-setting link is printed as the last
// line (and emailed), so scripts can take it with tail -n 1.
func userCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("user: " + userUsage)
	}
	in, err := parseUserCreate(args[1:])
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	id, token, err := createStaffAccount(ctx, store, cfg, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created the staff account %s (%s, user %d).\n", in.Email, in.Role.Label(), id)
	fmt.Fprintf(stdout, "They set their password with this link, which works once, for %d days (it has also been emailed to them):\n",
		int(portal.StaffInviteLifetime.Hours()/24))
	fmt.Fprintln(stdout, handlers.PasswordSetURL(cfg.BaseURL, token))
	return nil
}

// parseUserCreate reads and checks the flags of `user create`.
func parseUserCreate(args []string) (newStaffAccount, error) {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "email address")
	role := fs.String("role", "", "role")
	areas := fs.String("areas", "", "comma-separated area codes")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args); err != nil {
		return newStaffAccount{}, fmt.Errorf("user create: %v\n%s", err, userUsage)
	}
	if fs.NArg() > 0 {
		return newStaffAccount{}, fmt.Errorf("user create: unexpected %q\n%s", fs.Arg(0), userUsage)
	}
	in := newStaffAccount{Email: portal.CanonicalEmail(*email), Name: strings.TrimSpace(*name), Role: portal.Role(*role)}
	for _, code := range strings.Split(*areas, ",") {
		if code = strings.TrimSpace(code); code != "" {
			in.Areas = append(in.Areas, code)
		}
	}
	return in, in.validate()
}

func (in newStaffAccount) validate() error {
	var problems []string
	if !portal.IsEmailAddress(in.Email) {
		problems = append(problems, "--email must be an email address, like name@force.police.uk")
	}
	if !in.Role.Staff() {
		problems = append(problems, "--role must be one of pcso, officer, sergeant, case_review_coordinator, force_admin")
	}
	if in.Role == portal.RoleForceAdmin && len(in.Areas) > 0 {
		problems = append(problems, "--areas is not used for force_admin: force administrators cover every area")
	}
	if in.Role.Staff() && in.Role != portal.RoleForceAdmin && len(in.Areas) == 0 {
		problems = append(problems, "--areas is required for "+string(in.Role)+": give local policing area or neighbourhood codes")
	}
	if utf8.RuneCountInString(in.Name) > portal.MaxDisplayName || !portal.CleanText(in.Name) {
		problems = append(problems, "--name must be 100 characters or fewer")
	}
	if len(problems) > 0 {
		return errors.New("user create: " + strings.Join(problems, "; "))
	}
	return nil
}

// createStaffAccount creates the account, its areas, its password link,
// the email carrying the link and the audit row in one transaction. It
// returns the account's ID and the raw token.
func createStaffAccount(ctx context.Context, store *db.Store, cfg Config, in newStaffAccount) (int64, string, error) {
	lpas, nbhs, unknown, err := store.ResolveAreaCodes(ctx, in.Areas)
	if err != nil {
		return 0, "", err
	}
	if len(unknown) > 0 {
		return 0, "", fmt.Errorf("user create: unknown area code %s (load the force's areas first, e.g. with beacon demo or beacon import)",
			strings.Join(unknown, ", "))
	}
	renderer, err := mail.NewRenderer(cfg.BaseURL.String())
	if err != nil {
		return 0, "", err
	}
	var id int64
	var token string
	err = store.InTx(ctx, func(tx *db.Tx) error {
		if id, err = tx.CreateUser(ctx, db.NewUser{Email: in.Email, Role: in.Role, DisplayName: in.Name}); err != nil {
			return err
		}
		if err := tx.SetStaffAreas(ctx, id, lpas, nbhs); err != nil {
			return err
		}
		if token, err = tx.CreateAuthToken(ctx, id, portal.TokenPasswordSet, portal.StaffInviteLifetime); err != nil {
			return err
		}
		m, err := renderer.Render("staff_password_set", in.Email, struct{ URL, Lifetime string }{
			handlers.PasswordSetURL(cfg.BaseURL, token), strconv.Itoa(int(portal.StaffInviteLifetime.Hours()/24)) + " days"})
		if err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, m); err != nil {
			return err
		}
		return tx.Audit(ctx, portal.AuditEntry{Action: "staff.create", TargetType: "user", TargetID: strconv.FormatInt(id, 10),
			Details: map[string]string{"via": "command line", "role": string(in.Role)}})
	})
	if errors.Is(err, portal.ErrConflict) {
		return 0, "", errors.New("user create: an account with that email address already exists")
	}
	return id, token, err
}
