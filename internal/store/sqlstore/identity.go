package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// store.IdentityStore: workload identities, the token vault's configuration
// and data keys, and the registry of every sealed column for re-sealing.

var _ store.IdentityStore = (*Store)(nil)

// ---- workload identities ---------------------------------------------------

var workloadColumns = []string{"name", "gateway_id", "return_urls", "tags", "created_at", "updated_at", "version"}

var workloadCols = strings.Join(workloadColumns, ", ")

func workloadValues(w store.WorkloadIdentity) []any {
	return []any{w.Name, w.GatewayID, encodeStrings(w.ReturnURLs), encodeTags(w.Tags),
		w.CreatedAt.UnixMicro(), w.UpdatedAt.UnixMicro(), w.Version}
}

func scanWorkload(r rowScanner) (store.WorkloadIdentity, error) {
	var (
		w                store.WorkloadIdentity
		urls, tags       sql.NullString
		created, updated int64
	)
	if err := r.Scan(&w.Name, &w.GatewayID, &urls, &tags, &created, &updated, &w.Version); err != nil {
		return store.WorkloadIdentity{}, err
	}
	var err error
	if w.ReturnURLs, err = decodeStrings(urls); err != nil {
		return store.WorkloadIdentity{}, fmt.Errorf("workload identity %q return URLs: %w", w.Name, err)
	}
	if w.Tags, err = decodeTags(tags); err != nil {
		return store.WorkloadIdentity{}, fmt.Errorf("workload identity %q tags: %w", w.Name, err)
	}
	w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updated)
	return w, nil
}

func normWorkload(w store.WorkloadIdentity) store.WorkloadIdentity {
	w.ReturnURLs = normStrings(w.ReturnURLs)
	w.Tags = normTags(w.Tags)
	w.CreatedAt, w.UpdatedAt = normTime(w.CreatedAt), normTime(w.UpdatedAt)
	return w
}

// CreateWorkloadIdentity implements store.IdentityStore.
func (s *Store) CreateWorkloadIdentity(ctx context.Context, w store.WorkloadIdentity) (store.WorkloadIdentity, error) {
	if w.Name == "" {
		return store.WorkloadIdentity{}, errors.New("create workload identity: name is required")
	}
	w = normWorkload(w)
	w.CreatedAt, w.UpdatedAt = createdTimes(s.now(), w.CreatedAt, w.UpdatedAt)
	w.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error { return s.insertWorkload(ctx, tx, w, "name") })
	if err != nil {
		return store.WorkloadIdentity{}, err
	}
	return w, nil
}

// insertWorkload inserts w, reporting a taken name as a *ConflictError on
// field (which names what the caller was creating).
func (s *Store) insertWorkload(ctx context.Context, tx *sql.Tx, w store.WorkloadIdentity, field string) error {
	b := s.binder()
	if err := conflictIf(ctx, tx, "SELECT 1 FROM workload_identities WHERE name = "+b.add(w.Name), b.args,
		"workloadIdentity", field, w.Name); err != nil {
		return err
	}
	b = s.binder()
	q := "INSERT INTO workload_identities (" + workloadCols + ") VALUES (" + b.list(workloadValues(w)...) + ")"
	if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
		return fmt.Errorf("create workload identity: %w", err)
	}
	return nil
}

// createGatewayWorkload creates, inside CreateGateway's transaction, the
// workload identity of gateway g: named after its id.
func (s *Store) createGatewayWorkload(ctx context.Context, tx *sql.Tx, g store.Gateway) error {
	return s.insertWorkload(ctx, tx, store.WorkloadIdentity{
		Name: g.ID, GatewayID: g.ID, CreatedAt: g.CreatedAt, UpdatedAt: g.CreatedAt, Version: 1,
	}, "workloadIdentity")
}

// deleteGatewayWorkload deletes, inside DeleteGateway's transaction, the
// workload identities of gateway id.
func (s *Store) deleteGatewayWorkload(ctx context.Context, tx *sql.Tx, id string) error {
	b := s.binder()
	if _, err := tx.ExecContext(ctx, "DELETE FROM workload_identities WHERE gateway_id = "+b.add(id), b.args...); err != nil {
		return fmt.Errorf("delete the gateway's workload identity: %w", err)
	}
	return nil
}

