-- IAM-style management permissions (store.IAMStore) and the audit trail
-- (audit.EventStore). Conventions as in 0001: INTEGER Unix microseconds,
-- JSON text maps (NULL when empty), booleans as 0/1, lists paged on
-- (created_at, key).

-- principals gains its IAM attributes, and name uniqueness becomes per kind:
-- a user and a role may share a name, as in IAM. SQLite cannot drop a column
-- constraint, so the table is rebuilt, keeping every row. The rebuild must
-- not cascade: foreign keys are on (and cannot be switched off inside the
-- migration transaction), so DROP TABLE principals would delete every access
-- key through ON DELETE CASCADE. Hence the new tables are built beside the
-- old ones, the old child (access_keys) is dropped before its parent, and
-- RENAME, which rewrites the REFERENCES clauses pointing at a renamed table,
-- gives the new tables their final names.
CREATE TABLE principals_new (
    id                 TEXT    NOT NULL PRIMARY KEY,
    kind               TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    arn                TEXT    NOT NULL,
    path               TEXT    NOT NULL,
    description        TEXT    NOT NULL,
    assume_role_policy TEXT    NOT NULL,
    disabled           INTEGER NOT NULL,
    tags               TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    UNIQUE (kind, name)
) STRICT;
INSERT INTO principals_new (id, kind, name, arn, path, description, assume_role_policy, disabled, tags,
                            created_at, updated_at, version)
    SELECT id, kind, name, arn, '/', '', '', 0, NULL, created_at, created_at, version FROM principals;

-- last_used_at is NULL until the key first authenticates a request.
CREATE TABLE access_keys_new (
    id            TEXT    NOT NULL PRIMARY KEY,
    principal_id  TEXT    NOT NULL REFERENCES principals_new (id) ON DELETE CASCADE,
    sealed_secret BLOB,
    status        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;
INSERT INTO access_keys_new (id, principal_id, sealed_secret, status, created_at, last_used_at)
    SELECT id, principal_id, sealed_secret, status, created_at, NULL FROM access_keys;

DROP TABLE access_keys;
DROP TABLE principals;
ALTER TABLE principals_new RENAME TO principals;
ALTER TABLE access_keys_new RENAME TO access_keys;

-- An empty ARN means "none" and may repeat; a set one is unique.
CREATE UNIQUE INDEX principals_arn ON principals (arn) WHERE arn <> '';
CREATE INDEX principals_list ON principals (created_at, id);
CREATE INDEX principals_kind_list ON principals (kind, created_at, id);
CREATE INDEX access_keys_principal ON access_keys (principal_id, created_at, id);

-- Customer-managed policies. Versions are numbered: version n is "v<n>".
-- default_version is the one in effect; last_version is the highest number
-- ever used, so a deleted version's id is never handed out again.
CREATE TABLE managed_policies (
    id              TEXT    NOT NULL PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    arn             TEXT    NOT NULL UNIQUE,
    path            TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    default_version INTEGER NOT NULL,
    last_version    INTEGER NOT NULL,
    tags            TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL
) STRICT;
CREATE INDEX managed_policies_list ON managed_policies (created_at, id);

CREATE TABLE policy_versions (
    policy_id  TEXT    NOT NULL REFERENCES managed_policies (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_id, number)
) STRICT;

-- Attachments name the policy by ARN and have no foreign key to
-- managed_policies: built-in policies are attached too and are not stored.
-- position orders a principal's attachments (attachment order).
CREATE TABLE policy_attachments (
    principal_id TEXT    NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    policy_arn   TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    PRIMARY KEY (principal_id, policy_arn)
) STRICT;
CREATE INDEX policy_attachments_order ON policy_attachments (principal_id, position);
CREATE INDEX policy_attachments_policy ON policy_attachments (policy_arn);

CREATE TABLE inline_policies (
    principal_id TEXT NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    document     TEXT NOT NULL,
    PRIMARY KEY (principal_id, name)
) STRICT;

-- The audit trail. event is the whole event as JSON, the source of truth;
-- the other columns are copies queries pre-filter on. seq orders events and
-- is what query cursors hold: AUTOINCREMENT never reuses a value, even once
-- retention has deleted every row, so an old cursor never skips new events.
-- event_name_key is the event name lower-cased (names match
-- case-insensitively). Identity columns are NULL when empty, so their
-- partial indexes hold only the events that carry them.
CREATE TABLE audit_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_time     INTEGER NOT NULL,
    event_name_key TEXT    NOT NULL,
    is_error       INTEGER NOT NULL,
    principal_arn  TEXT,
    access_key_id  TEXT,
    principal_id   TEXT,
    user_name      TEXT,
    sub            TEXT,
    client_id      TEXT,
    event          TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_events_time ON audit_events (event_time);
CREATE INDEX audit_events_name ON audit_events (event_name_key, seq);
CREATE INDEX audit_events_errors ON audit_events (seq) WHERE is_error = 1;
CREATE INDEX audit_events_principal_arn ON audit_events (principal_arn, seq) WHERE principal_arn IS NOT NULL;
CREATE INDEX audit_events_access_key_id ON audit_events (access_key_id, seq) WHERE access_key_id IS NOT NULL;
CREATE INDEX audit_events_principal_id ON audit_events (principal_id, seq) WHERE principal_id IS NOT NULL;
CREATE INDEX audit_events_user_name ON audit_events (user_name, seq) WHERE user_name IS NOT NULL;
CREATE INDEX audit_events_sub ON audit_events (sub, seq) WHERE sub IS NOT NULL;
CREATE INDEX audit_events_client_id ON audit_events (client_id, seq) WHERE client_id IS NOT NULL;
