-- AgentCore Identity (store.IdentityStore): workload identities, the token
-- vault's configuration and its versioned data keys. Conventions as in 0001:
-- INTEGER Unix microseconds, JSON text lists and maps (NULL when empty),
-- lists paged on (created_at, key).

-- gateway_id is '' for identities created directly; a gateway's identity is
-- named after the gateway and goes with it.
CREATE TABLE workload_identities (
    name        TEXT    NOT NULL PRIMARY KEY,
    gateway_id  TEXT    NOT NULL,
    return_urls TEXT,
    tags        TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
) STRICT;
CREATE INDEX workload_identities_list ON workload_identities (created_at, name);
CREATE INDEX workload_identities_gateway ON workload_identities (gateway_id) WHERE gateway_id <> '';

-- Every gateway created before this migration gets its identity.
INSERT INTO workload_identities (name, gateway_id, return_urls, tags, created_at, updated_at, version)
    SELECT id, id, NULL, NULL, created_at, created_at, 1 FROM gateways;

CREATE TABLE token_vaults (
    id          TEXT    NOT NULL PRIMARY KEY,
    key_type    TEXT    NOT NULL,
    kms_key_arn TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
) STRICT;

-- wrapped_key is the data key sealed by the key-encryption key kek names;
-- the plaintext key never reaches the store.
CREATE TABLE vault_keys (
    version     INTEGER NOT NULL PRIMARY KEY,
    key_id      TEXT    NOT NULL UNIQUE,
    kek         TEXT    NOT NULL,
    wrapped_key BLOB    NOT NULL,
    state       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
