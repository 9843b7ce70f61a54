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

var providerColumns = []string{"name", "arn", "sealed_key", "tags", "created_at", "updated_at", "version"}

var providerCols = strings.Join(providerColumns, ", ")

// providerValues is p in providerColumns order.
func providerValues(p store.APIKeyProvider) []any {
	return []any{p.Name, p.ARN, nullBytes(p.SealedKey), encodeTags(p.Tags),
		p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
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

// normProvider returns p as it reads back after being stored.
func normProvider(p store.APIKeyProvider) store.APIKeyProvider {
	p.SealedKey = normBytes(p.SealedKey)
	p.Tags = normTags(p.Tags)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return p
}

// CreateAPIKeyProvider implements store.Store.
func (s *Store) CreateAPIKeyProvider(ctx context.Context, p store.APIKeyProvider) (store.APIKeyProvider, error) {
	if p.Name == "" {
		return store.APIKeyProvider{}, errors.New("create api key provider: name is required")
	}
	p = normProvider(p)
	p.CreatedAt, p.UpdatedAt = createdTimes(s.now(), p.CreatedAt, p.UpdatedAt)
	p.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM api_key_providers WHERE name = "+b.add(p.Name), b.args,
			"apiKeyCredentialProvider", "name", p.Name); err != nil {
			return err
		}
		b = s.binder()
		q := "INSERT INTO api_key_providers (" + providerCols + ") VALUES (" + b.list(providerValues(p)...) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("create api key provider: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.APIKeyProvider{}, err
	}
	return p, nil
}

func (s *Store) getProvider(ctx context.Context, q querier, name, suffix string) (store.APIKeyProvider, error) {
	b := s.binder()
	p, err := scanProvider(q.QueryRowContext(ctx,
		"SELECT "+providerCols+" FROM api_key_providers WHERE name = "+b.add(name)+suffix, b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.APIKeyProvider{}, fmt.Errorf("api key provider %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.APIKeyProvider{}, fmt.Errorf("get api key provider: %w", err)
	}
	return p, nil
}

// GetAPIKeyProvider implements store.Store.
func (s *Store) GetAPIKeyProvider(ctx context.Context, name string) (store.APIKeyProvider, error) {
	return s.getProvider(ctx, s.db, name, "")
}

// ListAPIKeyProviders implements store.Store.
func (s *Store) ListAPIKeyProviders(ctx context.Context, p store.Page) ([]store.APIKeyProvider, string, error) {
	return listPage(ctx, s, listSpec{table: "api_key_providers", cols: providerCols, key: "name"}, p, scanProvider,
		func(p store.APIKeyProvider) (time.Time, string) { return p.CreatedAt, p.Name })
}

// UpdateAPIKeyProvider implements store.Store. The name is the provider's
// identity, so like CreatedAt, Version and UpdatedAt it is kept by the store
// whatever fn returns; renaming is delete and create.
func (s *Store) UpdateAPIKeyProvider(ctx context.Context, name string, fn func(store.APIKeyProvider) (store.APIKeyProvider, error)) (store.APIKeyProvider, error) {
	var out store.APIKeyProvider
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		old, err := s.getProvider(ctx, tx, name, s.d.forUpdate)
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			return err
		}
		p = normProvider(p)
		p.Name, p.CreatedAt, p.Version = old.Name, old.CreatedAt, old.Version+1
		p.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		b := s.binder()
		q := "UPDATE api_key_providers SET " + b.set(providerColumns[1:], providerValues(p)[1:]...) +
			" WHERE name = " + b.add(p.Name) + " AND version = " + b.add(old.Version)
		if err := s.execUpdate(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("update api key provider: %w", err)
		}
		out = p
		return nil
	})
	if err != nil {
		return store.APIKeyProvider{}, err
	}
	return out, nil
}

// DeleteAPIKeyProvider implements store.Store.
func (s *Store) DeleteAPIKeyProvider(ctx context.Context, name string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM api_key_providers WHERE name = "+b.add(name), b.args,
			fmt.Sprintf("api key provider %q", name))
	})
}
