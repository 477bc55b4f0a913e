package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockID is the advisory lock that serialises migrations across
// replicas started at the same moment.
const migrateLockID = 0x626561636f6e // "beacon" in ASCII

// migration is one forward-only SQL file, numbered by its name's prefix.
type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("db: read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil {
			return nil, fmt.Errorf("db: migration %q has no numeric prefix", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("db: read migration: %w", err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies every migration not yet recorded, each in its own
// transaction, while holding an advisory lock: a second process waits, then
// finds nothing left to do. It returns the names of the migrations applied.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	all, err := migrations()
	if err != nil {
		return nil, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, wrap("migrate: connect", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
		return nil, wrap("migrate: lock", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID)

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, wrap("migrate: create schema_migrations", err)
	}
	done := map[int]bool{}
	var versions []int
	if err := conn.SelectContext(ctx, &versions, `SELECT version FROM schema_migrations`); err != nil {
		return nil, wrap("migrate: list applied", err)
	}
	for _, v := range versions {
		done[v] = true
	}
	var applied []string
	for _, m := range all {
		if done[m.version] {
			continue
		}
		if err := applyMigration(ctx, conn.BeginTxx, m); err != nil {
			return applied, err
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}

func applyMigration(ctx context.Context, begin beginFunc, m migration) error {
	tx, err := begin(ctx, nil)
	if err != nil {
		return wrap("migrate: begin", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return explainMigrationError(m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return wrap("migrate: record "+m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("migrate: commit "+m.name, err)
	}
	return nil
}

// explainMigrationError turns the most common set-up mistake, a server
// without PostGIS, into an instruction.
func explainMigrationError(name string, err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && strings.Contains(pqErr.Message, "postgis") &&
		(pqErr.Code == "58P01" || pqErr.Code == "0A000" || strings.Contains(pqErr.Message, "extension")) {
		return fmt.Errorf("db: migrate %s: PostGIS is not installed on the database server: "+
			"install the Debian package postgresql-15-postgis-3 (or your server's postgis package), "+
			"or have a superuser run CREATE EXTENSION postgis: %w", name, err)
	}
	return wrap("migrate "+name, err)
}

// MigrationsCurrent reports whether every migration this binary knows has
// been applied. A newer replica may have applied more; that is fine.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	all, err := migrations()
	if err != nil {
		return false, err
	}
	versions := make([]int64, len(all))
	for i, m := range all {
		versions[i] = int64(m.version)
	}
	var n int
	err = s.db.GetContext(ctx, &n, `SELECT count(*) FROM schema_migrations WHERE version = ANY($1)`, pq.Array(versions))
	if err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P01" { // undefined_table: never migrated
			return false, nil
		}
		return false, wrap("migrations current", err)
	}
	return n == len(all), nil
}

// MigrationFiles exposes the embedded migrations (for test templates keyed
// by their content).
func MigrationFiles() fs.FS { return migrationFiles }
