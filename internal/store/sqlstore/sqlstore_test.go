package sqlstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/storetest"
)

// openDSN opens the store at dsn or fails the test.
func openDSN(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func tempDSN(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "toolgate.db") }

func openTemp(t *testing.T) *Store { return openDSN(t, tempDSN(t)) }

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestOpenRejectsBadDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		want string // part of the error
	}{
		{"", "must start with a scheme"},
		{"toolgate.db", "must start with a scheme"},
		{"/tmp/toolgate.db", "must start with a scheme"},
		{"sqlite:toolgate.db", "must start with a scheme"},
		{"://toolgate.db", "must start with a scheme"},
		{"sqlite://", "has no path"},
		{"sqlite://./x.db?_txlock=deferred", "no query parameters"},
		{"sqlite://./x.db#frag", "no query parameters"},
		{"mysql://user:hunter2@db/toolgate", `unsupported store DSN scheme "mysql"`},
		{"postgres://toolgate:hunter2@127.0.0.1:99999/toolgate", "invalid postgres store DSN"},
		{"postgresql://toolgate:hunter2@[::1/toolgate", "not a valid URL"},
	}
	for _, tc := range tests {
		t.Run(tc.dsn, func(t *testing.T) {
			s, err := Open(t.Context(), tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tc.dsn)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%q) error = %q, want it to contain %q", tc.dsn, err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("Open(%q) error %q leaks the DSN's password", tc.dsn, err)
			}
		})
	}
}

// TestOpenRelativePath: the documented default DSN is relative to the
// working directory, and its directories are created.
func TestOpenRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := Open(t.Context(), "sqlite://./toolgate-data/nested/toolgate.db")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := s.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "toolgate-data", "nested", "toolgate.db")); err != nil {
		t.Errorf("database file not at the relative path: %v", err)
	}
}

// TestFileModes: the store holds sealed credentials, so nothing it creates
// is readable by other users: the directory 0700, the database and its WAL
// files 0600.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "toolgate.db")
	s, err := Open(t.Context(), "sqlite://"+path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := s.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	wantMode := map[string]fs.FileMode{dir: 0o700 | fs.ModeDir, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for p, want := range wantMode {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", p, err)
			continue
		}
		if got := fi.Mode() & (fs.ModePerm | fs.ModeDir); got != want {
			t.Errorf("%s mode = %v, want %v", filepath.Base(p), got, want)
		}
	}
}

type migrationRow struct {
	Version   int
	Name      string
	AppliedAt int64
}

