package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/toolgate/toolgate/internal/store"
)

// GetSetting implements store.Store.
func (s *Store) GetSetting(ctx context.Context, key string) (string, error) {
	return getSetting(ctx, s, s.db, key)
}

func getSetting(ctx context.Context, s *Store, q querier, key string) (string, error) {
	b := s.binder()
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = "+b.add(key), b.args...).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("get setting %q: %w", key, err)
	}
	return v, nil
}

// InitSetting implements store.Store. INSERT ... ON CONFLICT DO NOTHING (the
// same text in SQLite and PostgreSQL) makes first-writer-wins atomic even
// between processes; the stored value is then read in the same transaction.
// Only an insert counts as a mutation: finding the key already set bumps
// neither the revision nor Changes.
func (s *Store) InitSetting(ctx context.Context, key, value string) (string, error) {
	if key == "" {
		return "", errors.New("init setting: key is required")
	}
	var stored string
	err := s.write(ctx, func(tx *sql.Tx) (bool, error) {
		b := s.binder()
		res, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ("+b.list(key, value)+") ON CONFLICT (key) DO NOTHING", b.args...)
		if err != nil {
			return false, fmt.Errorf("init setting %q: %w", key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("init setting %q: %w", key, err)
		}
		if n == 1 {
			stored = value
			return true, nil
		}
		stored, err = getSetting(ctx, s, tx, key)
		return false, err
	})
	if err != nil {
		return "", err
	}
	return stored, nil
}
