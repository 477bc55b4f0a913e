package main

import (
	"context"
	"errors"
	"io"
)

// userCmd manages accounts from the command line (the first admin).
func userCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	return errors.New("user: not available yet")
}
