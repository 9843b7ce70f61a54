package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// The embedded identity provider's entities (store.UserPoolStore): pools and
// their domains here, resource servers and clients in poolclients.go,
// signing keys in signingkeys.go.

var _ store.UserPoolStore = (*Store)(nil)

var poolColumns = []string{"id", "name", "arn", "domain", "config", "created_at", "updated_at", "version"}

var poolCols = strings.Join(poolColumns, ", ")

// poolValues is p in poolColumns order.
func poolValues(p store.UserPool) []any {
	return []any{p.ID, p.Name, p.ARN, p.Domain, nullBytes(p.Config),
		p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
}

func scanPool(r rowScanner) (store.UserPool, error) {
	var (
		p                store.UserPool
		created, updated int64
	)
	if err := r.Scan(&p.ID, &p.Name, &p.ARN, &p.Domain, &p.Config, &created, &updated, &p.Version); err != nil {
		return store.UserPool{}, err
	}
	p.Config = normBytes(p.Config)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// normPool returns p as it reads back after being stored.
func normPool(p store.UserPool) store.UserPool {
	p.Config = normBytes(p.Config)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return p
}

// CreateUserPool implements store.UserPoolStore. The pool and its first
// signing key are inserted in one transaction.
func (s *Store) CreateUserPool(ctx context.Context, p store.UserPool, key store.SigningKey) (store.UserPool, error) {
	if p.ID == "" || p.Name == "" {
		return store.UserPool{}, errors.New("create user pool: id and name are required")
	}
	if key.PoolID == "" {
		key.PoolID = p.ID
	}
	if key.PoolID != p.ID {
		return store.UserPool{}, fmt.Errorf("create user pool: first signing key belongs to pool %q, not %q", key.PoolID, p.ID)
	}
	if key.Status == "" {
		key.Status = store.SigningKeyActive
	}
	if key.Status != store.SigningKeyActive {
		return store.UserPool{}, fmt.Errorf("create user pool: first signing key must be %s, not %q", store.SigningKeyActive, key.Status)
	}
	p = normPool(p)
	p.CreatedAt, p.UpdatedAt = createdTimes(s.now(), p.CreatedAt, p.UpdatedAt)
	p.Version = 1
	key, err := s.prepareSigningKey(key)
	if err != nil {
		return store.UserPool{}, fmt.Errorf("create user pool: %w", err)
	}
	err = s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM user_pools WHERE id = "+b.add(p.ID), b.args,
			"userPool", "id", p.ID); err != nil {
			return err
		}
		if err := s.checkPoolDomain(ctx, tx, p); err != nil {
			return err
		}
		if err := s.insertRow(ctx, tx, "user_pools", poolColumns, poolValues(p), "user pool"); err != nil {
			return err
		}
		return s.insertSigningKey(ctx, tx, key)
	})
	if err != nil {
		return store.UserPool{}, err
	}
	return p, nil
}

// checkPoolDomain reports a *store.ConflictError when another pool already
// uses p's (non-empty) domain.
func (s *Store) checkPoolDomain(ctx context.Context, tx *sql.Tx, p store.UserPool) error {
	if p.Domain == "" {
		return nil
	}
	b := s.binder()
	return conflictIf(ctx, tx, "SELECT 1 FROM user_pools WHERE domain = "+b.add(p.Domain)+" AND id <> "+b.add(p.ID),
		b.args, "userPool", "domain", p.Domain)
}

// getPool reads the pool whose column col equals val, named what in errors;
// suffix is "" or the dialect's FOR UPDATE.
func (s *Store) getPool(ctx context.Context, q querier, what, col string, val any, suffix string) (store.UserPool, error) {
	b := s.binder()
	return selectRow(ctx, q, scanPool, what,
		"SELECT "+poolCols+" FROM user_pools WHERE "+col+" = "+b.add(val)+suffix, b.args)
}

// GetUserPool implements store.UserPoolStore.
func (s *Store) GetUserPool(ctx context.Context, id string) (store.UserPool, error) {
	return s.getPool(ctx, s.db, fmt.Sprintf("user pool %q", id), "id", id, "")
}

// GetUserPoolByDomain implements store.UserPoolStore. The empty domain never
// matches: it means "no domain".
func (s *Store) GetUserPoolByDomain(ctx context.Context, domain string) (store.UserPool, error) {
	if domain == "" {
		return store.UserPool{}, fmt.Errorf("user pool with empty domain: %w", store.ErrNotFound)
	}
	return s.getPool(ctx, s.db, fmt.Sprintf("user pool with domain %q", domain), "domain", domain, "")
}

// ListUserPools implements store.UserPoolStore.
func (s *Store) ListUserPools(ctx context.Context, p store.Page) ([]store.UserPool, string, error) {
	return listPage(ctx, s, listSpec{table: "user_pools", cols: poolCols, key: "id"}, p, scanPool,
		func(p store.UserPool) (time.Time, string) { return p.CreatedAt, p.ID })
}

// UpdateUserPool implements store.UserPoolStore.
func (s *Store) UpdateUserPool(ctx context.Context, id string, fn func(store.UserPool) (store.UserPool, error)) (store.UserPool, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.UserPool, error) {
		return s.getPool(ctx, tx, fmt.Sprintf("user pool %q", id), "id", id, s.d.forUpdate)
	}, fn, func(tx *sql.Tx, old, p store.UserPool) (store.UserPool, error) {
		p = normPool(p)
		p.ID, p.CreatedAt, p.Version = old.ID, old.CreatedAt, old.Version+1
		p.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		if p.Name == "" {
			return p, errors.New("update user pool: name is required")
		}
		if err := s.checkPoolDomain(ctx, tx, p); err != nil {
			return p, err
		}
		return p, s.updateRow(ctx, tx, "user_pools", 1, poolColumns, poolValues(p), old.Version, "user pool")
	})
}

// DeleteUserPool implements store.UserPoolStore: the pool's resource servers,
// clients and signing keys go in the same transaction, so no client or key
// outlives its pool (ON DELETE CASCADE backs this up).
func (s *Store) DeleteUserPool(ctx context.Context, id string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"resource_servers", "pool_clients", "signing_keys"} {
			b := s.binder()
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE pool_id = "+b.add(id), b.args...); err != nil {
				return fmt.Errorf("delete %s of user pool %q: %w", table, id, err)
			}
		}
		return s.deleteRow(ctx, tx, "user_pools", fmt.Sprintf("user pool %q", id), []string{"id"}, id)
	})
}

// requirePool returns store.ErrNotFound unless the pool exists; q is the
// transaction of a write or the database for a read.
func (s *Store) requirePool(ctx context.Context, q querier, poolID string) error {
	return s.checkPool(ctx, q, poolID, "")
}

// lockPool is requirePool inside a write transaction that must keep the
// pool row from changing until it commits (SELECT ... FOR UPDATE).
func (s *Store) lockPool(ctx context.Context, tx *sql.Tx, poolID string) error {
	return s.checkPool(ctx, tx, poolID, s.d.forUpdate)
}

func (s *Store) checkPool(ctx context.Context, q querier, poolID, suffix string) error {
	b := s.binder()
	found, err := exists(ctx, q, "SELECT 1 FROM user_pools WHERE id = "+b.add(poolID)+suffix, b.args)
	if err != nil {
		return fmt.Errorf("check user pool %q: %w", poolID, err)
	}
	if !found {
		return fmt.Errorf("user pool %q: %w", poolID, store.ErrNotFound)
	}
	return nil
}
