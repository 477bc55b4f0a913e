package db

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

type beginFunc func(context.Context, *sql.TxOptions) (*sqlx.Tx, error)
