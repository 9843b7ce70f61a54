-- OAuth2 credential providers (store.OAuth2ProviderStore). Conventions as in
-- 0001: BIGINT Unix microseconds, JSON text maps (NULL when empty), lists
-- paged on (created_at, name), byte-order collation. The client secret is
-- sealed by the vault before it reaches the store.
CREATE TABLE oauth2_providers (
    name                 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    arn                  TEXT COLLATE "C" NOT NULL,
    vendor               TEXT COLLATE "C" NOT NULL,
    config               BYTEA,
    sealed_client_secret BYTEA,
    tags                 TEXT COLLATE "C",
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    version              BIGINT NOT NULL
);
CREATE INDEX oauth2_providers_list ON oauth2_providers (created_at, name);
