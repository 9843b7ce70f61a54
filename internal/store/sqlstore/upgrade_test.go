package sqlstore

import (
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/store"
)

// migrateUpTo applies the first n migrations of d to db and records them,
// as a toolgate of that schema version would have: the starting point of an
// upgrade test.
func migrateUpTo(t *testing.T, db *sql.DB, d dialect, n int) {
	t.Helper()
	ms, err := loadMigrations(migrationsFS, "migrations/"+d.name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:n] {
		if _, err := db.ExecContext(t.Context(), m.sql); err != nil {
			t.Fatalf("apply %s: %v", m.name, err)
		}
		b := binder{placeholder: d.placeholder}
		if _, err := db.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, name, applied_at) VALUES ("+
			b.list(m.version, m.name, int64(0))+")", b.args...); err != nil {
			t.Fatal(err)
		}
	}
}

// upgradeFixture is what a version-2 database holds: principals with the
// version-2 columns, their keys, and a gateway that 0003 does not touch.
var upgradeFixture = []string{
	`INSERT INTO principals (id, name, arn, kind, created_at, version) VALUES
		('AIDAROOT', 'root', 'arn:aws:iam::123456789012:root', 'root', 1700000000000000, 1),
		('AIDAALICE', 'alice', 'arn:aws:iam::123456789012:user/alice', 'user', 1700000001000000, 3)`,
	`INSERT INTO access_keys (id, principal_id, sealed_secret, status, created_at) VALUES
		('AKIAROOT', 'AIDAROOT', NULL, 'Active', 1700000000000000),
		('AKIAALICE1', 'AIDAALICE', NULL, 'Active', 1700000002000000),
		('AKIAALICE2', 'AIDAALICE', NULL, 'Inactive', 1700000003000000)`,
	`INSERT INTO gateways (id, name, arn, status, client_token, request_hash, created_at, updated_at, version)
		VALUES ('gw-1', 'one', 'arn:gw', 'READY', '', '', 1700000000000000, 1700000000000000, 1)`,
}

// checkUpgraded verifies a store migrated from version 2 with the fixture:
// every row kept, with the new columns at their defaults, and the new rules
// in force.
func checkUpgraded(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	at := func(us int64) time.Time { return time.UnixMicro(us).UTC() }
	want := []store.Principal{
		{ID: "AIDAROOT", Name: "root", ARN: "arn:aws:iam::123456789012:root", Kind: "root", Path: "/",
			CreatedAt: at(1700000000000000), UpdatedAt: at(1700000000000000), Version: 1},
		{ID: "AIDAALICE", Name: "alice", ARN: "arn:aws:iam::123456789012:user/alice", Kind: "user", Path: "/",
			CreatedAt: at(1700000001000000), UpdatedAt: at(1700000001000000), Version: 3},
	}
	got, _, err := s.ListPrincipals(ctx, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("principals after the upgrade (-want +got):\n%s", d)
	}
	keys, err := s.ListAccessKeys(ctx, "AIDAALICE")
	if err != nil {
		t.Fatal(err)
	}
	wantKeys := []store.AccessKey{
		{ID: "AKIAALICE1", PrincipalID: "AIDAALICE", Status: "Active", CreatedAt: at(1700000002000000)},
		{ID: "AKIAALICE2", PrincipalID: "AIDAALICE", Status: "Inactive", CreatedAt: at(1700000003000000)},
	}
	if d := cmp.Diff(wantKeys, keys); d != "" {
		t.Errorf("alice's keys after the upgrade (-want +got):\n%s", d)
	}
	if _, err := s.GetAccessKey(ctx, "AKIAROOT"); err != nil {
		t.Errorf("root's key after the upgrade: %v", err)
	}
	if _, err := s.GetGateway(ctx, "gw-1"); err != nil {
		t.Errorf("gateway after the upgrade: %v", err)
	}

	// Names are unique per kind now, ARNs across principals.
	if _, err := s.CreatePrincipal(ctx, store.Principal{ID: "AROAALICE", Name: "alice", ARN: "arn:aws:iam::123456789012:role/alice", Kind: "role"}); err != nil {
		t.Errorf("role named like a user: %v", err)
	}
	var ce *store.ConflictError
	if _, err := s.CreatePrincipal(ctx, store.Principal{ID: "AIDAALICE2", Name: "alice", Kind: "user"}); !errors.As(err, &ce) || ce.Field != "name" {
		t.Errorf("second user alice: %v, want a name conflict", err)
	}

	// The rebuilt tables keep their foreign keys: a key cannot name a
	// missing principal, and deleting a principal takes its keys along.
	b := s.binder()
	if _, err := s.db.ExecContext(ctx, "INSERT INTO access_keys (id, principal_id, status, created_at) VALUES ("+
		b.list("AKIAORPHAN", "AIDANOBODY", "Active", int64(1))+")", b.args...); err == nil {
		t.Error("an access key of a missing principal was accepted: the foreign key is gone")
	}
	b = s.binder()
	if _, err := s.db.ExecContext(ctx, "DELETE FROM principals WHERE id = "+b.add("AIDAALICE"), b.args...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAccessKey(ctx, "AKIAALICE1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("key of a principal deleted in SQL: %v, want it cascaded away", err)
	}
}

// TestUpgradeFrom0002 opens a SQLite database created by the version-2
// schema: migration 0003 rebuilds principals and access_keys without
// losing a row (foreign keys are on, so a naive DROP TABLE principals would
// cascade to every key).
func TestUpgradeFrom0002(t *testing.T) {
	path := filepath.Join(t.TempDir(), "toolgate.db")
	source, err := prepareSQLiteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", source)
	if err != nil {
		t.Fatal(err)
	}
	migrateUpTo(t, db, sqliteDialect, 2)
	for _, q := range upgradeFixture {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	db.Close()

	s, err := Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	checkUpgraded(t, s)
	var problems int
	if err := s.db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM pragma_foreign_key_check").Scan(&problems); err != nil || problems != 0 {
		t.Errorf("foreign_key_check: %d problems (%v)", problems, err)
	}
}

// TestPostgresUpgradeFrom0002 is TestUpgradeFrom0002 on PostgreSQL, which
// alters the tables in place.
func TestPostgresUpgradeFrom0002(t *testing.T) {
	_, dsn := newTestSchema(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	migrateUpTo(t, db, postgresDialect, 2)
	for _, q := range upgradeFixture {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	db.Close()

	s := openDSN(t, dsn)
	defer s.Close()
	checkUpgraded(t, s)
}
