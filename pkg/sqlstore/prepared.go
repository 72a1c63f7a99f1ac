package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxPrepared bounds the statements one Prepared keeps: only constant query texts belong in it,
// and a caller that passed built ones would otherwise grow it without end.
const maxPrepared = 128

// Prepared runs read queries that are hot (every request's authentication, the read of one row
// by id) as statements prepared once on the database, instead of having the driver parse the
// text on every call: SQLite's parser was the largest single cost of GET /v1/profiles/{id}
// (issue 18). database/sql re-prepares a statement on each pooled connection as needed, and on
// either backend. Query texts must be constants.
type Prepared struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

// NewPrepared keeps statements prepared on db.
func NewPrepared(db *sql.DB) *Prepared {
	return &Prepared{db: db, stmts: make(map[string]*sql.Stmt)}
}

// QueryRowContext runs query prepared, or as text when it cannot be prepared (a closed database
// reports its error through the row, as db.QueryRowContext would).
func (p *Prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if stmt := p.statement(ctx, query); stmt != nil { //nolint:sqlclosecheck // kept until Close
		return stmt.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// QueryContext runs query prepared, or as text when it cannot be prepared.
func (p *Prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if stmt := p.statement(ctx, query); stmt != nil { //nolint:sqlclosecheck // kept until Close
		return stmt.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

// statement is query prepared, or nil when preparing failed or maxPrepared are kept already.
func (p *Prepared) statement(ctx context.Context, query string) *sql.Stmt {
	p.mu.RLock()
	stmt, ok := p.stmts[query]
	p.mu.RUnlock()
	if ok {
		return stmt
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if stmt, ok := p.stmts[query]; ok {
		return stmt
	}
	if len(p.stmts) >= maxPrepared {
		return nil
	}
	stmt, err := p.db.PrepareContext(ctx, query) //nolint:sqlclosecheck // kept until Close
	if err != nil {
		return nil
	}
	p.stmts[query] = stmt
	return stmt
}

// Close closes every statement kept.
func (p *Prepared) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first error
	for query, stmt := range p.stmts {
		if err := stmt.Close(); err != nil && first == nil {
			first = err
		}
		delete(p.stmts, query)
	}
	return first
}
