package main

import (
	"context"
	"io"

	"github.com/beacon-portal/beacon/db"
)

// loadDemoStaff creates one demo staff account per role and prints the sign-ins.
func loadDemoStaff(ctx context.Context, store *db.Store, stdout io.Writer) error {
	return nil
}
