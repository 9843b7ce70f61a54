-- Initial schema. Timestamps are INTEGER Unix microseconds UTC; zero-able
-- timestamps are NULL when unset. Lists are JSON text, NULL when empty.
-- Empty client tokens are stored as '' and excluded from uniqueness by
-- partial indexes. Lists page on (created_at, key), hence the *_list indexes.

CREATE TABLE store_revision (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
) STRICT;
INSERT INTO store_revision (id, value) VALUES (1, 0);

CREATE TABLE settings (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE gateways (
    id             TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL UNIQUE,
    arn            TEXT    NOT NULL,
    status         TEXT    NOT NULL,
    status_reasons TEXT,
    client_token   TEXT    NOT NULL,
    request_hash   TEXT    NOT NULL,
    config         BLOB,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX gateways_client_token ON gateways (client_token) WHERE client_token <> '';
CREATE INDEX gateways_list ON gateways (created_at, id);

-- ON DELETE RESTRICT: a gateway with targets cannot be deleted; the store
-- reports that as a conflict before the constraint would fire.
CREATE TABLE targets (
    gateway_id           TEXT    NOT NULL REFERENCES gateways (id) ON DELETE RESTRICT,
    id                   TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    status_reasons       TEXT,
    client_token         TEXT    NOT NULL,
    request_hash         TEXT    NOT NULL,
    config               BLOB,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    last_synchronized_at INTEGER,
    version              INTEGER NOT NULL,
    PRIMARY KEY (gateway_id, id),
    UNIQUE (gateway_id, name)
) STRICT;
CREATE UNIQUE INDEX targets_client_token ON targets (gateway_id, client_token) WHERE client_token <> '';
CREATE INDEX targets_list ON targets (gateway_id, created_at, id);

CREATE TABLE api_key_providers (
    name       TEXT    NOT NULL PRIMARY KEY,
    arn        TEXT    NOT NULL,
    sealed_key BLOB,
    tags       TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
) STRICT;
CREATE INDEX api_key_providers_list ON api_key_providers (created_at, name);

CREATE TABLE principals (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    arn        TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
) STRICT;
CREATE INDEX principals_list ON principals (created_at, id);

-- ON DELETE CASCADE backs up DeletePrincipal, which deletes the keys itself.
CREATE TABLE access_keys (
    id            TEXT    NOT NULL PRIMARY KEY,
    principal_id  TEXT    NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    sealed_secret BLOB,
    status        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX access_keys_principal ON access_keys (principal_id, created_at, id);
