-- The embedded identity provider: user pools with their resource servers,
-- app clients and signing keys (store.UserPoolStore). Conventions as in
-- 0001: INTEGER Unix microseconds, JSON text lists (NULL when empty), lists
-- paged on (created_at, key). A pool's dependents cascade with it; the store
-- deletes them itself too, in the same transaction.

CREATE TABLE user_pools (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    arn        TEXT    NOT NULL,
    domain     TEXT    NOT NULL,
    config     BLOB,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX user_pools_domain ON user_pools (domain) WHERE domain <> '';
CREATE INDEX user_pools_list ON user_pools (created_at, id);

-- scopes: JSON [{"name": ..., "description": ...}].
CREATE TABLE resource_servers (
    pool_id    TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    scopes     TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (pool_id, identifier)
) STRICT;
CREATE INDEX resource_servers_list ON resource_servers (pool_id, created_at, identifier);

-- client_id is globally unique, as Cognito client ids are. secret_hash holds
-- a salted PBKDF2 hash, never a secret. oauth_enabled is 0/1 (portable to a
-- BOOLEAN-less schema). access_token_validity is whole seconds, 0 = default.
CREATE TABLE pool_clients (
    client_id             TEXT    NOT NULL PRIMARY KEY,
    pool_id               TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_name           TEXT    NOT NULL,
    secret_hash           TEXT    NOT NULL,
    oauth_flows           TEXT,
    oauth_scopes          TEXT,
    oauth_enabled         INTEGER NOT NULL,
    audience              TEXT    NOT NULL,
    access_token_validity INTEGER NOT NULL,
    config                BLOB,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    version               INTEGER NOT NULL
) STRICT;
CREATE INDEX pool_clients_list ON pool_clients (pool_id, created_at, client_id);

-- sealed_private_key is the vault-sealed PKCS#8 key; not_after is NULL while
-- the key is active.
CREATE TABLE signing_keys (
    pool_id            TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    key_id             TEXT    NOT NULL,
    algorithm          TEXT    NOT NULL,
    sealed_private_key BLOB,
    status             TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    not_after          INTEGER,
    version            INTEGER NOT NULL,
    PRIMARY KEY (pool_id, key_id)
) STRICT;
CREATE INDEX signing_keys_list ON signing_keys (pool_id, created_at, key_id);
