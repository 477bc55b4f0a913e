package db

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

type beginFunc func(context.Context, *sql.TxOptions) (*sqlx.Tx, error)

// Tx is a transaction. A change, its audit row and the emails it causes are
// written in one Tx, so either all of them happen or none does.
type Tx struct {
	tx *sqlx.Tx
}

// InTx runs fn in a transaction, committing if it returns nil.
func (s *Store) InTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return wrap("begin", err)
	}
	defer tx.Rollback()
	if err := fn(&Tx{tx: tx}); err != nil {
		return err
	}
	return wrap("commit", tx.Commit())
}

// execer is what both the pool and a transaction can run statements on.
type execer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}
