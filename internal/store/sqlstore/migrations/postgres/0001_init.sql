-- Initial schema, the PostgreSQL twin of migrations/sqlite/0001_init.sql.
-- Timestamps are BIGINT Unix microseconds UTC, as in SQLite, so both
-- backends share the query and codec code; zero-able timestamps are NULL when
-- unset. Lists are JSON text, NULL when empty. Opaque bytes are BYTEA.
-- Every text column uses COLLATE "C" so that ORDER BY and the keyset cursor
-- comparisons (key > $n) order bytes exactly as SQLite's BINARY collation
-- does, whatever the database's default collation is.
-- Empty client tokens are stored as '' and excluded from uniqueness by
-- partial indexes. Lists page on (created_at, key), hence the *_list indexes.

CREATE TABLE store_revision (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    value BIGINT  NOT NULL
);
INSERT INTO store_revision (id, value) VALUES (1, 0);

CREATE TABLE settings (
    key   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE gateways (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL UNIQUE,
    arn            TEXT COLLATE "C" NOT NULL,
    status         TEXT COLLATE "C" NOT NULL,
    status_reasons TEXT COLLATE "C",
    client_token   TEXT COLLATE "C" NOT NULL,
    request_hash   TEXT COLLATE "C" NOT NULL,
    config         BYTEA,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL
);
CREATE UNIQUE INDEX gateways_client_token ON gateways (client_token) WHERE client_token <> '';
CREATE INDEX gateways_list ON gateways (created_at, id);

-- ON DELETE RESTRICT: a gateway with targets cannot be deleted; the store
-- reports that as a conflict before the constraint would fire.
CREATE TABLE targets (
    gateway_id           TEXT COLLATE "C" NOT NULL REFERENCES gateways (id) ON DELETE RESTRICT,
    id                   TEXT COLLATE "C" NOT NULL,
    name                 TEXT COLLATE "C" NOT NULL,
    status               TEXT COLLATE "C" NOT NULL,
    status_reasons       TEXT COLLATE "C",
    client_token         TEXT COLLATE "C" NOT NULL,
    request_hash         TEXT COLLATE "C" NOT NULL,
    config               BYTEA,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    last_synchronized_at BIGINT,
    version              BIGINT NOT NULL,
    PRIMARY KEY (gateway_id, id),
    UNIQUE (gateway_id, name)
);
CREATE UNIQUE INDEX targets_client_token ON targets (gateway_id, client_token) WHERE client_token <> '';
CREATE INDEX targets_list ON targets (gateway_id, created_at, id);

CREATE TABLE api_key_providers (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    arn        TEXT COLLATE "C" NOT NULL,
    sealed_key BYTEA,
    tags       TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL
);
CREATE INDEX api_key_providers_list ON api_key_providers (created_at, name);

CREATE TABLE principals (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    arn        TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    version    BIGINT NOT NULL
);
CREATE INDEX principals_list ON principals (created_at, id);

-- ON DELETE CASCADE backs up DeletePrincipal, which deletes the keys itself.
CREATE TABLE access_keys (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    principal_id  TEXT COLLATE "C" NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    sealed_secret BYTEA,
    status        TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX access_keys_principal ON access_keys (principal_id, created_at, id);
