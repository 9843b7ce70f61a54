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

// OAuth2 credential providers (store.OAuth2ProviderStore), the twin of the
// API-key providers of providers.go: keyed by name, the secret sealed.

var _ store.OAuth2ProviderStore = (*Store)(nil)

var oauth2Columns = []string{"name", "arn", "vendor", "config", "sealed_client_secret", "tags", "created_at", "updated_at", "version"}

var oauth2Cols = strings.Join(oauth2Columns, ", ")

// oauth2Values is p in oauth2Columns order.
func oauth2Values(p store.OAuth2Provider) []any {
	return []any{p.Name, p.ARN, p.Vendor, nullBytes(p.Config), nullBytes(p.SealedClientSecret), encodeTags(p.Tags),
		p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
}

func scanOAuth2Provider(r rowScanner) (store.OAuth2Provider, error) {
	var (
		p                store.OAuth2Provider
		tags             sql.NullString
		created, updated int64
	)
	if err := r.Scan(&p.Name, &p.ARN, &p.Vendor, &p.Config, &p.SealedClientSecret, &tags, &created, &updated, &p.Version); err != nil {
		return store.OAuth2Provider{}, err
	}
	var err error
	if p.Tags, err = decodeTags(tags); err != nil {
		return store.OAuth2Provider{}, fmt.Errorf("oauth2 provider %q tags: %w", p.Name, err)
	}
	p.Config, p.SealedClientSecret = normBytes(p.Config), normBytes(p.SealedClientSecret)
	p.CreatedAt, p.UpdatedAt = fromMicros(created), fromMicros(updated)
	return p, nil
}

// normOAuth2Provider returns p as it reads back after being stored.
func normOAuth2Provider(p store.OAuth2Provider) store.OAuth2Provider {
	p.Config, p.SealedClientSecret = normBytes(p.Config), normBytes(p.SealedClientSecret)
	p.Tags = normTags(p.Tags)
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return p
}

// CreateOAuth2Provider implements store.OAuth2ProviderStore.
func (s *Store) CreateOAuth2Provider(ctx context.Context, p store.OAuth2Provider) (store.OAuth2Provider, error) {
	if p.Name == "" {
		return store.OAuth2Provider{}, errors.New("create oauth2 provider: name is required")
	}
	p = normOAuth2Provider(p)
	p.CreatedAt, p.UpdatedAt = createdTimes(s.now(), p.CreatedAt, p.UpdatedAt)
	p.Version = 1
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		if err := conflictIf(ctx, tx, "SELECT 1 FROM oauth2_providers WHERE name = "+b.add(p.Name), b.args,
			"oauth2CredentialProvider", "name", p.Name); err != nil {
			return err
		}
		b = s.binder()
		q := "INSERT INTO oauth2_providers (" + oauth2Cols + ") VALUES (" + b.list(oauth2Values(p)...) + ")"
		if _, err := s.execWrite(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("create oauth2 provider: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.OAuth2Provider{}, err
	}
	return p, nil
}

func (s *Store) getOAuth2Provider(ctx context.Context, q querier, name, suffix string) (store.OAuth2Provider, error) {
	b := s.binder()
	p, err := scanOAuth2Provider(q.QueryRowContext(ctx,
		"SELECT "+oauth2Cols+" FROM oauth2_providers WHERE name = "+b.add(name)+suffix, b.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.OAuth2Provider{}, fmt.Errorf("oauth2 provider %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.OAuth2Provider{}, fmt.Errorf("get oauth2 provider: %w", err)
	}
	return p, nil
}

// GetOAuth2Provider implements store.OAuth2ProviderStore.
func (s *Store) GetOAuth2Provider(ctx context.Context, name string) (store.OAuth2Provider, error) {
	return s.getOAuth2Provider(ctx, s.db, name, "")
}

// ListOAuth2Providers implements store.OAuth2ProviderStore.
func (s *Store) ListOAuth2Providers(ctx context.Context, p store.Page) ([]store.OAuth2Provider, string, error) {
	return listPage(ctx, s, listSpec{table: "oauth2_providers", cols: oauth2Cols, key: "name"}, p, scanOAuth2Provider,
		func(p store.OAuth2Provider) (time.Time, string) { return p.CreatedAt, p.Name })
}

// UpdateOAuth2Provider implements store.OAuth2ProviderStore. The name is
// the provider's identity, so like CreatedAt, Version and UpdatedAt it is
// kept by the store whatever fn returns.
func (s *Store) UpdateOAuth2Provider(ctx context.Context, name string, fn func(store.OAuth2Provider) (store.OAuth2Provider, error)) (store.OAuth2Provider, error) {
	var out store.OAuth2Provider
	err := s.mutate(ctx, func(tx *sql.Tx) error {
		old, err := s.getOAuth2Provider(ctx, tx, name, s.d.forUpdate)
		if err != nil {
			return err
		}
		p, err := fn(old)
		if err != nil {
			return err
		}
		p = normOAuth2Provider(p)
		p.Name, p.CreatedAt, p.Version = old.Name, old.CreatedAt, old.Version+1
		p.UpdatedAt = updatedTime(s.now(), old.UpdatedAt)
		b := s.binder()
		q := "UPDATE oauth2_providers SET " + b.set(oauth2Columns[1:], oauth2Values(p)[1:]...) +
			" WHERE name = " + b.add(p.Name) + " AND version = " + b.add(old.Version)
		if err := s.execUpdate(ctx, tx, q, b.args); err != nil {
			return fmt.Errorf("update oauth2 provider: %w", err)
		}
		out = p
		return nil
	})
	if err != nil {
		return store.OAuth2Provider{}, err
	}
	return out, nil
}

// DeleteOAuth2Provider implements store.OAuth2ProviderStore.
func (s *Store) DeleteOAuth2Provider(ctx context.Context, name string) error {
	return s.mutate(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		return s.execDelete(ctx, tx, "DELETE FROM oauth2_providers WHERE name = "+b.add(name), b.args,
			fmt.Sprintf("oauth2 provider %q", name))
	})
}
