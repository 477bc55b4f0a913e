// Package db owns every SQL statement Beacon runs: migrations, queries and
// the Store that returns portal types. Scoping by owner or area happens here,
// in the SQL, so a handler cannot forget it.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Store is Beacon's database: a pool of connections to PostgreSQL.
type Store struct {
	db       *sqlx.DB
	prepared prepared // hot statements, prepared per connection (prepared.go)
}

// Options tune the connection pool.
type Options struct {
	MaxConns int
}

// Open connects to PostgreSQL. Connections use TCP keepalives and
// TCP_USER_TIMEOUT so that a black-holed network is noticed in seconds (a
// cancelled context alone does not unblock lib/pq's reads), and they are
// recycled so the pool recovers after a database restart or failover.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	connector, err := pq.NewConnector(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse DATABASE_URL: %w", err)
	}
	connector.Dialer(dialer{})
	sqldb := sql.OpenDB(connector)
	if opt.MaxConns <= 0 {
		opt.MaxConns = 20
	}
	sqldb.SetMaxOpenConns(opt.MaxConns)
	sqldb.SetMaxIdleConns(opt.MaxConns)
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: sqlx.NewDb(sqldb, "postgres")}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(pingCtx); err != nil {
		s.db.Close()
		return nil, wrap("connect", err)
	}
	return s, nil
}

// Close closes every connection.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// dialer bounds how long a dead peer can hold a connection.
type dialer struct{}

const userTimeout = 5 * time.Second

func (dialer) Dial(network, addr string) (net.Conn, error) {
	return dialer{}.DialContext(context.Background(), network, addr)
}

func (dialer) DialTimeout(network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return dialer{}.DialContext(ctx, network, addr)
}

func (dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{
		Timeout: 5 * time.Second,
		KeepAliveConfig: net.KeepAliveConfig{
			Enable: true, Idle: 5 * time.Second, Interval: 2 * time.Second, Count: 3,
		},
		Control: func(network, _ string, c syscall.RawConn) error {
			if network != "tcp" && network != "tcp4" && network != "tcp6" {
				return nil
			}
			var serr error
			err := c.Control(func(fd uintptr) { serr = setUserTimeout(fd, userTimeout) })
			if err != nil {
				return err
			}
			return serr
		},
	}
	return d.DialContext(ctx, network, addr)
}
