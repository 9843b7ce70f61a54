package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

const principalCols = "id, name, arn, kind, created_at, version"

func scanPrincipal(r rowScanner) (store.Principal, error) {
	var (
		p       store.Principal
		created int64
	)
	if err := r.Scan(&p.ID, &p.Name, &p.ARN, &p.Kind, &created, &p.Version); err != nil {
		return store.Principal{}, err
	}
	p.CreatedAt = fromMicros(created)
	return p, nil
}

// CreatePrincipal implements store.Store.
func (s *Store) CreatePrincipal(ctx context.Context, p store.Principal) (store.Principal, error) {
	if p.ID == "" || p.Name == "" {
		return store.Principal{}, errors.New("create principal: id and name are required")
	}
	p.CreatedAt, _ = createdTimes(s.now(), p.CreatedAt, time.Time{})
	p.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM principals WHERE id = "+b.add(p.ID), b.args,
			"principal", "id", p.ID); err != nil {
			return err
		}
		b = s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM principals WHERE name = "+b.add(p.Name), b.args,
			"principal", "name", p.Name); err != nil {
			return err
		}
		b = s.binder()
		q := "INSERT INTO principals (" + principalCols + ") VALUES (" +
			b.list(p.ID, p.Name, p.ARN, p.Kind, p.CreatedAt.UnixMicro(), p.Version) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("create principal: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Principal{}, err
	}
	return p, nil
}

// GetPrincipal implements store.Store.
func (s *Store) GetPrincipal(ctx context.Context, id string) (store.Principal, error) {
	b := s.binder()
	p, err := scanPrincipal(s.db.QueryRowContext(ctx, "SELECT "+principalCols+" FROM principals WHERE id = "+b.add(id), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Principal{}, fmt.Errorf("principal %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Principal{}, fmt.Errorf("get principal: %w", err)
	}
	return p, nil
}

// ListPrincipals implements store.Store.
func (s *Store) ListPrincipals(ctx context.Context, p store.Page) ([]store.Principal, string, error) {
	return listPage(ctx, s, listSpec{table: "principals", cols: principalCols, key: "id"}, p, scanPrincipal,
		func(p store.Principal) (time.Time, string) { return p.CreatedAt, p.ID })
}

// DeletePrincipal implements store.Store: the principal and all its access
// keys go in one transaction, so no key outlives its principal.
func (s *Store) DeletePrincipal(ctx context.Context, id string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if _, err := tx.ExecContext(ctx, "DELETE FROM access_keys WHERE principal_id = "+b.add(id), b.args...); err != nil {
			return fmt.Errorf("delete access keys of principal %q: %w", id, err)
		}
		b = s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM principals WHERE id = "+b.add(id), b.args,
			fmt.Sprintf("principal %q", id))
	})
}

const accessKeyCols = "id, principal_id, sealed_secret, status, created_at"

func scanAccessKey(r rowScanner) (store.AccessKey, error) {
	var (
		k       store.AccessKey
		created int64
	)
	if err := r.Scan(&k.ID, &k.PrincipalID, &k.SealedSecret, &k.Status, &created); err != nil {
		return store.AccessKey{}, err
	}
	k.SealedSecret = normBytes(k.SealedSecret)
	k.CreatedAt = fromMicros(created)
	return k, nil
}

// CreateAccessKey implements store.Store. The principal must exist
// (store.ErrNotFound otherwise).
func (s *Store) CreateAccessKey(ctx context.Context, k store.AccessKey) (store.AccessKey, error) {
	if k.ID == "" || k.PrincipalID == "" {
		return store.AccessKey{}, errors.New("create access key: id and principal id are required")
	}
	k.SealedSecret = normBytes(k.SealedSecret)
	k.CreatedAt, _ = createdTimes(s.now(), k.CreatedAt, time.Time{})
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		found, err := exists(ctx, tx, "SELECT 1 FROM principals WHERE id = "+b.add(k.PrincipalID), b.args)
		if err != nil {
			return fmt.Errorf("create access key: %w", err)
		}
		if !found {
			return fmt.Errorf("principal %q: %w", k.PrincipalID, store.ErrNotFound)
		}
		b = s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM access_keys WHERE id = "+b.add(k.ID), b.args,
			"accessKey", "id", k.ID); err != nil {
			return err
		}
		b = s.binder()
		q := "INSERT INTO access_keys (" + accessKeyCols + ") VALUES (" +
			b.list(k.ID, k.PrincipalID, nullBytes(k.SealedSecret), k.Status, k.CreatedAt.UnixMicro()) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("create access key: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.AccessKey{}, err
	}
	return k, nil
}

// GetAccessKey implements store.Store.
func (s *Store) GetAccessKey(ctx context.Context, id string) (store.AccessKey, error) {
	b := s.binder()
	k, err := scanAccessKey(s.db.QueryRowContext(ctx, "SELECT "+accessKeyCols+" FROM access_keys WHERE id = "+b.add(id), b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.AccessKey{}, fmt.Errorf("access key %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.AccessKey{}, fmt.Errorf("get access key: %w", err)
	}
	return k, nil
}

// ListAccessKeys implements store.Store, oldest first. A principal has a
// handful of keys (IAM allows two), so the list is not paged. An unknown
// principal is store.ErrNotFound, as IAM answers NoSuchEntity.
func (s *Store) ListAccessKeys(ctx context.Context, principalID string) ([]store.AccessKey, error) {
	b := s.binder()
	found, err := exists(ctx, s.db, "SELECT 1 FROM principals WHERE id = "+b.add(principalID), b.args)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	if !found {
		return nil, fmt.Errorf("principal %q: %w", principalID, store.ErrNotFound)
	}
	b = s.binder()
	rows, err := s.db.QueryContext(ctx, "SELECT "+accessKeyCols+" FROM access_keys WHERE principal_id = "+b.add(principalID)+
		" ORDER BY created_at, id", b.args...)
	if err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	defer rows.Close()
	var keys []store.AccessKey
	for rows.Next() {
		k, err := scanAccessKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list access keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list access keys: %w", err)
	}
	return keys, nil
}

// DeleteAccessKey implements store.Store.
func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM access_keys WHERE id = "+b.add(id), b.args,
			fmt.Sprintf("access key %q", id))
	})
}
