// Package dbtest gives each test a fresh, migrated PostgreSQL database of its
// own, dropped when the test ends. Set KEEPDB=1 to keep it for inspection.
//
// The server comes from TEST_DATABASE_URL (an admin connection; `make test`
// provides one), else postgres@127.0.0.1:5432. A test that cannot reach a
// server fails: a skipped database test proves nothing.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/beacon-portal/beacon/db"
	"github.com/lib/pq"
)

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the connection used to create and drop test databases.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultAdminURL
}

// New returns a Store on a fresh migrated database and that database's URL.
func New(t testing.TB) (*db.Store, string) {
	t.Helper()
	dbURL := NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := db.Open(ctx, dbURL, db.Options{MaxConns: 10})
	if err != nil {
		t.Fatalf("dbtest: open test database: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store, dbURL
}

// NewDatabase creates a fresh migrated database and returns its URL. It is
// copied from a template migrated once per set of migrations, which takes a
// fraction of the time of migrating (PostGIS alone takes a second).
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := sql.Open("postgres", AdminURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		t.Fatalf("dbtest: PostgreSQL is not reachable at TEST_DATABASE_URL or 127.0.0.1:5432 (%v); "+
			"run `make test`, which provides one", err)
	}
	defer admin.Close()
	tpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	name := "beacon_test_" + randomHex(6)
	if err := createFrom(ctx, admin, name, tpl); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if os.Getenv("KEEPDB") != "" {
		t.Logf("dbtest: KEEPDB set, keeping database %s", name)
	} else {
		t.Cleanup(func() { drop(name) })
	}
	return withDatabase(AdminURL(), name)
}

// ensureTemplate returns the name of a template database with every current
// migration applied, creating it under an advisory lock when missing so that
// test packages running in parallel build it once.
func ensureTemplate(ctx context.Context, admin *sql.DB) (string, error) {
	hash, err := migrationsHash()
	if err != nil {
		return "", err
	}
	tpl := "beacon_tpl_" + hash[:16]
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(74201)`); err != nil {
		return "", fmt.Errorf("lock template: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(74201)`)
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tpl).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return tpl, nil
	}
	building := "beacon_tplbuild_" + randomHex(6)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(building)); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	store, err := db.Open(ctx, withDatabase(AdminURL(), building), db.Options{MaxConns: 2})
	if err == nil {
		_, err = store.Migrate(ctx)
		store.Close()
	}
	if err != nil {
		conn.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(building)+` WITH (FORCE)`)
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+pq.QuoteIdentifier(building)+` RENAME TO `+pq.QuoteIdentifier(tpl)); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return tpl, nil
}

// createFrom copies the template, retrying while another session briefly
// holds it (PostgreSQL refuses to copy a database that has connections).
func createFrom(ctx context.Context, admin *sql.DB, name, tpl string) error {
	var err error
	for range 50 {
		_, err = admin.ExecContext(ctx, `CREATE DATABASE `+pq.QuoteIdentifier(name)+` TEMPLATE `+pq.QuoteIdentifier(tpl))
		var pqErr *pq.Error
		if err == nil || !errors.As(err, &pqErr) || pqErr.Code != "55006" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("create test database: %w", err)
	}
	return nil
}

func drop(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("postgres", AdminURL())
	if err != nil {
		return
	}
	defer admin.Close()
	admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+pq.QuoteIdentifier(name)+` WITH (FORCE)`)
}

// migrationsHash identifies the current set of migrations, so a changed
// migration gets a new template.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.MigrationFiles(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.MigrationFiles(), path)
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic("dbtest: bad admin URL: " + err.Error())
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
