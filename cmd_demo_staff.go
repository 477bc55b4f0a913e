package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoStaffPassword is the password of every demo staff account. Demo
// accounts exist only through `beacon demo`, and their domain is reserved
// (.example), so no real person can own one.
const demoStaffPassword = "demo-password-2026"

// demoStaff is one demo account per role, in the demo force's areas.
var demoStaff = []struct {
	local, name string
	role        portal.Role
	areas       []string
}{
	{"pcso", "Priya Shah", portal.RolePCSO, []string{"north-riverside"}},
	{"officer", "Tom Evans", portal.RoleOfficer, []string{"north"}},
	{"sergeant", "Grace Okafor", portal.RoleSergeant, []string{"north"}},
	{"coordinator", "Dan Hughes", portal.RoleCaseReviewCoordinator, []string{"south"}},
	{"admin", "Morgan Lee", portal.RoleForceAdmin, nil},
}

// loadDemoStaff creates one demo staff account per role and prints the
// sign-ins. Running it again resets their password and areas.
func loadDemoStaff(ctx context.Context, store *db.Store, stdout io.Writer) error {
	hash, err := portal.HashPassword(demoStaffPassword)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Demo staff sign-ins (password for all: %s):\n", demoStaffPassword)
	fmt.Fprintln(tw, "  Role\tEmail\tAreas")
	for _, d := range demoStaff {
		email := d.local + "@" + portal.DemoStaffDomain
		if err := upsertDemoStaff(ctx, store, email, d.name, d.role, d.areas, hash); err != nil {
			return fmt.Errorf("demo staff %s: %w", email, err)
		}
		areas := strings.Join(d.areas, ", ")
		if d.role == portal.RoleForceAdmin {
			areas = "all"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", d.role.Label(), email, areas)
	}
	fmt.Fprintln(tw, "In development mode (DEV=1) they may skip setting up an authenticator app.")
	return tw.Flush()
}

func upsertDemoStaff(ctx context.Context, store *db.Store, email, name string, role portal.Role, areas []string, hash string) error {
	lpas, nbhs, unknown, err := store.ResolveAreaCodes(ctx, areas)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		return fmt.Errorf("the demo geography lacks %s", strings.Join(unknown, ", "))
	}
	return store.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.CreateUser(ctx, db.NewUser{Email: email, Role: role, DisplayName: name, PasswordHash: hash})
		if errors.Is(err, portal.ErrConflict) {
			id, err = store.UserIDByEmail(ctx, email)
		}
		if err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, id, hash); err != nil {
			return err
		}
		return tx.SetStaffAreas(ctx, id, lpas, nbhs)
	})
}
