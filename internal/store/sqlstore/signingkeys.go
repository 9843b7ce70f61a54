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

// Signing keys of a user pool.

var signingKeyColumns = []string{
	"pool_id", "key_id", "algorithm", "sealed_private_key", "status", "created_at", "not_after", "version",
}

var signingKeyCols = strings.Join(signingKeyColumns, ", ")

func signingKeyValues(k store.SigningKey) []any {
	return []any{k.PoolID, k.KeyID, k.Algorithm, nullBytes(k.SealedPrivateKey), k.Status,
		k.CreatedAt.UnixMicro(), nullMicros(k.NotAfter), k.Version}
}

func scanSigningKey(r rowScanner) (store.SigningKey, error) {
	var (
		k        store.SigningKey
		created  int64
		notAfter sql.NullInt64
	)
	if err := r.Scan(&k.PoolID, &k.KeyID, &k.Algorithm, &k.SealedPrivateKey, &k.Status, &created, &notAfter, &k.Version); err != nil {
		return store.SigningKey{}, err
	}
	k.SealedPrivateKey = normBytes(k.SealedPrivateKey)
	k.CreatedAt, k.NotAfter = fromMicros(created), fromNullMicros(notAfter)
	return k, nil
}

func validSigningKeyStatus(status string) bool {
	switch status {
	case store.SigningKeyActive, store.SigningKeyRetiring, store.SigningKeyRetired:
		return true
	}
	return false
}

// prepareSigningKey validates a new key and returns it as it will read back.
func (s *Store) prepareSigningKey(k store.SigningKey) (store.SigningKey, error) {
	if k.PoolID == "" || k.KeyID == "" || k.Algorithm == "" {
		return store.SigningKey{}, errors.New("signing key: pool id, key id and algorithm are required")
	}
	if !validSigningKeyStatus(k.Status) {
		return store.SigningKey{}, fmt.Errorf("signing key %q: unknown status %q", k.KeyID, k.Status)
	}
	k.SealedPrivateKey = normBytes(k.SealedPrivateKey)
	k.CreatedAt, _ = createdTimes(s.now(), k.CreatedAt, time.Time{})
	k.NotAfter = normTime(k.NotAfter)
	k.Version = 1
	return k, nil
}

// insertSigningKey adds k inside tx, reporting a duplicate key id in the pool
// as a *store.ConflictError.
func (s *Store) insertSigningKey(ctx context.Context, tx *sql.Tx, k store.SigningKey) error {
	b := s.binder()
	if err := conflictIf(ctx, tx, "SELECT 1 FROM signing_keys WHERE pool_id = "+b.add(k.PoolID)+" AND key_id = "+b.add(k.KeyID),
		b.args, "signingKey", "keyId", k.KeyID); err != nil {
		return err
	}
	return s.insertRow(ctx, tx, "signing_keys", signingKeyColumns, signingKeyValues(k), "signing key")
}

// RotateSigningKey implements store.UserPoolStore. next.Status may be empty
// (it becomes active) or active; anything else is refused, since the point
// of a rotation is a new active key.
func (s *Store) RotateSigningKey(ctx context.Context, next store.SigningKey, retireAt time.Time) (store.SigningKey, error) {
	if next.Status == "" {
		next.Status = store.SigningKeyActive
	}
	if next.Status != store.SigningKeyActive {
		return store.SigningKey{}, fmt.Errorf("rotate signing key: the new key must be %s, not %q", store.SigningKeyActive, next.Status)
	}
	if retireAt.IsZero() {
		return store.SigningKey{}, errors.New("rotate signing key: retireAt is required")
	}
	next, err := s.prepareSigningKey(next)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("rotate signing key: %w", err)
	}
	err = s.mutate(ctx, func(tx *sql.Tx) error {
		// The pool row is locked where the dialect has row locks: two
		// rotations of one pool running together would otherwise each
		// retire the key they saw and both add an active key.
		if err := s.lockPool(ctx, tx, next.PoolID); err != nil {
			return err
		}
		// Check the new id first, so a refused rotation retires nothing.
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM signing_keys WHERE pool_id = "+b.add(next.PoolID)+" AND key_id = "+b.add(next.KeyID),
			b.args, "signingKey", "keyId", next.KeyID); err != nil {
			return err
		}
		b = s.binder()
		q := "UPDATE signing_keys SET status = " + b.add(store.SigningKeyRetiring) +
			", not_after = " + b.add(normTime(retireAt).UnixMicro()) + ", version = version + 1" +
			" WHERE pool_id = " + b.add(next.PoolID) + " AND status = " + b.add(store.SigningKeyActive)
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("rotate signing key: retire active keys: %w", err)
		}
		return s.insertSigningKey(ctx, tx, next)
	})
	if err != nil {
		return store.SigningKey{}, err
	}
	return next, nil
}

// ListSigningKeys implements store.UserPoolStore, oldest first.
func (s *Store) ListSigningKeys(ctx context.Context, poolID string) ([]store.SigningKey, error) {
	if err := s.requirePool(ctx, s.db, poolID); err != nil {
		return nil, err
	}
	b := s.binder()
	return queryAll(ctx, s.db, "list signing keys", "SELECT "+signingKeyCols+" FROM signing_keys WHERE pool_id = "+b.add(poolID)+
		" ORDER BY created_at, key_id", b.args, scanSigningKey)
}

func (s *Store) getSigningKey(ctx context.Context, q querier, poolID, keyID, suffix string) (store.SigningKey, error) {
	b := s.binder()
	return selectRow(ctx, q, scanSigningKey, fmt.Sprintf("signing key %q of user pool %q", keyID, poolID),
		"SELECT "+signingKeyCols+" FROM signing_keys WHERE pool_id = "+b.add(poolID)+" AND key_id = "+b.add(keyID)+suffix, b.args)
}

// UpdateSigningKey implements store.UserPoolStore (retiring a key, resealing
// it after a vault rotation).
func (s *Store) UpdateSigningKey(ctx context.Context, poolID, keyID string, fn func(store.SigningKey) (store.SigningKey, error)) (store.SigningKey, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.SigningKey, error) {
		return s.getSigningKey(ctx, tx, poolID, keyID, s.d.forUpdate)
	}, fn, func(tx *sql.Tx, old, k store.SigningKey) (store.SigningKey, error) {
		k.PoolID, k.KeyID, k.CreatedAt, k.Version = old.PoolID, old.KeyID, old.CreatedAt, old.Version+1
		k.SealedPrivateKey = normBytes(k.SealedPrivateKey)
		k.NotAfter = normTime(k.NotAfter)
		if k.Algorithm == "" {
			return k, errors.New("update signing key: algorithm is required")
		}
		if !validSigningKeyStatus(k.Status) {
			return k, fmt.Errorf("update signing key %q: unknown status %q", k.KeyID, k.Status)
		}
		return k, s.updateRow(ctx, tx, "signing_keys", 2, signingKeyColumns, signingKeyValues(k), old.Version, "signing key")
	})
}

// DeleteSigningKey implements store.UserPoolStore (pruning retired keys).
func (s *Store) DeleteSigningKey(ctx context.Context, poolID, keyID string) error {
	return s.deleteOne(ctx, "signing_keys", fmt.Sprintf("signing key %q of user pool %q", keyID, poolID),
		[]string{"pool_id", "key_id"}, poolID, keyID)
}
