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

// Principals and their access keys: the store.Store methods, and the
// principal half of store.IAMStore (lookups by kind and name, updates, key
// status and last use). Policies and attachments are in policies.go.

var _ store.IAMStore = (*Store)(nil)

var principalColumns = []string{"id", "kind", "name", "arn", "path", "description", "assume_role_policy",
	"disabled", "tags", "created_at", "updated_at", "version"}

var principalCols = strings.Join(principalColumns, ", ")

// principalValues is p in principalColumns order.
func principalValues(p store.Principal) []any {
	return []any{p.ID, p.Kind, p.Name, p.ARN, p.Path, p.Description, p.AssumeRolePolicy,
		boolInt(p.Disabled), encodeTags(p.Tags), p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
}

func scanPrincipal(r rowScanner) (store.Principal, error) {
	var (
		p                store.Principal
		disabled         int64
		tags             sql.NullString
		created, updated int64
	)
	if err := r.Scan(&p.ID, &p.Kind, &p.Name, &p.ARN, &p.Path, &p.Description, &p.AssumeRolePolicy,
		&disabled, &tags, &created, &updated, &p.Version); err != nil {
		return store.Principal{}, err
	}
	var err error
	if p.Tags, err = decodeTags(tags); err != nil {
		return store.Principal{}, fmt.Errorf("principal %q tags: %w", p.ID, err)
	}
	p.Disabled = disabled != 0
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// normPrincipal returns p as it reads back after being stored: Path "/"
// when unset (the IAM default), empty Tags nil, times in UTC microseconds.
func normPrincipal(p store.Principal) store.Principal {
	if p.Path == "" {
		p.Path = "/"
	}
	p.Tags = normTags(p.Tags)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return p
}

// checkPrincipalKind refuses a kind other than root, user and role: the kind
// decides the name namespace and, for root, bypasses policies altogether, so
// a typo must not create a principal nobody can find or reason about.
func checkPrincipalKind(op, kind string) error {
	switch kind {
	case store.PrincipalRoot, store.PrincipalUser, store.PrincipalRole:
		return nil
	}
	return fmt.Errorf("%s: principal kind %q is not %q, %q or %q", op, kind,
		store.PrincipalRoot, store.PrincipalUser, store.PrincipalRole)
}

// checkPrincipalUnique reports a *store.ConflictError when another
// principal of p's kind has p's name ("name"), or any other principal has
// p's non-empty ARN ("arn"). Users and roles are separate name namespaces,
// as in IAM; ARNs embed the kind, so they are unique across kinds.
func (s *Store) checkPrincipalUnique(ctx context.Context, tx *sql.Tx, p store.Principal) error {
	b := s.binder()
	q := "SELECT 1 FROM principals WHERE kind = " + b.add(p.Kind) + " AND name = " + b.add(p.Name) +
		" AND id <> " + b.add(p.ID)
	if err := conflictIf(ctx, tx, q, b.args, p.Kind, "name", p.Name); err != nil {
		return err
	}
	if p.ARN == "" {
		return nil
	}
	b = s.binder()
	q = "SELECT 1 FROM principals WHERE arn = " + b.add(p.ARN) + " AND id <> " + b.add(p.ID)
	return conflictIf(ctx, tx, q, b.args, p.Kind, "arn", p.ARN)
}

// CreatePrincipal implements store.Store. Kind must be root, user or role;
// an empty Path is stored as "/".
func (s *Store) CreatePrincipal(ctx context.Context, p store.Principal) (store.Principal, error) {
	if p.ID == "" || p.Name == "" {
		return store.Principal{}, errors.New("create principal: id and name are required")
	}
	if err := checkPrincipalKind("create principal", p.Kind); err != nil {
		return store.Principal{}, err
	}
	p = normPrincipal(p)
	p.CreatedAt, p.UpdatedAt = createdTimes(s.now(), p.CreatedAt, p.UpdatedAt)
	p.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM principals WHERE id = "+b.add(p.ID), b.args,
			"principal", "id", p.ID); err != nil {
			return err
		}
		if err := s.checkPrincipalUnique(ctx, tx, p); err != nil {
			return err
		}
		return s.insertRow(ctx, tx, "principals", principalColumns, principalValues(p), "principal")
	})
	if err != nil {
		return store.Principal{}, err
	}
	return p, nil
}

// getPrincipal loads one principal by the given column values (ANDed);
// suffix is "" or the dialect's FOR UPDATE. what names it in errors.
func (s *Store) getPrincipal(ctx context.Context, q querier, what, suffix string, cols []string, vals ...any) (store.Principal, error) {
	b := s.binder()
	return selectRow(ctx, q, scanPrincipal, what,
		"SELECT "+principalCols+" FROM principals WHERE "+b.where(cols, vals...)+suffix, b.args)
}

// GetPrincipal implements store.Store.
func (s *Store) GetPrincipal(ctx context.Context, id string) (store.Principal, error) {
	return s.getPrincipal(ctx, s.db, fmt.Sprintf("principal %q", id), "", []string{"id"}, id)
}

