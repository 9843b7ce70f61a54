// Package sqlstore implements store.Store on database/sql with portable SQL:
// SQLite through the pure-Go driver modernc.org/sqlite, PostgreSQL through
// pgx's database/sql driver. What differs between backends lives in a
// dialect value and in per-dialect migration directories, never in rewritten
// query strings.
//
// Every mutation is one transaction that also bumps the single revision row,
// so Revision changes exactly when something was committed. Uniqueness is
// checked explicitly inside the transaction, which is what lets a conflict
// name the field that collided.
//
// Promises beyond the store.Store contract, all verified by storetest:
//   - timestamps are stored as integer Unix microseconds and read back in UTC,
//     truncated to the microsecond; a zero CreatedAt/UpdatedAt on create
//     means "now", a zero LastSynchronizedAt stays zero;
//   - empty StatusReasons, Tags, Config and sealed byte slices read back as
//     nil; StatusReasons and Tags are stored as JSON, so they must be UTF-8;
//   - lists are ordered by CreatedAt, then by ID (Name for providers), and
//     cursors stay valid across writes made between pages.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// Store is a store.Store backed by a SQL database. It is safe for concurrent
// use. Update callbacks run inside the write transaction and must not call
// the Store's mutating methods: with SQLite, whose writes are serialised,
// that would deadlock on the write the callback is part of. They may read.
type Store struct {
	db      *sql.DB
	d       dialect
	now     func() time.Time
	writeMu chan struct{} // one-slot semaphore serialising writes when d.serialWrites
	changes chan struct{}
	// bus carries changes between processes sharing the database
	// (PostgreSQL, see listen.go); nil for SQLite.
	bus *changeBus
}

// Option configures Open.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger sets where the store reports background trouble (a lost change
// listener connection). Default: discarded.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn and applies pending migrations.
// Supported: sqlite://PATH with a relative or absolute PATH (the directory
// and the file are created 0700/0600 when missing), and
// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS] (or postgresql://)
// with any parameter pgx understands; the database and the schema the
// search_path names must exist, the tables are created by the migrations.
//
// With PostgreSQL, Changes also signals other processes' writes to the same
// schema (LISTEN/NOTIFY on a connection of its own, see listen.go).
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	d, rest, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	source, err := d.dataSource(rest)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(d.driver, source)
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", d.name, err)
	}
	// Bounded so a burst of readers cannot open connections without limit:
	// each SQLite connection carries its own page cache, and a PostgreSQL
	// server shares max_connections among all replicas.
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s store: %w", d.name, err)
	}
	var schema string
	if d.crossProcessChanges {
		// Checked before migrating, which would otherwise fail with "no
		// schema has been selected to create in".
		if schema, err = currentSchema(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s store: %w", d.name, err)
		}
	}
	if err := migrate(ctx, db, d, time.Now()); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s store: %w", d.name, err)
	}
	s := &Store{
		db:      db,
		d:       d,
		now:     time.Now,
		writeMu: make(chan struct{}, 1),
		changes: make(chan struct{}, 1),
	}
	if d.crossProcessChanges {
		if s.bus, err = startChangeBus(ctx, source, schema, s.notify, o.log); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s store: %w", d.name, err)
		}
	}
	return s, nil
}

// Close stops the change listener and closes the database. The Changes
// channel is left open: a writer that raced with Close must not panic on a
// closed channel.
func (s *Store) Close() error {
	if s.bus != nil {
		s.bus.close()
	}
	return s.db.Close()
}

