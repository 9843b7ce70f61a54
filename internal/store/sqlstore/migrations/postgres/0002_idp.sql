-- The embedded identity provider, the PostgreSQL twin of
-- migrations/sqlite/0002_idp.sql: user pools with their resource servers,
-- app clients and signing keys (store.UserPoolStore). Conventions as in
-- 0001: BIGINT Unix microseconds, COLLATE "C" text, BYTEA bytes, JSON text
-- lists (NULL when empty), lists paged on (created_at, key). A pool's
-- dependents cascade with it; the store deletes them itself too, in the same
-- transaction.

CREATE TABLE user_pools (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL,
    arn        TEXT COLLATE "C" NOT NULL,
    domain     TEXT COLLATE "C" NOT NULL,
    config     BYTEA,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_pools_domain ON user_pools (domain) WHERE domain <> '';
CREATE INDEX user_pools_list ON user_pools (created_at, id);

-- scopes: JSON [{"name": ..., "description": ...}].
CREATE TABLE resource_servers (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    scopes     TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);
CREATE INDEX resource_servers_list ON resource_servers (pool_id, created_at, identifier);

-- client_id is globally unique, as Cognito client ids are. secret_hash holds
-- a salted PBKDF2 hash, never a secret. oauth_enabled is 0/1, as in SQLite,
-- so the query code is shared. access_token_validity is whole seconds,
-- 0 = default.
CREATE TABLE pool_clients (
    client_id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id               TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_name           TEXT COLLATE "C" NOT NULL,
    secret_hash           TEXT COLLATE "C" NOT NULL,
    oauth_flows           TEXT COLLATE "C",
    oauth_scopes          TEXT COLLATE "C",
    oauth_enabled         INTEGER NOT NULL,
    audience              TEXT COLLATE "C" NOT NULL,
    access_token_validity BIGINT NOT NULL,
    config                BYTEA,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    version               BIGINT NOT NULL
);
CREATE INDEX pool_clients_list ON pool_clients (pool_id, created_at, client_id);

-- sealed_private_key is the vault-sealed PKCS#8 key; not_after is NULL while
-- the key is active.
CREATE TABLE signing_keys (
    pool_id            TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    key_id             TEXT COLLATE "C" NOT NULL,
    algorithm          TEXT COLLATE "C" NOT NULL,
    sealed_private_key BYTEA,
    status             TEXT COLLATE "C" NOT NULL,
    created_at         BIGINT NOT NULL,
    not_after          BIGINT,
    version            BIGINT NOT NULL,
    PRIMARY KEY (pool_id, key_id)
);
CREATE INDEX signing_keys_list ON signing_keys (pool_id, created_at, key_id);
