-- OAuth2 credential providers (store.OAuth2ProviderStore). Conventions as in
-- 0001: INTEGER Unix microseconds, JSON text maps (NULL when empty), lists
-- paged on (created_at, name). The client secret is sealed by the vault
-- before it reaches the store.
CREATE TABLE oauth2_providers (
    name                 TEXT    NOT NULL PRIMARY KEY,
    arn                  TEXT    NOT NULL,
    vendor               TEXT    NOT NULL,
    config               BLOB,
    sealed_client_secret BLOB,
    tags                 TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    version              INTEGER NOT NULL
) STRICT;
CREATE INDEX oauth2_providers_list ON oauth2_providers (created_at, name);
