package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/beacon-portal/beacon/portal"
)

// demoVolunteerEmail is the demo Neighbourhood Watch coordinator, a
// verified volunteer who signs in by emailed link like any resident.
const demoVolunteerEmail = "nhw.coordinator@resident.example"

// loadDemoCommunity gives the demo neighbourhoods priorities, team messages
// and an approved Neighbourhood Watch scheme with a verified coordinator.
// Running it again adds nothing: messages and the scheme carry fixed
// idempotency keys, and priorities are added only where there are none.
func loadDemoCommunity(ctx context.Context, store *db.Store, stdout io.Writer) error {
	admin, err := store.UserIDByEmail(ctx, "admin@"+portal.DemoStaffDomain)
	if err != nil {
		return fmt.Errorf("demo community needs the demo admin: %w", err)
	}
	if err := demoPriorities(ctx, store, admin); err != nil {
		return err
	}
	if err := demoMessages(ctx, store, admin); err != nil {
		return err
	}
	coordinator, err := demoVolunteer(ctx, store, admin)
	if err != nil {
		return err
	}
	if err := demoScheme(ctx, store, coordinator, admin); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo community: priorities and team messages for Riverside, the Riverside Lanes Neighbourhood Watch (coordinator %s, signs in by emailed link)\n", demoVolunteerEmail)
	return nil
}

func demoPriorities(ctx context.Context, store *db.Store, admin int64) error {
	n, err := store.NeighbourhoodByCode(ctx, "north-riverside")
	if err != nil {
		return err
	}
	existing, err := store.Priorities(ctx, n.ID)
	if err != nil || len(existing) > 0 {
		return err
	}
	return store.InTx(ctx, func(tx *db.Tx) error {
		for _, p := range []portal.PriorityInput{
			{Title: "Off-road motorbikes on the river path", Description: "Patrols at weekends and working with the council on barriers."},
			{Title: "Drug dealing near the station car park", Description: "Targeted patrols and closure orders where needed."},
		} {
			if _, err := tx.AddPriority(ctx, n.ID, portal.Scope{All: true}, p, admin); err != nil {
				return err
			}
		}
		return nil
	})
}

func demoMessages(ctx context.Context, store *db.Store, admin int64) error {
	week := time.Now().AddDate(0, 0, 7)
	for _, m := range []portal.TeamMessageInput{
		{IdempotencyKey: "de000000000000000000000000000001", Kind: portal.MessageEvent, Priority: portal.LevelInformation,
			Title: "Street meeting on Mill Lane", Body: "Come and tell us what matters to you. Tea and coffee provided.",
			Place: "Mill Lane community hall", Neighbourhoods: []string{"north-riverside"}},
		{IdempotencyKey: "de000000000000000000000000000002", Kind: portal.MessageAdvice, Priority: portal.LevelAdvice,
			Title: "Keep sheds and garages locked", Body: "There have been thefts of bicycles and tools from sheds. Lock them, and mark your property.",
			LPAs: []string{"north"}},
	} {
		at := time.Time{}
		if m.Kind == portal.MessageEvent {
			at = time.Date(week.Year(), week.Month(), week.Day(), 18, 30, 0, 0, time.Local)
		}
		err := store.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.PublishTeamMessage(ctx, m, at, portal.Scope{All: true}, admin)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func demoVolunteer(ctx context.Context, store *db.Store, admin int64) (int64, error) {
	id, err := store.CreateUser(ctx, db.NewUser{Email: demoVolunteerEmail, Role: portal.RoleResident, DisplayName: "Alex Morgan"})
	if errors.Is(err, portal.ErrConflict) {
		return store.UserIDByEmail(ctx, demoVolunteerEmail)
	}
	if err != nil {
		return 0, err
	}
	req, err := store.RequestVolunteer(ctx, id, portal.VolunteerInput{Role: portal.VolunteerNHWCoordinator,
		Organisation: "Riverside Lanes Neighbourhood Watch", Area: "Riverside"})
	if err != nil {
		return 0, err
	}
	return id, store.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.DecideVolunteer(ctx, req, portal.VolunteerVerified, admin)
		return err
	})
}

func demoScheme(ctx context.Context, store *db.Store, coordinator, admin int64) error {
	in := portal.SchemeInput{IdempotencyKey: "de0000000000000000000000000000a1", Name: "Riverside Lanes Neighbourhood Watch",
		AreaBy: "postcodes", MeetingDetails: "First Tuesday of the month, 7pm, Mill Lane community hall."}
	return store.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.CreateScheme(ctx, in, []string{"DM11AB", "DM12AE", "DM13AH"}, "", coordinator)
		if err != nil {
			return err
		}
		_, err = tx.DecideScheme(ctx, id, portal.SchemeApproved, admin)
		if errors.Is(err, portal.ErrConflict) {
			return nil
		}
		return err
	})
}
