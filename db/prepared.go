package db

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// prepared keeps the statements of the busiest requests (sessions, report
// submission) prepared on each pool connection. lib/pq runs a statement
// with arguments as two round trips, Parse then Bind/Execute, and
// PostgreSQL parses and plans it afresh every time; a prepared statement
// is one round trip and keeps its parse tree and plan. database/sql
// prepares it on each connection the first time that connection runs it,
// and again after a reconnect, so a database restart needs no handling
// here. Only constant SQL is prepared, so the set stays small.
type prepared struct {
	mu    sync.Mutex
	plain map[string]*sqlx.Stmt
	named map[string]*sqlx.NamedStmt
}

// stmt returns query prepared.
func (s *Store) stmt(ctx context.Context, query string) (*sqlx.Stmt, error) {
	p := &s.prepared
	p.mu.Lock()
	st, ok := p.plain[query]
	p.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.plain[query]; ok { // prepared meanwhile by another request
		st.Close()
		return old, nil
	}
	if p.plain == nil {
		p.plain = map[string]*sqlx.Stmt{}
	}
	p.plain[query] = st
	return st, nil
}

// namedStmt returns query, written with :name parameters, prepared.
func (s *Store) namedStmt(ctx context.Context, query string) (*sqlx.NamedStmt, error) {
	p := &s.prepared
	p.mu.Lock()
	st, ok := p.named[query]
	p.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.db.PrepareNamedContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old, ok := p.named[query]; ok {
		st.Close()
		return old, nil
	}
	if p.named == nil {
		p.named = map[string]*sqlx.NamedStmt{}
	}
	p.named[query] = st
	return st, nil
}
