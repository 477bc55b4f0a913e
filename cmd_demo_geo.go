package main

import (
	"context"
	"io"

	"github.com/beacon-portal/beacon/db"
)

// loadDemoGeography loads the fictional demo force, its areas and postcodes.
func loadDemoGeography(ctx context.Context, store *db.Store, stdout io.Writer) error {
	return nil
}
