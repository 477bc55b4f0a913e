package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/beacon-portal/beacon/portal"
	"github.com/lib/pq"
)

// wrap adds the operation's name and translates database errors into the
// portal's sentinels: no rows becomes ErrNotFound, a lost or refused
// connection becomes ErrUnavailable (answered 503 with Retry-After).
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("db: %s: %w", op, portal.ErrNotFound)
	case unavailable(err):
		return fmt.Errorf("db: %s: %w: %w", op, portal.ErrUnavailable, err)
	}
	return fmt.Errorf("db: %s: %w", op, err)
}

// unavailable reports whether err means the database could not be reached
// or went away, as opposed to refusing the statement.
func unavailable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		code := string(pqErr.Code)
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" ||
			code == "57P03" || code == "53300"
	}
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &netErr)
}
