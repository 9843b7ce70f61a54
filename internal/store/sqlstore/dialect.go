package sqlstore

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds everything that differs between SQL backends, so the query
// code is written once in portable SQL and never rewritten with regular
// expressions. PostgreSQL (postgres.go) is a dialect value (placeholder
// "$n", " FOR UPDATE", an advisory lock for migrations, error tests on pgx's
// SQLSTATE codes) plus the migrations/postgres directory, whose text columns
// use COLLATE "C" so that cursor comparisons order bytes the way SQLite's
// BINARY collation does.
type dialect struct {
	// name selects the embedded migration directory migrations/<name>.
	name string
	// driver is the database/sql driver name.
	driver string
	// dataSource turns what follows "scheme://" in the store DSN into the
	// driver's data source name, preparing whatever must exist first.
	dataSource func(rest string) (string, error)
	// placeholder returns the bind marker for the n-th (1-based) argument.
	placeholder func(n int) string
	// forUpdate is appended to the SELECT that loads a row an Update will
	// rewrite, to lock it where the backend has row locks. SQLite locks the
	// whole database at BEGIN IMMEDIATE, so it needs nothing.
	forUpdate string
	// serialWrites makes the Store run its write transactions one at a time
	// in process. SQLite has a single writer anyway; queueing in Go instead
	// of in SQLite's busy handler (which sleeps and retries) keeps latency
	// low under contention, while busy_timeout still covers other processes.
	serialWrites bool
	// migrationLock, when set, is executed first inside the migration
	// transaction so that replicas starting together migrate one at a time.
	// SQLite's BEGIN IMMEDIATE already takes the database write lock.
	migrationLock string
	// isUniqueViolation reports a uniqueness error from the driver. The
	// store checks uniqueness explicitly inside its transactions to name the
	// colliding field; this only catches a concurrent writer that slipped in
	// between check and insert, and makes the store retry the transaction.
	isUniqueViolation func(error) bool
	// mustRetry, when set, reports an error that means "a concurrent
	// writer got in the way" (a serialisation failure, a deadlock, a
	// constraint a concurrent commit made fail): the whole write transaction
	// is run again, like after errRetry. SQLite serialises writes, so it
	// never sees one.
	mustRetry func(error) bool
	// crossProcessChanges makes the store notify other processes of each
	// committed change and listen for theirs (listen.go), so that Changes
	// covers every replica's writes, not only this process's.
	crossProcessChanges bool
}

var sqliteDialect = dialect{
	name:         "sqlite",
	driver:       "sqlite",
	dataSource:   prepareSQLiteFile,
	placeholder:  func(int) string { return "?" },
	serialWrites: true,
	isUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return false
		}
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
}

// binder collects query arguments and hands out the dialect's placeholder
// for each, so a query is assembled once for every backend:
//
//	b := s.binder()
//	q := "SELECT ... WHERE id = " + b.add(id)
//	s.db.QueryRowContext(ctx, q, b.args...)
type binder struct {
	placeholder func(int) string
	args        []any
}

func (b *binder) add(v any) string {
	b.args = append(b.args, v)
	return b.placeholder(len(b.args))
}

// list binds each value and returns their placeholders comma-separated, for
// VALUES (...) lists.
func (b *binder) list(vals ...any) string {
	ph := make([]string, len(vals))
	for i, v := range vals {
		ph[i] = b.add(v)
	}
	return strings.Join(ph, ", ")
}

// set binds each value and returns "col1 = p1, col2 = p2, ..." for UPDATE.
// cols and vals must have the same length.
func (b *binder) set(cols []string, vals ...any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = " + b.add(vals[i])
	}
	return strings.Join(parts, ", ")
}