func (s *Store) getWorkload(ctx context.Context, q querier, name, suffix string) (store.WorkloadIdentity, error) {
	b := s.binder()
	w, err := scanWorkload(q.QueryRowContext(ctx,
		"SELECT "+workloadCols+" FROM workload_identities WHERE name = "+b.add(name)+suffix, b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.WorkloadIdentity{}, fmt.Errorf("workload identity %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.WorkloadIdentity{}, fmt.Errorf("get workload identity: %w", err)
	}
	return w, nil
}

// GetWorkloadIdentity implements store.IdentityStore.
func (s *Store) GetWorkloadIdentity(ctx context.Context, name string) (store.WorkloadIdentity, error) {
	return s.getWorkload(ctx, s.db, name, "")
}

// ListWorkloadIdentities implements store.IdentityStore.
func (s *Store) ListWorkloadIdentities(ctx context.Context, p store.Page) ([]store.WorkloadIdentity, string, error) {
	return listPage(ctx, s, listSpec{table: "workload_identities", cols: workloadCols, key: "name"}, p, scanWorkload,
		func(w store.WorkloadIdentity) (time.Time, string) { return w.CreatedAt, w.Name })
}

// UpdateWorkloadIdentity implements store.IdentityStore.
func (s *Store) UpdateWorkloadIdentity(ctx context.Context, name string, fn func(store.WorkloadIdentity) (store.WorkloadIdentity, error)) (store.WorkloadIdentity, error) {
	var out store.WorkloadIdentity
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		old, err := s.getWorkload(ctx, tx, name, s.d.forUpdate)
		if err != nil {
			return err
		}
		w, err := fn(old)
		if err != nil {
			return err
		}
		w = normWorkload(w)
		w.Name, w.GatewayID, w.CreatedAt, w.Version = old.Name, old.GatewayID, old.CreatedAt, old.Version+1
		w.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		b := s.binder()
		q := "UPDATE workload_identities SET " + b.set(workloadColumns[1:], workloadValues(w)[1:]...) +
			" WHERE name = " + b.add(w.Name) + " AND version = " + b.add(old.Version)
		if err := s.execUpdate(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("update workload identity: %w", err)
		}
		out = w
		return nil
	})
	if err != nil {
		return store.WorkloadIdentity{}, err
	}
	return out, nil
}

// DeleteWorkloadIdentity implements store.IdentityStore.
func (s *Store) DeleteWorkloadIdentity(ctx context.Context, name string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		w, err := s.getWorkload(ctx, tx, name, s.d.forUpdate)
		if err != nil {
			return err
		}
		if w.GatewayID != "" {
			return &store.ConflictError{Entity: "workloadIdentity", Field: "gatewayId", Value: name,
				Reason: "it belongs to gateway " + w.GatewayID + " and is deleted with it"}
		}
		b := s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM workload_identities WHERE name = "+b.add(name), b.args,
			fmt.Sprintf("workload identity %q", name))
	})
}

// ---- token vault -----------------------------------------------------------

// GetTokenVault implements store.IdentityStore.
func (s *Store) GetTokenVault(ctx context.Context, id string) (store.TokenVault, error) {
	return s.getTokenVault(ctx, s.db, id)
}

