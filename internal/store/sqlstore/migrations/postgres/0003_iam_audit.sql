-- IAM-style management permissions (store.IAMStore) and the audit trail
-- (audit.EventStore), the PostgreSQL twin of
-- migrations/sqlite/0003_iam_audit.sql. Conventions as in 0001: BIGINT Unix
-- microseconds, COLLATE "C" text, JSON text maps (NULL when empty), booleans
-- as INTEGER 0/1 (as in SQLite), lists paged on (created_at, key).

-- principals gains its IAM attributes, and name uniqueness becomes per kind:
-- a user and a role may share a name, as in IAM. PostgreSQL alters the table
-- in place; the defaults only fill the existing rows and are dropped after,
-- so that, as in SQLite, an insert that forgets a column fails.
ALTER TABLE principals DROP CONSTRAINT principals_name_key;
ALTER TABLE principals
    ADD COLUMN path               TEXT COLLATE "C" NOT NULL DEFAULT '/',
    ADD COLUMN description        TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN assume_role_policy TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN disabled           INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN tags               TEXT COLLATE "C",
    ADD COLUMN updated_at         BIGINT;
UPDATE principals SET updated_at = created_at;
ALTER TABLE principals
    ALTER COLUMN path DROP DEFAULT,
    ALTER COLUMN description DROP DEFAULT,
    ALTER COLUMN assume_role_policy DROP DEFAULT,
    ALTER COLUMN disabled DROP DEFAULT,
    ALTER COLUMN updated_at SET NOT NULL,
    ADD CONSTRAINT principals_kind_name UNIQUE (kind, name);
-- An empty ARN means "none" and may repeat; a set one is unique.
CREATE UNIQUE INDEX principals_arn ON principals (arn) WHERE arn <> '';
CREATE INDEX principals_kind_list ON principals (kind, created_at, id);

-- last_used_at is NULL until the key first authenticates a request.
ALTER TABLE access_keys ADD COLUMN last_used_at BIGINT;

-- Customer-managed policies. Versions are numbered: version n is "v<n>".
-- default_version is the one in effect; last_version is the highest number
-- ever used, so a deleted version's id is never handed out again.
CREATE TABLE managed_policies (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name            TEXT COLLATE "C" NOT NULL UNIQUE,
    arn             TEXT COLLATE "C" NOT NULL UNIQUE,
    path            TEXT COLLATE "C" NOT NULL,
    description     TEXT COLLATE "C" NOT NULL,
    default_version BIGINT NOT NULL,
    last_version    BIGINT NOT NULL,
    tags            TEXT COLLATE "C",
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL
);
CREATE INDEX managed_policies_list ON managed_policies (created_at, id);

CREATE TABLE policy_versions (
    policy_id  TEXT COLLATE "C" NOT NULL REFERENCES managed_policies (id) ON DELETE CASCADE,
    number     BIGINT NOT NULL,
    document   TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, number)
);

-- Attachments name the policy by ARN and have no foreign key to
-- managed_policies: built-in policies are attached too and are not stored.
-- position orders a principal's attachments (attachment order).
CREATE TABLE policy_attachments (
    principal_id TEXT COLLATE "C" NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    policy_arn   TEXT COLLATE "C" NOT NULL,
    position     BIGINT NOT NULL,
    PRIMARY KEY (principal_id, policy_arn)
);
CREATE INDEX policy_attachments_order ON policy_attachments (principal_id, position);
CREATE INDEX policy_attachments_policy ON policy_attachments (policy_arn);

CREATE TABLE inline_policies (
    principal_id TEXT COLLATE "C" NOT NULL REFERENCES principals (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    document     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (principal_id, name)
);

-- The audit trail. event is the whole event as JSON text (not jsonb, which
-- would reorder keys), the source of truth; the other columns are copies
-- queries pre-filter on. seq orders events and is what query cursors hold;
-- appends are serialised (see auditevents.go) so that seq order is commit
-- order. event_name_key is the event name lower-cased (names match
-- case-insensitively). Identity columns are NULL when empty, so their
-- partial indexes hold only the events that carry them.
CREATE TABLE audit_events (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_time     BIGINT NOT NULL,
    event_name_key TEXT COLLATE "C" NOT NULL,
    is_error       INTEGER NOT NULL,
    principal_arn  TEXT COLLATE "C",
    access_key_id  TEXT COLLATE "C",
    principal_id   TEXT COLLATE "C",
    user_name      TEXT COLLATE "C",
    sub            TEXT COLLATE "C",
    client_id      TEXT COLLATE "C",
    event          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (event_time);
CREATE INDEX audit_events_name ON audit_events (event_name_key, seq);
CREATE INDEX audit_events_errors ON audit_events (seq) WHERE is_error = 1;
CREATE INDEX audit_events_principal_arn ON audit_events (principal_arn, seq) WHERE principal_arn IS NOT NULL;
CREATE INDEX audit_events_access_key_id ON audit_events (access_key_id, seq) WHERE access_key_id IS NOT NULL;
CREATE INDEX audit_events_principal_id ON audit_events (principal_id, seq) WHERE principal_id IS NOT NULL;
CREATE INDEX audit_events_user_name ON audit_events (user_name, seq) WHERE user_name IS NOT NULL;
CREATE INDEX audit_events_sub ON audit_events (sub, seq) WHERE sub IS NOT NULL;
CREATE INDEX audit_events_client_id ON audit_events (client_id, seq) WHERE client_id IS NOT NULL;