// GetPrincipalByName implements store.IAMStore.
func (s *Store) GetPrincipalByName(ctx context.Context, kind, name string) (store.Principal, error) {
	return s.getPrincipal(ctx, s.db, fmt.Sprintf("%s %q", kind, name), "", []string{"kind", "name"}, kind, name)
}

// ListPrincipals implements store.Store: every kind, oldest first.
func (s *Store) ListPrincipals(ctx context.Context, p store.Page) ([]store.Principal, string, error) {
	return listPage(ctx, s, listSpec{table: "principals", cols: principalCols, key: "id"}, p, scanPrincipal,
		func(p store.Principal) (time.Time, string) { return p.CreatedAt, p.ID })
}

// ListPrincipalsByKind implements store.IAMStore. An unknown kind is an
// error rather than an empty list, so a typo cannot pass for "no users".
func (s *Store) ListPrincipalsByKind(ctx context.Context, kind string, p store.Page) ([]store.Principal, string, error) {
	if err := checkPrincipalKind("list principals", kind); err != nil {
		return nil, "", err
	}
	spec := listSpec{table: "principals", cols: principalCols, key: "id", scopeCol: "kind", scopeVal: kind}
	return listPage(ctx, s, spec, p, scanPrincipal,
		func(p store.Principal) (time.Time, string) { return p.CreatedAt, p.ID })
}

// UpdatePrincipal implements store.IAMStore. The row is locked while fn
// runs, so concurrent updates apply one after the other.
func (s *Store) UpdatePrincipal(ctx context.Context, id string, fn func(store.Principal) (store.Principal, error)) (store.Principal, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (store.Principal, error) {
		return s.getPrincipal(ctx, tx, fmt.Sprintf("principal %q", id), s.d.forUpdate, []string{"id"}, id)
	}, fn, func(tx *sql.Tx, old, p store.Principal) (store.Principal, error) {
		p = normPrincipal(p)
		p.ID, p.Kind, p.CreatedAt, p.Version = old.ID, old.Kind, old.CreatedAt, old.Version+1
		p.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		if p.Name == "" {
			return p, fmt.Errorf("update principal %q: name is required", id)
		}
		if err := s.checkPrincipalUnique(ctx, tx, p); err != nil {
			return p, err
		}
		return p, s.updateRow(ctx, tx, "principals", 1, principalColumns, principalValues(p), old.Version, "principal")
	})
}

// DeletePrincipal implements store.Store: the principal goes with its
// access keys, policy attachments and inline policies in one transaction,
// so nothing that grants access outlives it, and a principal created later
// under the same id inherits nothing (ON DELETE CASCADE backs this up).
func (s *Store) DeletePrincipal(ctx context.Context, id string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		for _, table := range []string{"access_keys", "policy_attachments", "inline_policies"} {
			b := s.binder()
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE principal_id = "+b.add(id), b.args...); err != nil {
				return fmt.Errorf("delete %s of principal %q: %w", table, id, err)
			}
		}
		return s.deleteRow(ctx, tx, "principals", fmt.Sprintf("principal %q", id), []string{"id"}, id)
	})
}

// requirePrincipal returns store.ErrNotFound unless the principal exists.
// suffix is "" for a plain check, or the dialect's FOR UPDATE to keep the
// principal from being deleted, or its attachments from being reordered,
// until the transaction ends.
func (s *Store) requirePrincipal(ctx context.Context, q querier, id, suffix string) error {
	b := s.binder()
	found, err := exists(ctx, q, "SELECT 1 FROM principals WHERE id = "+b.add(id)+suffix, b.args)
	if err != nil {
		return fmt.Errorf("check principal %q: %w", id, err)
	}
	if !found {
		return fmt.Errorf("principal %q: %w", id, store.ErrNotFound)
	}
	return nil
}

// Access key statuses (IAM's).
const (
	accessKeyActive   = "Active"
	accessKeyInactive = "Inactive"
)

func checkAccessKeyStatus(op, status string) error {
	if status != accessKeyActive && status != accessKeyInactive {
		return fmt.Errorf("%s: access key status %q is not %q or %q", op, status, accessKeyActive, accessKeyInactive)
	}
	return nil
}

// touchGranularity is how stale LastUsedAt may get: TouchAccessKey skips
// the write while the recorded use is less than this before the new one, so
// a busy key costs one write a minute, not one per request.
const touchGranularity = time.Minute

const accessKeyCols = "id, principal_id, sealed_secret, status, created_at, last_used_at"

func scanAccessKey(r rowScanner) (store.AccessKey, error) {
	var (
		k        store.AccessKey
		created  int64
		lastUsed sql.NullInt64
	)
	if err := r.Scan(&k.ID, &k.PrincipalID, &k.SealedSecret, &k.Status, &created, &lastUsed); err != nil {
		return store.AccessKey{}, err
	}
	k.SealedSecret = normBytes(k.SealedSecret)
	k.CreatedAt = fromMicros(created)
	k.LastUsedAt = fromNullMicros(lastUsed)
	return k, nil
}

