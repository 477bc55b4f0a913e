package main

import (
	"context"
	"errors"
	"io"
)

// apikeyCmd manages Open311 API keys for partner systems.
func apikeyCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	return errors.New("apikey: not available yet (arrives with Open311)")
}
