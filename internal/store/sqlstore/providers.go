package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// Credential providers: API-key providers here, OAuth2 providers in
// oauth2providers.go. Both kinds are versioned rows keyed by name with a
// sealed secret and tags; they differ only in their columns, so their CRUD
// is written once, in providerTable, which workload identities (identity.go),
// rows of the same shape, use too.

// providerTable is one kind of credential provider (or another versioned
// row keyed by name).
type providerTable[T any] struct {
	table   string   // SQL table
	what    string   // the kind in errors: "api key provider"
	entity  string   // store.ConflictError.Entity of a duplicate name
	columns []string // "name" first
	values  func(T) []any
	scan    func(rowScanner) (T, error)
	norm    func(T) T // a provider as it reads back after being stored
	stamp   func(*T) stamp
}

// stamp points at the fields of a provider the store keeps itself.
type stamp struct {
	name             *string
	created, updated *time.Time
	version          *int64
}

func (t providerTable[T]) create(ctx context.Context, s *Store, p T) (T, error) {
	p = t.norm(p)
	st := t.stamp(&p)
	if *st.name == "" {
		var zero T
		return zero, fmt.Errorf("create %s: name is required", t.what)
	}
	*st.created, *st.updated = createdTimes(s.now(), *st.created, *st.updated)
	*st.version = 1
	if err := s.mutate(ctx, func(tx *sql.Tx) error { return t.insert(ctx, s, tx, p, "name") }); err != nil {
		var zero T
		return zero, err
	}
	return p, nil
}

// insert inserts p as it is inside a write transaction, reporting a taken
// name as a *store.ConflictError on field (which names what the caller was
// creating).
func (t providerTable[T]) insert(ctx context.Context, s *Store, tx *sql.Tx, p T, field string) error {
	name := *t.stamp(&p).name
	b := s.binder()
	if err := conflictIf(ctx, tx, "SELECT 1 FROM "+t.table+" WHERE name = "+b.add(name), b.args,
		t.entity, field, name); err != nil {
		return err
	}
	return s.insertRow(ctx, tx, t.table, t.columns, t.values(p), t.what)
}

// get reads the provider called name; suffix is "" or the dialect's FOR
// UPDATE.
func (t providerTable[T]) get(ctx context.Context, s *Store, q querier, name, suffix string) (T, error) {
	b := s.binder()
	return selectRow(ctx, q, t.scan, fmt.Sprintf("%s %q", t.what, name),
		"SELECT "+strings.Join(t.columns, ", ")+" FROM "+t.table+" WHERE name = "+b.add(name)+suffix, b.args)
}

func (t providerTable[T]) list(ctx context.Context, s *Store, p store.Page) ([]T, string, error) {
	return listPage(ctx, s, listSpec{table: t.table, cols: strings.Join(t.columns, ", "), key: "name"}, p, t.scan,
		func(v T) (time.Time, string) {
			st := t.stamp(&v)
			return *st.created, *st.name
		})
}

// update keeps the name, the provider's identity, like CreatedAt, Version
// and UpdatedAt, whatever fn returns: renaming is delete and create.
func (t providerTable[T]) update(ctx context.Context, s *Store, name string, fn func(T) (T, error)) (T, error) {
	return updateTx(ctx, s, func(tx *sql.Tx) (T, error) { return t.get(ctx, s, tx, name, s.d.forUpdate) }, fn,
		func(tx *sql.Tx, old, p T) (T, error) {
			p = t.norm(p)
			was, st := t.stamp(&old), t.stamp(&p)
			*st.name, *st.created, *st.version = *was.name, *was.created, *was.version+1
			*st.updated = updatedTime(s.now(), *was.updated)
			return p, s.updateRow(ctx, tx, t.table, 1, t.columns, t.values(p), *was.version, t.what)
		})
}

func (t providerTable[T]) delete(ctx context.Context, s *Store, name string) error {
	return s.deleteOne(ctx, t.table, fmt.Sprintf("%s %q", t.what, name), []string{"name"}, name)
}

var apiKeyProviders = providerTable[store.APIKeyProvider]{
	table:   "api_key_providers",
	what:    "api key provider",
	entity:  "apiKeyCredentialProvider",
	columns: []string{"name", "arn", "sealed_key", "tags", "created_at", "updated_at", "version"},
	values: func(p store.APIKeyProvider) []any {
		return []any{p.Name, p.ARN, nullBytes(p.SealedKey), encodeTags(p.Tags),
			p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
	},
	scan: scanProvider,
	norm: func(p store.APIKeyProvider) store.APIKeyProvider {
		p.SealedKey = normBytes(p.SealedKey)
		p.Tags = normTags(p.Tags)
		p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
		return p
	},
	stamp: func(p *store.APIKeyProvider) stamp { return stamp{&p.Name, &p.CreatedAt, &p.UpdatedAt, &p.Version} },
}

func scanProvider(r rowScanner) (store.APIKeyProvider, error) {
	var (
		p                store.APIKeyProvider
		tags             sql.NullString
		created, updated int64
	)
	if err := r.Scan(&p.Name, &p.ARN, &p.SealedKey, &tags, &created, &updated, &p.Version); err != nil {
		return store.APIKeyProvider{}, err
	}
	var err error
	if p.Tags, err = decodeTags(tags); err != nil {
		return store.APIKeyProvider{}, fmt.Errorf("api key provider %q tags: %w", p.Name, err)
	}
	p.SealedKey = normBytes(p.SealedKey)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// CreateAPIKeyProvider implements store.Store.
func (s *Store) CreateAPIKeyProvider(ctx context.Context, p store.APIKeyProvider) (store.APIKeyProvider, error) {
	return apiKeyProviders.create(ctx, s, p)
}

// GetAPIKeyProvider implements store.Store.
func (s *Store) GetAPIKeyProvider(ctx context.Context, name string) (store.APIKeyProvider, error) {
	return apiKeyProviders.get(ctx, s, s.db, name, "")
}

// ListAPIKeyProviders implements store.Store.
func (s *Store) ListAPIKeyProviders(ctx context.Context, p store.Page) ([]store.APIKeyProvider, string, error) {
	return apiKeyProviders.list(ctx, s, p)
}

// UpdateAPIKeyProvider implements store.Store. The name is the provider's
// identity, so like CreatedAt, Version and UpdatedAt it is kept by the store
// whatever fn returns; renaming is delete and create.
func (s *Store) UpdateAPIKeyProvider(ctx context.Context, name string, fn func(store.APIKeyProvider) (store.APIKeyProvider, error)) (store.APIKeyProvider, error) {
	return apiKeyProviders.update(ctx, s, name, fn)
}

// DeleteAPIKeyProvider implements store.Store.
func (s *Store) DeleteAPIKeyProvider(ctx context.Context, name string) error {
	return apiKeyProviders.delete(ctx, s, name)
}
