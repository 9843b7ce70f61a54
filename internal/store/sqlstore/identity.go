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

// workloads: workload identities are versioned rows keyed by name, like the
// credential providers, so providerTable writes their CRUD; what differs is
// the gateway a gateway's identity belongs to, kept by Update and checked by
// Delete.
var workloads = providerTable[store.WorkloadIdentity]{
	table:   "workload_identities",
	what:    "workload identity",
	entity:  "workloadIdentity",
	columns: []string{"name", "gateway_id", "return_urls", "tags", "created_at", "updated_at", "version"},
	values: func(w store.WorkloadIdentity) []any {
		return []any{w.Name, w.GatewayID, encodeStrings(w.ReturnURLs), encodeTags(w.Tags),
			w.CreatedAt.UnixMicro(), w.UpdatedAt.UnixMicro(), w.Version}
	},
	scan: scanWorkload,
	norm: func(w store.WorkloadIdentity) store.WorkloadIdentity {
		w.ReturnURLs = normStrings(w.ReturnURLs)
		w.Tags = normTags(w.Tags)
		w.CreatedAt, w.UpdatedAt = normTime(w.CreatedAt), normTime(w.UpdatedAt)
		return w
	},
	stamp: func(w *store.WorkloadIdentity) stamp { return stamp{&w.Name, &w.CreatedAt, &w.UpdatedAt, &w.Version} },
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

// CreateWorkloadIdentity implements store.IdentityStore.
func (s *Store) CreateWorkloadIdentity(ctx context.Context, w store.WorkloadIdentity) (store.WorkloadIdentity, error) {
	return workloads.create(ctx, s, w)
}

// createGatewayWorkload creates, inside CreateGateway's transaction, the
// workload identity of gateway g: named after its id.
func (s *Store) createGatewayWorkload(ctx context.Context, tx *sql.Tx, g store.Gateway) error {
	return workloads.insert(ctx, s, tx, store.WorkloadIdentity{
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

// GetWorkloadIdentity implements store.IdentityStore.
func (s *Store) GetWorkloadIdentity(ctx context.Context, name string) (store.WorkloadIdentity, error) {
	return workloads.get(ctx, s, s.db, name, "")
}

// ListWorkloadIdentities implements store.IdentityStore.
func (s *Store) ListWorkloadIdentities(ctx context.Context, p store.Page) ([]store.WorkloadIdentity, string, error) {
	return workloads.list(ctx, s, p)
}

// UpdateWorkloadIdentity implements store.IdentityStore. Like the name,
// CreatedAt, Version and UpdatedAt, the gateway an identity belongs to is
// kept by the store whatever fn returns.
func (s *Store) UpdateWorkloadIdentity(ctx context.Context, name string, fn func(store.WorkloadIdentity) (store.WorkloadIdentity, error)) (store.WorkloadIdentity, error) {
	return workloads.update(ctx, s, name, func(old store.WorkloadIdentity) (store.WorkloadIdentity, error) {
		w, err := fn(old)
		w.GatewayID = old.GatewayID
		return w, err
	})
}

// DeleteWorkloadIdentity implements store.IdentityStore. A gateway's
// identity is deleted with its gateway only.
func (s *Store) DeleteWorkloadIdentity(ctx context.Context, name string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		w, err := workloads.get(ctx, s, tx, name, s.d.forUpdate)
		if err != nil {
			return err
		}
		if w.GatewayID != "" {
			return &store.ConflictError{Entity: "workloadIdentity", Field: "gatewayId", Value: name,
				Reason: "it belongs to gateway " + w.GatewayID + " and is deleted with it"}
		}
		return s.deleteRow(ctx, tx, workloads.table, fmt.Sprintf("workload identity %q", name), []string{"name"}, name)
	})
}

// ---- token vault -----------------------------------------------------------

var tokenVaultColumns = []string{"id", "key_type", "kms_key_arn", "updated_at", "version"}

func scanTokenVault(r rowScanner) (store.TokenVault, error) {
	var (
		tv      store.TokenVault
		updated int64
	)
	if err := r.Scan(&tv.ID, &tv.KeyType, &tv.KMSKeyARN, &updated, &tv.Version); err != nil {
		return store.TokenVault{}, err
	}
	tv.UpdatedAt = fromMicros(updated)
	return tv, nil
}

// GetTokenVault implements store.IdentityStore.
func (s *Store) GetTokenVault(ctx context.Context, id string) (store.TokenVault, error) {
	return s.getTokenVault(ctx, s.db, id)
}

func (s *Store) getTokenVault(ctx context.Context, q querier, id string) (store.TokenVault, error) {
	b := s.binder()
	return selectRow(ctx, q, scanTokenVault, fmt.Sprintf("token vault %q", id),
		"SELECT "+strings.Join(tokenVaultColumns, ", ")+" FROM token_vaults WHERE id = "+b.add(id), b.args)
}

var vaultKeyColumns = []string{"version", "key_id", "kek", "wrapped_key", "state", "created_at"}

var vaultKeyCols = strings.Join(vaultKeyColumns, ", ")

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
	return queryAll(ctx, q, "list vault keys", "SELECT "+vaultKeyCols+" FROM vault_keys ORDER BY version", nil, scanVaultKey)
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
		if err := s.insertRow(ctx, tx, "vault_keys", vaultKeyColumns,
			[]any{k.Version, k.KeyID, k.KEK, k.WrappedKey, k.State, k.CreatedAt.UnixMicro()}, "vault key"); err != nil {
			return false, err
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
		q = "INSERT INTO token_vaults (" + strings.Join(tokenVaultColumns, ", ") + ") VALUES (" +
			b.list(tv.ID, tv.KeyType, tv.KMSKeyARN, updated.UnixMicro(), int64(1)) + ")"
	case err != nil:
		return err
	default:
		updated = updatedTime(s.now(), old.UpdatedAt)
		q = "UPDATE token_vaults SET " + b.set(tokenVaultColumns[1:],
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
		what := fmt.Sprintf("vault key %q", keyID)
		b := s.binder()
		k, err := selectRow(ctx, tx, scanVaultKey, what,
			"SELECT "+vaultKeyCols+" FROM vault_keys WHERE key_id = "+b.add(keyID)+s.d.forUpdate, b.args)
		if err != nil {
			return err
		}
		if k.State == store.VaultKeyPrimary {
			return &store.ConflictError{Entity: "vaultKey", Field: "state", Value: keyID, Reason: "the primary key cannot be deleted"}
		}
		return s.deleteRow(ctx, tx, "vault_keys", what, []string{"key_id"}, keyID)
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
			q += " AND (" + strings.Join(col.keys, ", ") + ") > (" + b.list(anys(cur.Key)...) + ")"
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
		var cur []byte
		err := tx.QueryRowContext(ctx, "SELECT "+col.column+" FROM "+col.table+" WHERE "+b.where(col.keys, anys(sec.Owner)...)+s.d.forUpdate,
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
		b = s.binder()
		q := "UPDATE " + col.table + " SET " + b.set([]string{col.column}, bytes.Clone(sealed)) + " WHERE " + b.where(col.keys, anys(sec.Owner)...)
		if _, err := tx.ExecContext(ctx, q, b.args...); err != nil {
			return fmt.Errorf("replace sealed secret: %w", err)
		}
		return nil
	})
}

// anys is ss as the values of binder.list and binder.where.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}