// Changes implements store.Store.
func (s *Store) Changes() <-chan struct{} { return s.changes }

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	var rev int64
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM store_revision WHERE id = 1`).Scan(&rev); err != nil {
		return 0, fmt.Errorf("read revision: %w", err)
	}
	return rev, nil
}

// errRetry makes write run the transaction again: a concurrent writer
// committed between this transaction's checks and its write (a unique
// violation the checks did not predict, or a version that moved). A fresh
// attempt sees the other write and reports a precise conflict or succeeds.
var errRetry = errors.New("concurrent write")

// maxAttempts bounds those retries (and those of dialect.mustRetry errors);
// with SQLite they never happen because writes are serialised.
const maxAttempts = 5

// mutate runs fn in a write transaction that always counts as a change.
func (s *Store) mutate(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.write(ctx, func(tx *sql.Tx) (bool, error) { return true, fn(tx) })
}

// write runs fn in a write transaction. When fn reports a change, the
// revision is bumped in the same transaction and, after the commit, a change
// signal is sent. fn's errors are returned unchanged, so that an Update
// callback's error reaches the caller as is.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) (changed bool, err error)) error {
	if s.d.serialWrites {
		select {
		case s.writeMu <- struct{}{}:
			defer func() { <-s.writeMu }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for attempt := 1; ; attempt++ {
		changed, err := s.writeOnce(ctx, fn)
		if errors.Is(err, errRetry) {
			if attempt < maxAttempts {
				continue
			}
			return fmt.Errorf("%w: concurrent writers collided %d times (last: %v)", store.ErrConflict, attempt, err)
		}
		if err != nil {
			return err
		}
		if changed {
			s.notify()
		}
		return nil
	}
}

func (s *Store) writeOnce(ctx context.Context, fn func(tx *sql.Tx) (bool, error)) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	changed, err := fn(tx)
	if err != nil || !changed {
		return false, s.retryable(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE store_revision SET value = value + 1 WHERE id = 1`); err != nil {
		return false, s.retryable(fmt.Errorf("bump revision: %w", err))
	}
	if s.bus != nil {
		if err := s.bus.notifyTx(ctx, tx); err != nil {
			return false, s.retryable(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, s.retryable(fmt.Errorf("commit: %w", err))
	}
	return true, nil
}

// retryable turns an error the dialect attributes to a concurrent writer
// into errRetry (keeping the cause for the final error message), and returns
// any other error, nil included, unchanged: an Update callback's error must
// reach the caller as is.
func (s *Store) retryable(err error) error {
	if err != nil && s.d.mustRetry != nil && s.d.mustRetry(err) {
		return fmt.Errorf("%w (%w)", errRetry, err)
	}
	return err
}

// notify signals Changes without ever blocking the writer: one pending
// signal already tells the reader to look at the store again.
func (s *Store) notify() {
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

func (s *Store) binder() *binder { return &binder{placeholder: s.d.placeholder} }

// querier is what *sql.DB and *sql.Tx have in common, so a read helper serves
// both plain reads and the reads inside a write transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface{ Scan(dest ...any) error }

// exists reports whether query (a SELECT 1 ...) returns a row.
func exists(ctx context.Context, q querier, query string, args []any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// execWrite runs an INSERT/UPDATE/DELETE inside a write transaction and
// turns a unique violation into errRetry (see errRetry).
func (s *Store) execWrite(ctx context.Context, tx *sql.Tx, query string, args []any) (sql.Result, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil && s.d.isUniqueViolation(err) {
		return nil, errRetry
	}
	return res, err
}

// conflictIf returns a *store.ConflictError naming entity, field and value
// when query (a SELECT 1 ...) finds a row.
func conflictIf(ctx context.Context, tx *sql.Tx, query string, args []any, entity, field, value string) error {
	found, err := exists(ctx, tx, query, args)
	if err != nil {
		return fmt.Errorf("check %s %s: %w", entity, field, err)
	}
	if found {
		return &store.ConflictError{Entity: entity, Field: field, Value: value}
	}
	return nil
}

// execUpdate runs an UPDATE guarded by "AND version = <loaded version>". No
// row updated means another writer changed the row since it was loaded
// (possible only where reads do not lock), so the transaction is retried.
func (s *Store) execUpdate(ctx context.Context, tx *sql.Tx, query string, args []any) error {
	res, err := s.execWrite(ctx, tx, query, args)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return errRetry
	}
	return nil
}

// execDelete runs a DELETE of one entity, described by what for the error,
// and reports store.ErrNotFound when there was nothing to delete.
func (s *Store) execDelete(ctx context.Context, tx *sql.Tx, query string, args []any, what string) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("delete %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}
