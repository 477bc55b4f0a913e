package main

import (
	"context"
	"fmt"
	"io"

	"github.com/beacon-portal/beacon/db"
)

// loadDemoGeography loads the fictional demo force, its areas and postcodes.
func loadDemoGeography(ctx context.Context, store *db.Store, stdout io.Writer) error {
	g, err := store.LoadDemoGeography(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo geography: %s, %d local policing areas, %d neighbourhoods, %d postcodes (try %s; %s is outside the force)\n",
		g.Force, g.LPAs, g.Neighbourhoods, g.Postcodes, db.DemoPostcodes()["north-riverside"][0], db.DemoOutsidePostcode)
	return nil
}
