package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/toolgate/toolgate/internal/store"
)

// The statements every entity's CRUD methods share. Columns and values come
// in the order of the entity's <entity>Columns and <entity>Values, key
// columns first; what names the entity in errors ("user pool").

// where binds vals and returns "col1 = p1 AND col2 = p2 ...". cols and vals
// must have the same length.
func (b *binder) where(cols []string, vals ...any) string {
	conds := make([]string, len(cols))
	for i, c := range cols {
		conds[i] = c + " = " + b.add(vals[i])
	}
	return strings.Join(conds, " AND ")
}

// selectRow reads the one row query returns. No row is store.ErrNotFound,
// reported as "what: not found".
func selectRow[T any](ctx context.Context, q querier, scan func(rowScanner) (T, error), what, query string, args []any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("get %s: %w", what, err)
	}
	return v, nil
}

// insertRow inserts one row inside a write transaction.
func (s *Store) insertRow(ctx context.Context, tx *sql.Tx, table string, columns []string, values []any, what string) error {
	b := s.binder()
	q := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES (" + b.list(values...) + ")"
	if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
		return fmt.Errorf("create %s: %w", what, err)
	}
	return nil
}

// updateRow writes an Update's result over the row it loaded: the first
// keys columns identify the row and are not rewritten, and the row must
// still be at oldVersion (see execUpdate).
func (s *Store) updateRow(ctx context.Context, tx *sql.Tx, table string, keys int, columns []string, values []any, oldVersion int64, what string) error {
	b := s.binder()
	q := "UPDATE " + table + " SET " + b.set(columns[keys:], values[keys:]...) +
		" WHERE " + b.where(columns[:keys], values[:keys]...) + " AND version = " + b.add(oldVersion)
	if err := s.execUpdate(ctx, tx, q, b.args); err != nil {
		return fmt.Errorf("update %s: %w", what, err)
	}
	return nil
}

// deleteRow deletes the one row whose key columns hold vals inside a write
// transaction; no such row is store.ErrNotFound (see execDelete).
func (s *Store) deleteRow(ctx context.Context, tx *sql.Tx, table, what string, cols []string, vals ...any) error {
	b := s.binder()
	return s.execDelete(ctx, tx, "DELETE FROM "+table+" WHERE "+b.where(cols, vals...), b.args, what)
}

// deleteOne is deleteRow in a write transaction of its own.
func (s *Store) deleteOne(ctx context.Context, table, what string, cols []string, vals ...any) error {
	return s.mutate(ctx, func(tx *sql.Tx) error { return s.deleteRow(ctx, tx, table, what, cols, vals...) })
}

// updateTx is the read-modify-write transaction of every Update method: load
// reads the row (locked, where the dialect has row locks), fn changes it,
// and save fixes what the store keeps, checks and writes the result, which
// updateTx returns. fn's and save's errors reach the caller unchanged.
func updateTx[T any](ctx context.Context, s *Store, load func(*sql.Tx) (T, error), fn func(T) (T, error), save func(tx *sql.Tx, old, v T) (T, error)) (T, error) {
	var out T
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		old, err := load(tx)
		if err != nil {
			return err
		}
		v, err := fn(old)
		if err != nil {
			return err
		}
		out, err = save(tx, old, v)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}