func (s *Store) getTokenVault(ctx context.Context, q querier, id string) (store.TokenVault, error) {
	b := s.binder()
	var (
		tv      store.TokenVault
		updated int64
	)
	err := q.QueryRowContext(ctx, "SELECT id, key_type, kms_key_arn, updated_at, version FROM token_vaults WHERE id = "+b.add(id),
		b.args...).Scan(&tv.ID, &tv.KeyType, &tv.KMSKeyARN, &updated, &tv.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return store.TokenVault{}, fmt.Errorf("token vault %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.TokenVault{}, fmt.Errorf("get token vault: %w", err)
	}
	tv.UpdatedAt = fromMicros(updated)
	return tv, nil
}

const vaultKeyCols = "version, key_id, kek, wrapped_key, state, created_at"

func scanVaultKey(r rowScanner) (store.VaultKey, error) {
	var (
		k       store.VaultKey
		created int64
	)
	if err := r.Scan(&k.Version, &k.KeyID, &k.KEK, &k.WrappedKey, &k.State, &created); err != nil {
		return store.VaultKey{}, err
	}
	k.CreatedAt = fromMicros(created)
	return k, nil
}

// ListVaultKeys implements store.IdentityStore.
func (s *Store) ListVaultKeys(ctx context.Context) ([]store.VaultKey, error) {
	return s.listVaultKeys(ctx, s.db)
}

func (s *Store) listVaultKeys(ctx context.Context, q querier) ([]store.VaultKey, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+vaultKeyCols+" FROM vault_keys ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("list vault keys: %w", err)
	}
	defer rows.Close()
	var out []store.VaultKey
	for rows.Next() {
		k, err := scanVaultKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list vault keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// AddVaultKey implements store.IdentityStore.
func (s *Store) AddVaultKey(ctx context.Context, next store.VaultKey, tv store.TokenVault, ifNoKeys bool) (store.VaultKey, error) {
	if next.KeyID == "" || next.KEK == "" || len(next.WrappedKey) == 0 {
		return store.VaultKey{}, errors.New("add vault key: key id, KEK and wrapped key are required")
	}
	var out store.VaultKey
	err := s.write(ctx, func(tx *sql.Tx) (bool, error) {
		keys, err := s.listVaultKeys(ctx, tx)
		if err != nil {
			return false, err
		}
		if ifNoKeys && len(keys) > 0 {
			for _, k := range keys {
				if k.State == store.VaultKeyPrimary {
					out = k
				}
			}
			return false, nil
		}
		var last int64
		for _, k := range keys {
			last = max(last, k.Version)
			if k.KeyID == next.KeyID {
				return false, &store.ConflictError{Entity: "vaultKey", Field: "keyId", Value: next.KeyID}
			}
		}
		b := s.binder()
		if _, err := tx.ExecContext(ctx, "UPDATE vault_keys SET state = "+b.add(store.VaultKeyRetiring)+
			" WHERE state = "+b.add(store.VaultKeyPrimary), b.args...); err != nil {
			return false, fmt.Errorf("add vault key: %w", err)
		}
		k := next
		k.Version, k.State = last+1, store.VaultKeyPrimary
		k.WrappedKey = bytes.Clone(k.WrappedKey)
		k.CreatedAt, _ = createdTimes(s.now(), k.CreatedAt, time.Time{})
		b = s.binder()
		q := "INSERT INTO vault_keys (" + vaultKeyCols + ") VALUES (" +
			b.list(k.Version, k.KeyID, k.KEK, k.WrappedKey, k.State, k.CreatedAt.UnixMicro()) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return false, fmt.Errorf("add vault key: %w", err)
		}
		if tv.ID != "" {
			if err := s.putTokenVault(ctx, tx, tv); err != nil {
				return false, err
			}
		}
		out = k
		return true, nil
	})
	if err != nil {
		return store.VaultKey{}, err
	}
	return out, nil
}

// putTokenVault creates or replaces a vault's configuration.
func (s *Store) putTokenVault(ctx context.Context, tx *sql.Tx, tv store.TokenVault) error {
	old, err := s.getTokenVault(ctx, tx, tv.ID)
	updated := normTime(s.now())
	b := s.binder()
	var q string
	switch {
	case errors.Is(err, store.ErrNotFound):
		q = "INSERT INTO token_vaults (id, key_type, kms_key_arn, updated_at, version) VALUES (" +
			b.list(tv.ID, tv.KeyType, tv.KMSKeyARN, updated.UnixMicro(), int64(1)) + ")"
	case err != nil:
		return err
	default:
		updated = updatedTime(s.now(), old.UpdatedAt)
		q = "UPDATE token_vaults SET " + b.set([]string{"key_type", "kms_key_arn", "updated_at", "version"},
			tv.KeyType, tv.KMSKeyARN, updated.UnixMicro(), old.Version+1) + " WHERE id = " + b.add(tv.ID)
	}
	if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
		return fmt.Errorf("store token vault: %w", err)
	}
	return nil
}

// DeleteVaultKey implements store.IdentityStore.
func (s *Store) DeleteVaultKey(ctx context.Context, keyID string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		k, err := scanVaultKey(tx.QueryRowContext(ctx, "SELECT "+vaultKeyCols+" FROM vault_keys WHERE key_id = "+b.add(keyID)+s.d.forUpdate, b.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("vault key %q: %w", keyID, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("delete vault key: %w", err)
		}
		if k.State == store.VaultKeyPrimary {
			return &store.ConflictError{Entity: "vaultKey", Field: "state", Value: keyID, Reason: "the primary key cannot be deleted"}
		}
		b = s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM vault_keys WHERE key_id = "+b.add(keyID), b.args, fmt.Sprintf("vault key %q", keyID))
	})
}

// ---- sealed secrets --------------------------------------------------------

// sealedColumn is one column of sealed values: the rows of table, named by
// their key columns, hold a value sealed with additional data
// kind + "/" + the key values joined with "/". Every sealed column of the
// schema must be listed here, or rotating the vault key would leave its
// values behind (TestSealedColumnsCoverSchema checks).
type sealedColumn struct {
	kind   string
	table  string
	keys   []string
	column string
}

var sealedColumns = []sealedColumn{
	{store.SealedAPIKey, "api_key_providers", []string{"name"}, "sealed_key"},
	{store.SealedAccessKey, "access_keys", []string{"id"}, "sealed_secret"},
	{store.SealedIdPSigningKey, "signing_keys", []string{"pool_id", "key_id"}, "sealed_private_key"},
	{store.SealedOAuth2ClientSecret, "oauth2_providers", []string{"name"}, "sealed_client_secret"},
}

