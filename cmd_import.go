package main

import (
	"context"
	"errors"
	"io"
)

// importCmd loads the force's geography and postcodes.
func importCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	return errors.New("import: not available yet")
}
