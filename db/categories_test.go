package db_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/db/dbtest"
	"github.com/beacon-portal/beacon/portal"
)

func codes(cats []portal.Category) []string {
	var out []string
	for _, c := range cats {
		out = append(out, c.Code)
	}
	return out
}

// TestCategoriesLifecycle adds, changes, retires and restores a category and
// checks what the reporting journey (Categories) is offered at each step.
func TestCategoriesLifecycle(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	all, err := store.AllCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 18 || all[0].Code != "harassment" || !all[0].Active || all[0].SortOrder != 10 {
		t.Fatalf("seeded categories: %d, first %+v", len(all), all[0])
	}

	rec := portal.CategoryRecord{Category: portal.Category{Code: "e-scooters", Type: portal.ASBNuisance,
		Name: "E-scooters", Hint: "Ridden on pavements", Notice: "Private e-scooters are illegal on roads."}, SortOrder: 85, Active: true}
	var id int64
	if err := store.InTx(ctx, func(tx *db.Tx) error { id, err = tx.CreateCategory(ctx, rec); return err }); err != nil {
		t.Fatal(err)
	}
	got, err := store.CategoryByCode(ctx, "e-scooters")
	if err != nil || got.ID != id || !got.SameAs(rec) || !got.Active {
		t.Fatalf("created %+v, err %v", got, err)
	}
	offered, _ := store.Categories(ctx)
	if i := slices.Index(codes(offered), "e-scooters"); i < 0 || offered[i-1].Code != "vehicle-nuisance" {
		t.Fatalf("new category not offered in its place: %v", codes(offered))
	}

	// The same code again is a conflict, and the transaction stays usable.
	dup := rec
	dup.Name = "Another"
	err = store.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.CreateCategory(ctx, dup); !errors.Is(err, portal.ErrConflict) {
			t.Errorf("duplicate code: err = %v, want ErrConflict", err)
		}
		return tx.Audit(ctx, portal.AuditEntry{Action: "category.test"})
	})
	if err != nil {
		t.Fatalf("transaction after a conflict: %v", err)
	}

	changed := rec
	changed.Name, changed.Type, changed.SortOrder, changed.Active = "Electric scooters", portal.ASBEnvironmental, 5, false
	var prev portal.CategoryRecord
	if err := store.InTx(ctx, func(tx *db.Tx) error { prev, err = tx.UpdateCategory(ctx, changed); return err }); err != nil {
		t.Fatal(err)
	}
	if !prev.SameAs(rec) {
		t.Fatalf("update returned %+v as the previous version", prev)
	}
	got, _ = store.CategoryByCode(ctx, "e-scooters")
	if got.Name != "Electric scooters" || got.Type != portal.ASBEnvironmental || got.SortOrder != 5 || !got.Active {
		t.Fatalf("updated %+v (an update must not retire)", got)
	}

	setActive := func(active bool) bool {
		t.Helper()
		var did bool
		if err := store.InTx(ctx, func(tx *db.Tx) error { did, err = tx.SetCategoryActive(ctx, "e-scooters", active); return err }); err != nil {
			t.Fatal(err)
		}
		return did
	}
	if !setActive(false) || setActive(false) {
		t.Fatal("retiring: want a change, then none")
	}
	offered, _ = store.Categories(ctx)
	all, _ = store.AllCategories(ctx)
	if slices.Contains(codes(offered), "e-scooters") || len(all) != 19 || all[0].Code != "e-scooters" || all[0].Active {
		t.Fatalf("retired category: offered %v; all starts %+v", codes(offered), all[0])
	}
	if !setActive(true) || setActive(true) {
		t.Fatal("restoring: want a change, then none")
	}
	if offered, _ = store.Categories(ctx); offered[0].Code != "e-scooters" {
		t.Fatalf("restored category not offered first: %v", codes(offered))
	}

	err = store.InTx(ctx, func(tx *db.Tx) error {
		missing := rec
		missing.Code = "no-such"
		if _, err := tx.UpdateCategory(ctx, missing); !errors.Is(err, portal.ErrNotFound) {
			t.Errorf("update missing: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.SetCategoryActive(ctx, "no-such", false); return err }); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("retire missing: %v", err)
	}
	if _, err := store.CategoryByCode(ctx, "no-such"); !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("missing category: %v", err)
	}
}

func TestBannedEmails(t *testing.T) {
	ctx := context.Background()
	store, _ := dbtest.New(t)
	ban := func(b portal.BannedEmail) bool {
		t.Helper()
		var added bool
		err := store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			added, err = tx.BanEmail(ctx, b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return added
	}
	if !ban(portal.BannedEmail{Pattern: "troll@example.org", Reason: "Abusive reports"}) ||
		!ban(portal.BannedEmail{Pattern: "@spam.example"}) {
		t.Fatal("new bans not added")
	}
	if ban(portal.BannedEmail{Pattern: "troll@example.org", Reason: "Again"}) {
		t.Fatal("a ban added twice")
	}
	list, err := store.BannedEmails(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("list %+v, err %v", list, err)
	}
	var troll portal.BannedEmail
	for _, b := range list {
		if b.Pattern == "troll@example.org" {
			troll = b
		}
	}
	if troll.Reason != "Abusive reports" || troll.CreatedAt.IsZero() {
		t.Fatalf("first ban changed: %+v", troll)
	}

	// Go and PostgreSQL compute the same ID for a ban.
	var removed portal.BannedEmail
	err = store.InTx(ctx, func(tx *db.Tx) error { removed, err = tx.UnbanEmail(ctx, troll.ID()); return err })
	if err != nil || removed.Pattern != "troll@example.org" {
		t.Fatalf("unban: %+v, %v", removed, err)
	}
	err = store.InTx(ctx, func(tx *db.Tx) error { _, err := tx.UnbanEmail(ctx, troll.ID()); return err })
	if !errors.Is(err, portal.ErrNotFound) {
		t.Fatalf("unban twice: %v", err)
	}
	if list, _ = store.BannedEmails(ctx); len(list) != 1 || list[0].Pattern != "@spam.example" {
		t.Fatalf("after unban: %+v", list)
	}

	// The database refuses a pattern that was not lower-cased.
	err = store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.BanEmail(ctx, portal.BannedEmail{Pattern: "Troll@Example.org"})
		return err
	})
	if err == nil {
		t.Fatal("mixed-case pattern stored")
	}
}
