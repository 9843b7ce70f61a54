-- AgentCore Identity (store.IdentityStore), the PostgreSQL twin of
-- migrations/sqlite/0005_identity.sql: workload identities, the token
-- vault's configuration and its versioned data keys. Conventions as in 0001:
-- BIGINT Unix microseconds, JSON text lists and maps (NULL when empty),
-- lists paged on (created_at, key), byte-order collation.

-- gateway_id is '' for identities created directly; a gateway's identity is
-- named after the gateway and goes with it.
CREATE TABLE workload_identities (
    name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    gateway_id  TEXT COLLATE "C" NOT NULL,
    return_urls TEXT COLLATE "C",
    tags        TEXT COLLATE "C",
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX workload_identities_list ON workload_identities (created_at, name);
CREATE INDEX workload_identities_gateway ON workload_identities (gateway_id) WHERE gateway_id <> '';

-- Every gateway created before this migration gets its identity.
INSERT INTO workload_identities (name, gateway_id, return_urls, tags, created_at, updated_at, version)
    SELECT id, id, NULL, NULL, created_at, created_at, 1 FROM gateways;

CREATE TABLE token_vaults (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    key_type    TEXT COLLATE "C" NOT NULL,
    kms_key_arn TEXT COLLATE "C" NOT NULL,
    updated_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);

-- wrapped_key is the data key sealed by the key-encryption key kek names;
-- the plaintext key never reaches the store.
CREATE TABLE vault_keys (
    version     BIGINT NOT NULL PRIMARY KEY,
    key_id      TEXT COLLATE "C" NOT NULL UNIQUE,
    kek         TEXT COLLATE "C" NOT NULL,
    wrapped_key BYTEA  NOT NULL,
    state       TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL
);