// sealedCursor is the position after the last value of a page: the index
// into sealedColumns and that row's key values.
type sealedCursor struct {
	Column int      `json:"c"`
	Key    []string `json:"k"`
}

// ListSealedSecrets implements store.IdentityStore. Pages run through
// sealedColumns in order, each in key order; rows without a sealed value
// are skipped.
func (s *Store) ListSealedSecrets(ctx context.Context, p store.Page) ([]store.SealedSecret, string, error) {
	cur := sealedCursor{}
	if p.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.After)
		if err != nil || json.Unmarshal(raw, &cur) != nil || cur.Column < 0 || cur.Column >= len(sealedColumns) ||
			len(cur.Key) != len(sealedColumns[cur.Column].keys) {
			return nil, "", fmt.Errorf("list sealed secrets: %w", store.ErrInvalidCursor)
		}
	}
	limit := pageLimit(p.Limit)
	var out []store.SealedSecret
	for ci := cur.Column; ci < len(sealedColumns) && len(out) <= limit; ci++ {
		col := sealedColumns[ci]
		b := s.binder()
		q := "SELECT " + strings.Join(col.keys, ", ") + ", " + col.column + " FROM " + col.table +
			" WHERE " + col.column + " IS NOT NULL"
		if ci == cur.Column && cur.Key != nil {
			args := make([]any, len(cur.Key))
			for i, k := range cur.Key {
				args[i] = k
			}
			q += " AND (" + strings.Join(col.keys, ", ") + ") > (" + b.list(args...) + ")"
		}
		q += " ORDER BY " + strings.Join(col.keys, ", ") + " LIMIT " + b.add(limit+1-len(out))
		rows, err := s.db.QueryContext(ctx, q, b.args...)
		if err != nil {
			return nil, "", fmt.Errorf("list sealed secrets of %s: %w", col.table, err)
		}
		for rows.Next() {
			owner := make([]string, len(col.keys))
			dest := make([]any, 0, len(col.keys)+1)
			for i := range owner {
				dest = append(dest, &owner[i])
			}
			var sealed []byte
			dest = append(dest, &sealed)
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, "", fmt.Errorf("list sealed secrets of %s: %w", col.table, err)
			}
			if len(sealed) == 0 {
				continue
			}
			out = append(out, store.SealedSecret{Kind: col.kind, Owner: owner, Sealed: sealed})
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, "", fmt.Errorf("list sealed secrets of %s: %w", col.table, err)
		}
	}
	var next string
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		ci := 0
		for i, c := range sealedColumns {
			if c.kind == last.Kind {
				ci = i
			}
		}
		raw, _ := json.Marshal(sealedCursor{Column: ci, Key: last.Owner})
		next = base64.RawURLEncoding.EncodeToString(raw)
	}
	return out, next, nil
}

// ReplaceSealedSecret implements store.IdentityStore: a compare-and-swap
// written as bookkeeping (no revision bump), since the value it protects is
// unchanged.
func (s *Store) ReplaceSealedSecret(ctx context.Context, sec store.SealedSecret, sealed []byte) error {
	var col *sealedColumn
	for i := range sealedColumns {
		if sealedColumns[i].kind == sec.Kind {
			col = &sealedColumns[i]
		}
	}
	if col == nil || len(sec.Owner) != len(col.keys) {
		return fmt.Errorf("replace sealed secret: unknown kind %q or owner", sec.Kind)
	}
	if len(sealed) == 0 {
		return errors.New("replace sealed secret: empty sealed value")
	}
	return s.bookkeep(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		where := make([]string, len(col.keys))
		for i, k := range col.keys {
			where[i] = k + " = " + b.add(sec.Owner[i])
		}
		var cur []byte
		err := tx.QueryRowContext(ctx, "SELECT "+col.column+" FROM "+col.table+" WHERE "+strings.Join(where, " AND ")+s.d.forUpdate,
			b.args...).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sealed %s %s: %w", sec.Kind, strings.Join(sec.Owner, "/"), store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("replace sealed secret: %w", err)
		}
		if !bytes.Equal(cur, sec.Sealed) {
			return fmt.Errorf("sealed %s %s changed meanwhile: %w", sec.Kind, strings.Join(sec.Owner, "/"), store.ErrConflict)
		}
		b2 := s.binder()
		set := col.column + " = " + b2.add(bytes.Clone(sealed))
		where2 := make([]string, len(col.keys))
		for i, k := range col.keys {
			where2[i] = k + " = " + b2.add(sec.Owner[i])
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+col.table+" SET "+set+" WHERE "+strings.Join(where2, " AND "), b2.args...); err != nil {
			return fmt.Errorf("replace sealed secret: %w", err)
		}
		return nil
	})
}
