package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/toolgate/toolgate/internal/store"
)

// OAuth2 credential providers (store.OAuth2ProviderStore), the twin of the
// API-key providers of providers.go: keyed by name, the secret sealed.

var _ store.OAuth2ProviderStore = (*Store)(nil)

var oauth2Providers = providerTable[store.OAuth2Provider]{
	table:   "oauth2_providers",
	what:    "oauth2 provider",
	entity:  "oauth2CredentialProvider",
	columns: []string{"name", "arn", "vendor", "config", "sealed_client_secret", "tags", "created_at", "updated_at", "version"},
	values: func(p store.OAuth2Provider) []any {
		return []any{p.Name, p.ARN, p.Vendor, nullBytes(p.Config), nullBytes(p.SealedClientSecret), encodeTags(p.Tags),
			p.CreatedAt.UnixMicro(), p.UpdatedAt.UnixMicro(), p.Version}
	},
	scan: scanOAuth2Provider,
	norm: func(p store.OAuth2Provider) store.OAuth2Provider {
		p.Config, p.SealedClientSecret = normBytes(p.Config), normBytes(p.SealedClientSecret)
		p.Tags = normTags(p.Tags)
		p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
		return p
	},
	stamp: func(p *store.OAuth2Provider) stamp { return stamp{&p.Name, &p.CreatedAt, &p.UpdatedAt, &p.Version} },
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

// CreateOAuth2Provider implements store.OAuth2ProviderStore.
func (s *Store) CreateOAuth2Provider(ctx context.Context, p store.OAuth2Provider) (store.OAuth2Provider, error) {
	return oauth2Providers.create(ctx, s, p)
}

// GetOAuth2Provider implements store.OAuth2ProviderStore.
func (s *Store) GetOAuth2Provider(ctx context.Context, name string) (store.OAuth2Provider, error) {
	return oauth2Providers.get(ctx, s, s.db, name, "")
}

// ListOAuth2Providers implements store.OAuth2ProviderStore.
func (s *Store) ListOAuth2Providers(ctx context.Context, p store.Page) ([]store.OAuth2Provider, string, error) {
	return oauth2Providers.list(ctx, s, p)
}

// UpdateOAuth2Provider implements store.OAuth2ProviderStore. The name is
// the provider's identity, so like CreatedAt, Version and UpdatedAt it is
// kept by the store whatever fn returns.
func (s *Store) UpdateOAuth2Provider(ctx context.Context, name string, fn func(store.OAuth2Provider) (store.OAuth2Provider, error)) (store.OAuth2Provider, error) {
	return oauth2Providers.update(ctx, s, name, fn)
}

// DeleteOAuth2Provider implements store.OAuth2ProviderStore.
func (s *Store) DeleteOAuth2Provider(ctx context.Context, name string) error {
	return oauth2Providers.delete(ctx, s, name)
}