func migrationRows(t *testing.T, s *Store) []migrationRow {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var r migrationRow
		if err := rows.Scan(&r.Version, &r.Name, &r.AppliedAt); err != nil {
			t.Fatalf("scan schema_migrations: %v", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return out
}

// TestReopen: data, revision and the migration record survive a restart,
// and migrations are not applied again (they would fail on existing tables).
func TestReopen(t *testing.T) { testReopen(t, tempDSN(t), "migrations/sqlite") }

// testReopen is TestReopen on the (empty) database at dsn, whose migrations
// are in dir.
func testReopen(t *testing.T, dsn, dir string) {
	s := openDSN(t, dsn)
	g, err := s.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one", Config: []byte{0xff, 0x00}})
	if err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	if _, err := s.InitSetting(t.Context(), "account-id", "123456789012"); err != nil {
		t.Fatalf("InitSetting: %v", err)
	}
	rev, err := s.Revision(t.Context())
	if err != nil {
		t.Fatalf("Revision: %v", err)
	}
	applied := migrationRows(t, s)
	ms, err := loadMigrations(migrationsFS, dir)
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	if len(applied) != len(ms) {
		t.Fatalf("%d migrations recorded, want %d", len(applied), len(ms))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = openDSN(t, dsn)
	defer s.Close()
	got, err := s.GetGateway(t.Context(), "gw-1")
	if err != nil {
		t.Fatalf("GetGateway after reopen: %v", err)
	}
	if d := cmp.Diff(g, got); d != "" {
		t.Errorf("gateway after reopen (-want +got):\n%s", d)
	}
	if v, err := s.GetSetting(t.Context(), "account-id"); err != nil || v != "123456789012" {
		t.Errorf("setting after reopen = %q, %v", v, err)
	}
	if r, err := s.Revision(t.Context()); err != nil || r != rev {
		t.Errorf("Revision after reopen = %d, %v; want %d", r, err, rev)
	}
	if d := cmp.Diff(applied, migrationRows(t, s)); d != "" {
		t.Errorf("schema_migrations changed on reopen (-before +after):\n%s", d)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) { testRefusesNewerSchema(t, tempDSN(t)) }

// testRefusesNewerSchema: Open refuses the database at dsn once it records
// a migration this toolgate does not know.
func testRefusesNewerSchema(t *testing.T, dsn string) {
	s := openDSN(t, dsn)
	if _, err := s.db.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatalf("insert: %v", err)
	}
	s.Close()
	s, err := Open(t.Context(), dsn)
	if err == nil {
		s.Close()
		t.Fatal("Open of a database from a newer toolgate succeeded")
	}
	if !strings.Contains(err.Error(), "newer than this toolgate supports") {
		t.Errorf("error = %v, want a schema version explanation", err)
	}
}

// TestTwoStoresOneFile: two Store values on one file stand in for two
// processes. Their writers contend in SQLite itself, not in the in-process
// queue, and must still neither fail with SQLITE_BUSY nor lose updates:
// BEGIN IMMEDIATE plus busy_timeout make them wait their turn.
func TestTwoStoresOneFile(t *testing.T) { testTwoStores(t, tempDSN(t)) }

// testTwoStores: concurrent updates of one gateway through two stores on
// the database at dsn all apply, each bumping Version and Revision once.
func testTwoStores(t *testing.T, dsn string) {
	a := openDSN(t, dsn)
	defer a.Close()
	b := openDSN(t, dsn)
	defer b.Close()
	if _, err := a.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	const perStore = 10
	var wg sync.WaitGroup
	errs := make(chan error, 2*perStore)
	for i := range 2 * perStore {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			_, err := s.UpdateGateway(t.Context(), "gw-1", func(g store.Gateway) (store.Gateway, error) {
				g.StatusReasons = append(g.StatusReasons, fmt.Sprint(i))
				return g, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("UpdateGateway: %v", err)
		}
	}
	g, err := b.GetGateway(t.Context(), "gw-1")
	if err != nil {
		t.Fatalf("GetGateway: %v", err)
	}
	if len(g.StatusReasons) != 2*perStore || g.Version != 1+2*perStore {
		t.Errorf("after %d updates: %d reasons, Version %d", 2*perStore, len(g.StatusReasons), g.Version)
	}
	ra, _ := a.Revision(t.Context())
	rb, _ := b.Revision(t.Context())
	if ra != rb || ra != 1+2*perStore {
		t.Errorf("Revision seen by a = %d, by b = %d, want %d", ra, rb, 1+2*perStore)
	}
}

// TestCreateRequiresKeys: an entity without its key is refused before any
// write, and not reported as a conflict or a missing entity.
func TestCreateRequiresKeys(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	if _, err := s.CreateGateway(ctx, store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePrincipal(ctx, store.Principal{ID: "AIDA1", Name: "alice", Kind: store.PrincipalUser}); err != nil {
		t.Fatal(err)
	}
	rev, _ := s.Revision(ctx)
	ops := map[string]error{
		"gateway without id":           second(s.CreateGateway(ctx, store.Gateway{Name: "x"})),
		"gateway without name":         second(s.CreateGateway(ctx, store.Gateway{ID: "x"})),
		"target without id":            second(s.CreateTarget(ctx, store.Target{GatewayID: "gw-1", Name: "x"})),
		"target without name":          second(s.CreateTarget(ctx, store.Target{GatewayID: "gw-1", ID: "x"})),
		"provider without name":        second(s.CreateAPIKeyProvider(ctx, store.APIKeyProvider{})),
		"principal without id":         second(s.CreatePrincipal(ctx, store.Principal{Name: "x", Kind: store.PrincipalUser})),
		"principal without kind":       second(s.CreatePrincipal(ctx, store.Principal{ID: "AIDA2", Name: "x"})),
		"principal of unknown kind":    second(s.CreatePrincipal(ctx, store.Principal{ID: "AIDA2", Name: "x", Kind: "group"})),
		"access key without status":    second(s.CreateAccessKey(ctx, store.AccessKey{ID: "AKIA1", PrincipalID: "AIDA1"})),
		"access key without id":        second(s.CreateAccessKey(ctx, store.AccessKey{PrincipalID: "AIDA1"})),
		"setting without key":          second(s.InitSetting(ctx, "", "v")),
		"update gateway to no name":    second(s.UpdateGateway(ctx, "gw-1", func(g store.Gateway) (store.Gateway, error) { g.Name = ""; return g, nil })),
		"access key without principal": second(s.CreateAccessKey(ctx, store.AccessKey{ID: "AKIA1"})),
	}
	for what, err := range ops {
		if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: error = %v, want a plain validation error", what, err)
		}
	}
	if r, _ := s.Revision(ctx); r != rev {
		t.Errorf("Revision %d -> %d after refused writes", rev, r)
	}
}

func second[T any](_ T, err error) error { return err }

func TestLoadMigrations(t *testing.T) {
	sqlFile := &fstest.MapFile{Data: []byte("SELECT 1;")}
	tests := []struct {
		name  string
		files fstest.MapFS
		want  []int  // versions, when loading succeeds
		err   string // part of the error otherwise
	}{
		{"ordered by number", fstest.MapFS{"m/0002_b.sql": sqlFile, "m/0001_a.sql": sqlFile, "m/README.md": sqlFile}, []int{1, 2}, ""},
		{"gap", fstest.MapFS{"m/0001_a.sql": sqlFile, "m/0003_c.sql": sqlFile}, nil, "expected version 2"},
		{"duplicate", fstest.MapFS{"m/0001_a.sql": sqlFile, "m/0001_b.sql": sqlFile}, nil, "expected version 2"},
		{"bad name", fstest.MapFS{"m/init.sql": sqlFile}, nil, "NNNN_description.sql"},
		{"zero", fstest.MapFS{"m/0000_a.sql": sqlFile}, nil, "NNNN_description.sql"},
		{"empty", fstest.MapFS{"m/README.md": sqlFile}, nil, "no migrations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := loadMigrations(tc.files, "m")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadMigrations: %v", err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("versions = %v, want %v", got, tc.want)
			}
		})
	}

	// The embedded migrations themselves are well formed.
	if _, err := loadMigrations(migrationsFS, "migrations/sqlite"); err != nil {
		t.Errorf("embedded sqlite migrations: %v", err)
	}
}

func TestCursor(t *testing.T) {
	c, err := decodeCursor("")
	if err != nil || c != nil {
		t.Errorf(`decodeCursor("") = %v, %v; want the first page`, c, err)
	}
	at := fromMicros(1_780_000_000_123_456)
	c, err = decodeCursor(encodeCursor(at, "gw-ü/1"))
	if err != nil {
		t.Fatalf("decode of an encoded cursor: %v", err)
	}
	if c.At != at.UnixMicro() || c.Key != "gw-ü/1" {
		t.Errorf("cursor round trip = %+v", c)
	}
	for _, bad := range []string{"x", "e30", "eyJ0IjoxfQ", `{"t":1,"k":"a"}`, "eyJ0IjoxLCJrIjoiYSIsIngiOjF9"} {
		if _, err := decodeCursor(bad); !errors.Is(err, errBadCursor) {
			t.Errorf("decodeCursor(%q) error = %v, want errBadCursor", bad, err)
		}
	}
}

func TestBinder(t *testing.T) {
	b := binder{placeholder: func(n int) string { return fmt.Sprintf("$%d", n) }}
	q := "UPDATE t SET " + b.set([]string{"a", "b"}, 1, "two") + " WHERE id IN (" + b.list("x", "y") + ")"
	if want := "UPDATE t SET a = $1, b = $2 WHERE id IN ($3, $4)"; q != want {
		t.Errorf("query = %q, want %q", q, want)
	}
	if d := cmp.Diff([]any{1, "two", "x", "y"}, b.args); d != "" {
		t.Errorf("args (-want +got):\n%s", d)
	}
}

// TestUpdatedAtMovesForward: UpdatedAt orders writes even when the clock
// does not move between them or steps back, which storetest cannot provoke
// from outside.
func TestUpdatedAtMovesForward(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx := t.Context()
	clock := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	g, err := s.CreateGateway(ctx, store.Gateway{ID: "gw-1", Name: "one"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateAPIKeyProvider(ctx, store.APIKeyProvider{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTarget(ctx, store.Target{GatewayID: "gw-1", ID: "TGT0000001", Name: "t"}); err != nil {
		t.Fatal(err)
	}
	prev := map[string]time.Time{"gateway": g.UpdatedAt, "provider": p.UpdatedAt, "target": g.UpdatedAt}
	for i := range 3 {
		if i == 2 {
			clock = clock.Add(-time.Hour) // the clock steps back
		}
		g, err := s.UpdateGateway(ctx, "gw-1", func(g store.Gateway) (store.Gateway, error) { return g, nil })
		if err != nil {
			t.Fatal(err)
		}
		tg, err := s.UpdateTarget(ctx, "gw-1", "TGT0000001", func(tg store.Target) (store.Target, error) { return tg, nil })
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.UpdateAPIKeyProvider(ctx, "p", func(p store.APIKeyProvider) (store.APIKeyProvider, error) { return p, nil })
		if err != nil {
			t.Fatal(err)
		}
		for what, ts := range map[string]time.Time{"gateway": g.UpdatedAt, "target": tg.UpdatedAt, "provider": p.UpdatedAt} {
			if !ts.After(prev[what]) {
				t.Errorf("update %d: %s UpdatedAt %v not after %v", i, what, ts, prev[what])
			}
			prev[what] = ts
		}
	}
}