// CreateAccessKey implements store.Store. The principal must exist
// (store.ErrNotFound otherwise) and Status must be Active or Inactive. A
// zero LastUsedAt stays zero ("never used").
func (s *Store) CreateAccessKey(ctx context.Context, k store.AccessKey) (store.AccessKey, error) {
	if k.ID == "" || k.PrincipalID == "" {
		return store.AccessKey{}, errors.New("create access key: id and principal id are required")
	}
	if err := checkAccessKeyStatus("create access key "+k.ID, k.Status); err != nil {
		return store.AccessKey{}, err
	}
	k.SealedSecret = normBytes(k.SealedSecret)
	k.CreatedAt, _ = createdTimes(s.now(), k.CreatedAt, time.Time{})
	k.LastUsedAt = normTime(k.LastUsedAt)
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		if err := s.requirePrincipal(ctx, tx, k.PrincipalID, s.d.forUpdate); err != nil {
			return err
		}
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM access_keys WHERE id = "+b.add(k.ID), b.args,
			"accessKey", "id", k.ID); err != nil {
			return err
		}
		b = s.binder()
		q := "INSERT INTO access_keys (" + accessKeyCols + ") VALUES (" +
			b.list(k.ID, k.PrincipalID, nullBytes(k.SealedSecret), k.Status, k.CreatedAt.UnixMicro(), nullMicros(k.LastUsedAt)) + ")"
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

func (s *Store) getAccessKey(ctx context.Context, q querier, id, suffix string) (store.AccessKey, error) {
	b := s.binder()
	return selectRow(ctx, q, scanAccessKey, fmt.Sprintf("access key %q", id),
		"SELECT "+accessKeyCols+" FROM access_keys WHERE id = "+b.add(id)+suffix, b.args)
}

// GetAccessKey implements store.Store.
func (s *Store) GetAccessKey(ctx context.Context, id string) (store.AccessKey, error) {
	return s.getAccessKey(ctx, s.db, id, "")
}

// ListAccessKeys implements store.Store, oldest first. A principal has a
// handful of keys (IAM allows two), so the list is not paged. An unknown
// principal is store.ErrNotFound, as IAM answers NoSuchEntity.
func (s *Store) ListAccessKeys(ctx context.Context, principalID string) ([]store.AccessKey, error) {
	if err := s.requirePrincipal(ctx, s.db, principalID, ""); err != nil {
		return nil, err
	}
	b := s.binder()
	return queryAll(ctx, s.db, "list access keys of principal "+principalID,
		"SELECT "+accessKeyCols+" FROM access_keys WHERE principal_id = "+b.add(principalID)+" ORDER BY created_at, id",
		b.args, scanAccessKey)
}

// UpdateAccessKeyStatus implements store.IAMStore. It is a configuration
// change (it decides whether the key authenticates), so it bumps Revision
// even when the status was already the requested one: replicas re-read and
// agree either way.
func (s *Store) UpdateAccessKeyStatus(ctx context.Context, id, status string) (store.AccessKey, error) {
	if err := checkAccessKeyStatus("update access key "+id, status); err != nil {
		return store.AccessKey{}, err
	}
	var out store.AccessKey
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		k, err := s.getAccessKey(ctx, tx, id, s.d.forUpdate)
		if err != nil {
			return err
		}
		b := s.binder()
		q := "UPDATE access_keys SET status = " + b.add(status) + " WHERE id = " + b.add(id)
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("update access key %q: %w", id, err)
		}
		k.Status = status
		out = k
		return nil
	})
	if err != nil {
		return store.AccessKey{}, err
	}
	return out, nil
}

// TouchAccessKey implements store.IAMStore. It is on the path of every
// SigV4-authenticated request, so it reads first and writes only when the
// recorded use is at least touchGranularity older than t; the write itself
// never moves LastUsedAt backwards (a late, older touch is dropped). It
// neither bumps Revision nor signals Changes: last use is bookkeeping.
func (s *Store) TouchAccessKey(ctx context.Context, id string, t time.Time) error {
	t = normTime(t)
	if t.IsZero() {
		return fmt.Errorf("touch access key %q: zero time", id)
	}
	k, err := s.GetAccessKey(ctx, id)
	if err != nil {
		return err
	}
	if !k.LastUsedAt.IsZero() && t.Sub(k.LastUsedAt) < touchGranularity {
		return nil
	}
	stale := t.Add(-touchGranularity).UnixMicro()
	return s.bookkeep(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		q := "UPDATE access_keys SET last_used_at = " + b.add(t.UnixMicro()) + " WHERE id = " + b.add(id) +
			" AND (last_used_at IS NULL OR last_used_at <= " + b.add(stale) + ")"
		if _, err := tx.ExecContext(ctx, q, b.args...); err != nil {
			return fmt.Errorf("touch access key %q: %w", id, err)
		}
		return nil
	})
}

// DeleteAccessKey implements store.Store.
func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	return s.deleteOne(ctx, "access_keys", fmt.Sprintf("access key %q", id), []string{"id"}, id)
}

// queryAll runs a query and scans every row; what names the list in errors.
func queryAll[T any](ctx context.Context, q querier, what, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
