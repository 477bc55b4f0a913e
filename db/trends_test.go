package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// cmReports stores n reports of a category at a demo postcode.
func cmReports(t *testing.T, store *db.Store, first, n int, category, neighbourhood, postcode string) {
	t.Helper()
	for i := range n {
		d := &portal.ReportDraft{Key: fmt.Sprintf("%032x", 0xabc000+first+i), CategoryCode: category,
			Postcode: strings.ReplaceAll(postcode, " ", ""), NeighbourhoodCode: neighbourhood,
			Description: "It keeps happening", HappenedBefore: "no", Anonymous: "yes"}
		if _, err := store.CreateReport(context.Background(), db.NewReport{Draft: d, OccurredOn: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTrendsCountByMonthAndType(t *testing.T) {
	store, _ := cmStore(t)
	ctx := context.Background()
	cmReports(t, store, 0, 3, "noise", "north-riverside", "DM1 1AB")
	cmReports(t, store, 10, 6, "graffiti", "north-riverside", "DM1 4AL")
	cmReports(t, store, 20, 2, "noise", "north-mill", "DM3 1AB")
	n, _ := store.NeighbourhoodByCode(ctx, "north-riverside")
	tr, err := store.NeighbourhoodTrends(ctx, n.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	this := tr.Months[11]
	if len(tr.Months) != 12 || this.Of(portal.ASBNuisance) != 3 || this.Of(portal.ASBEnvironmental) != 6 || this.Of(portal.ASBPersonal) != 0 {
		t.Fatalf("this month %+v", this)
	}
	if this.Of(portal.ASBNuisance).String() != "fewer than 5" || this.Of(portal.ASBEnvironmental).String() != "6" {
		t.Fatal("small-number rule not applied")
	}

	// A scheme covering DM1 1AB and DM1 2AE counts only reports inside it.
	admin := newStaff(t, store, "admin@police.example")
	id := cmScheme(t, store, cmVolunteer(t, store, "coord@example.org", admin), admin)
	st, err := store.SchemeTrends(ctx, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Months[11]; got.Of(portal.ASBNuisance) != 3 || got.Of(portal.ASBEnvironmental) != 0 {
		t.Fatalf("scheme trends %+v", got)
	}
}

func TestTeamMessagesAreScoped(t *testing.T) {
	store, _ := cmStore(t)
	ctx := context.Background()
	mill, _ := store.NeighbourhoodByCode(ctx, "north-mill")
	scope := portal.Scope{Neighbourhoods: []int64{mill.ID}}
	publish := func(key int, in portal.TeamMessageInput) (db.PublishedMessage, error) {
		in.IdempotencyKey, in.Kind, in.Priority, in.Title, in.Body = hex32(key), portal.MessageAppeal, portal.LevelAdvice, "Appeal", "Did you see it?"
		var pub db.PublishedMessage
		err := store.InTx(ctx, func(tx *db.Tx) error {
			var err error
			pub, err = tx.PublishTeamMessage(ctx, in, time.Time{}, scope, 0)
			return err
		})
		return pub, err
	}
	if _, err := publish(1, portal.TeamMessageInput{Neighbourhoods: []string{"south-heath"}}); err == nil {
		t.Fatal("published outside scope")
	}
	pub, err := publish(2, portal.TeamMessageInput{LPAs: []string{"north"}, Neighbourhoods: []string{"south-heath"}})
	if err != nil || len(pub.Areas) != 1 || pub.Areas[0] != mill.ID {
		t.Fatalf("LPA limited to scope: %+v %v", pub, err)
	}
	again, err := publish(2, portal.TeamMessageInput{LPAs: []string{"north"}})
	if err != nil || !again.Replayed || again.ID != pub.ID {
		t.Fatalf("replay %+v %v", again, err)
	}
	msgs, err := store.TeamMessages(ctx, mill.ID, 5)
	if err != nil || len(msgs) != 1 || strings.Join(msgs[0].Areas, ",") != "Mill" {
		t.Fatalf("messages %+v %v", msgs, err)
	}
	heath, _ := store.NeighbourhoodByCode(ctx, "south-heath")
	if other, _ := store.TeamMessages(ctx, heath.ID, 5); len(other) != 0 {
		t.Fatal("message leaked to another neighbourhood")
	}
	if inScope, _ := store.TeamMessagesInScope(ctx, portal.Scope{Neighbourhoods: []int64{heath.ID}}, 5); len(inScope) != 0 {
		t.Fatal("staff of another area see the message")
	}

	// Priorities: added and retired within scope only.
	var pid int64
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		var err error
		pid, err = tx.AddPriority(ctx, mill.ID, scope, portal.PriorityInput{Title: "Speeding"}, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.AddPriority(ctx, heath.ID, scope, portal.PriorityInput{Title: "x"}, 0)
		return err
	}); err == nil {
		t.Fatal("priority added outside scope")
	}
	if err := store.InTx(ctx, func(tx *db.Tx) error { return tx.RetirePriority(ctx, pid, mill.ID, scope) }); err != nil {
		t.Fatal(err)
	}
	if list, _ := store.Priorities(ctx, mill.ID); len(list) != 0 {
		t.Fatal("retired priority still listed")
	}
}
