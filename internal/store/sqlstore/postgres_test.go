package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/storetest"
)

// The PostgreSQL tests run against the server CI provides on this machine.
// TOOLGATE_TEST_POSTGRES_DSN points them at another one. When the server
// cannot be reached they skip, unless TOOLGATE_REQUIRE_POSTGRES=1 (set by
// CI), which turns that into a failure: a CI run must not go green because
// the database was missing.
const defaultTestPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testPostgresDSN() string {
	if dsn := os.Getenv("TOOLGATE_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return defaultTestPostgresDSN
}

var pgAdmin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// postgresAdmin returns a connection pool to the test server for creating
// and dropping schemas, or skips (fails, when required) the test.
func postgresAdmin(t *testing.T) *sql.DB {
	t.Helper()
	pgAdmin.once.Do(func() {
		dsn := testPostgresDSN()
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			pgAdmin.err = err
			return
		}
		db.SetMaxOpenConns(4)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			pgAdmin.err = err
			return
		}
		pgAdmin.db = db
	})
	if pgAdmin.err != nil {
		where := redactedDSN(testPostgresDSN())
		if os.Getenv("TOOLGATE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (TOOLGATE_REQUIRE_POSTGRES=1) but not reachable at %s: %v", where, pgAdmin.err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set TOOLGATE_REQUIRE_POSTGRES=1 to fail instead): %v", where, pgAdmin.err)
	}
	return pgAdmin.db
}

func redactedDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

// newTestSchema creates an empty schema with a random name, dropped with
// everything in it when the test ends, and returns it with a store DSN whose
// search_path is that schema. Every store a test opens lives in a schema of
// its own, so parallel tests and concurrent test runs never see each other.
func newTestSchema(t *testing.T) (schema, dsn string) {
	t.Helper()
	admin := postgresAdmin(t)
	var rnd [8]byte
	rand.Read(rnd[:])
	schema = "toolgate_test_" + hex.EncodeToString(rnd[:])
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(testPostgresDSN())
	if err != nil {
		t.Fatalf("parse test DSN: %v", err)
	}
	q := u.Query()
	q.Set("options", "-c search_path="+schema)
	// pgx takes '+' literally in parameters, so spaces must be %20.
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20")
	return schema, u.String()
}

func TestPostgresStoreSuite(t *testing.T) {
	postgresAdmin(t) // skip (or fail) once, not in every subtest
	storetest.Run(t, func(t *testing.T) store.Store {
		_, dsn := newTestSchema(t)
		return openDSN(t, dsn)
	})
}

// TestPostgresConcurrentOpen: replicas starting together on a fresh schema
// all open it, and the advisory lock makes them apply each migration once
// (without it, concurrent CREATE TABLEs fail on the catalog's unique
// indexes, or the second INSERT INTO schema_migrations on its key).
func TestPostgresConcurrentOpen(t *testing.T) {
	_, dsn := newTestSchema(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), dsn)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	for _, s := range stores {
		if s != nil {
			defer s.Close()
		}
	}
	if t.Failed() {
		return
	}
	ms, err := loadMigrations(migrationsFS, "migrations/postgres")
	if err != nil {
		t.Fatalf("loadMigrations: %v", err)
	}
	rows := migrationRows(t, stores[0])
	var versions []int
	for _, r := range rows {
		versions = append(versions, r.Version)
	}
	var want []int
	for _, m := range ms {
		want = append(want, m.version)
	}
	if !slices.Equal(versions, want) {
		t.Errorf("schema_migrations versions = %v, want %v", versions, want)
	}
	// Every replica works on the same tables.
	if _, err := stores[1].CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	if _, err := stores[n-1].GetGateway(t.Context(), "gw-1"); err != nil {
		t.Errorf("GetGateway through another replica: %v", err)
	}
}

// TestPostgresReopen: data, revision and the migration record survive a
// restart, and migrations are not applied again.
func TestPostgresReopen(t *testing.T) {
	_, dsn := newTestSchema(t)
	testReopen(t, dsn, "migrations/postgres")
}

func TestPostgresRefusesNewerSchema(t *testing.T) {
	_, dsn := newTestSchema(t)
	testRefusesNewerSchema(t, dsn)
}

// TestPostgresSchemasIsolated: two stores in two schemas of one database
// share nothing, which is what lets test runs (and installations) coexist.
func TestPostgresSchemasIsolated(t *testing.T) {
	_, dsnA := newTestSchema(t)
	_, dsnB := newTestSchema(t)
	a := openDSN(t, dsnA)
	defer a.Close()
	b := openDSN(t, dsnB)
	defer b.Close()
	if _, err := a.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	if _, err := b.GetGateway(t.Context(), "gw-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetGateway in the other schema: err = %v, want ErrNotFound", err)
	}
	if r, err := b.Revision(t.Context()); err != nil || r != 0 {
		t.Errorf("Revision of the other schema = %d, %v; want 0", r, err)
	}
}

// TestPostgresTwoStores: two Store values on one schema stand in for two
// replicas. Their read-modify-writes contend on the row lock in PostgreSQL,
// not in process, and lose no update.
func TestPostgresTwoStores(t *testing.T) {
	_, dsn := newTestSchema(t)
	testTwoStores(t, dsn)
}

// TestPostgresConcurrentRotation: rotations of one pool from two replicas
// leave exactly one active key (the pool row lock orders them).
func TestPostgresConcurrentRotation(t *testing.T) {
	_, dsn := newTestSchema(t)
	a := openDSN(t, dsn)
	defer a.Close()
	b := openDSN(t, dsn)
	defer b.Close()
	ctx := t.Context()
	if _, err := a.CreateUserPool(ctx, store.UserPool{ID: "us-east-1_pool", Name: "p"},
		store.SigningKey{KeyID: "k0", Algorithm: "RS256", SealedPrivateKey: []byte{1}}); err != nil {
		t.Fatalf("CreateUserPool: %v", err)
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			_, errs[i] = s.RotateSigningKey(ctx, store.SigningKey{PoolID: "us-east-1_pool", KeyID: fmt.Sprintf("k%d", i+1),
				Algorithm: "RS256", SealedPrivateKey: []byte{byte(i)}}, time.Now().Add(time.Hour))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("RotateSigningKey: %v", err)
	}
	keys, err := a.ListSigningKeys(ctx, "us-east-1_pool")
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	active := 0
	for _, k := range keys {
		if k.Status == store.SigningKeyActive {
			active++
		}
	}
	if len(keys) != n+1 || active != 1 {
		t.Errorf("%d keys, %d active after %d concurrent rotations; want %d keys, 1 active", len(keys), active, n, n+1)
	}
}

// TestPostgresByteOrder: keys order by bytes, as in SQLite, whatever the
// database's default collation: cursors and list order agree across
// backends.
func TestPostgresByteOrder(t *testing.T) {
	_, dsn := newTestSchema(t)
	s := openDSN(t, dsn)
	defer s.Close()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ids := []string{"b", "B", "a", "_a", "Z", "a-b", "ab", "é", "A"}
	for i, id := range ids {
		if _, err := s.CreateGateway(t.Context(), store.Gateway{ID: id, Name: fmt.Sprint("gw", i), CreatedAt: at}); err != nil {
			t.Fatalf("CreateGateway %q: %v", id, err)
		}
	}
	var got []string
	p := store.Page{Limit: 2}
	for {
		items, next, err := s.ListGateways(t.Context(), p)
		if err != nil {
			t.Fatalf("ListGateways: %v", err)
		}
		for _, g := range items {
			got = append(got, g.ID)
		}
		if next == "" {
			break
		}
		p.After = next
	}
	want := slices.Clone(ids)
	slices.Sort(want) // Go compares strings bytewise
	if !slices.Equal(got, want) {
		t.Errorf("list order = %q, want byte order %q", got, want)
	}
}

// TestPostgresUniqueViolation: a duplicate the store's checks did not
// predict (here: a row written behind the store's back) is recognised by
// its SQLSTATE.
func TestPostgresUniqueViolation(t *testing.T) {
	_, dsn := newTestSchema(t)
	s := openDSN(t, dsn)
	defer s.Close()
	insert := `INSERT INTO settings (key, value) VALUES ('k', 'v')`
	if _, err := s.db.ExecContext(t.Context(), insert); err != nil {
		t.Fatalf("insert: %v", err)
	}
	_, err := s.db.ExecContext(t.Context(), insert)
	if err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	if !s.d.isUniqueViolation(err) || !s.d.mustRetry(err) {
		t.Errorf("duplicate insert error %v not recognised as a unique violation", err)
	}
	if s.d.isUniqueViolation(errors.New("23505")) || s.d.isUniqueViolation(nil) {
		t.Error("isUniqueViolation matched a non-PostgreSQL error")
	}
}

// TestPostgresRetriesConcurrencyFailures: serialisation failures and
// deadlocks run the transaction again; after maxAttempts the caller gets a
// conflict; other errors, an Update callback's included, are not retried.
func TestPostgresRetriesConcurrencyFailures(t *testing.T) {
	_, dsn := newTestSchema(t)
	s := openDSN(t, dsn)
	defer s.Close()
	ctx := t.Context()
	for _, code := range []string{pgSerializationFailure, pgDeadlockDetected} {
		attempts := 0
		err := s.mutate(ctx, func(tx *sql.Tx) error {
			attempts++
			if attempts < 3 {
				return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code, Message: "injected"})
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, 'v')`, code)
			return err
		})
		if err != nil || attempts != 3 {
			t.Errorf("SQLSTATE %s: err = %v after %d attempts, want success on the 3rd", code, err, attempts)
		}
		if v, err := s.GetSetting(ctx, code); err != nil || v != "v" {
			t.Errorf("SQLSTATE %s: setting = %q, %v", code, v, err)
		}
	}

	attempts := 0
	err := s.mutate(ctx, func(*sql.Tx) error {
		attempts++
		return &pgconn.PgError{Code: pgSerializationFailure}
	})
	if !errors.Is(err, store.ErrConflict) || attempts != maxAttempts {
		t.Errorf("persistent serialisation failure: err = %v after %d attempts, want ErrConflict after %d", err, attempts, maxAttempts)
	}

	attempts = 0
	errCallback := errors.New("callback says no")
	_, err = s.UpdateGateway(ctx, "missing", func(g store.Gateway) (store.Gateway, error) { return g, errCallback })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateGateway of a missing gateway: err = %v", err)
	}
	if _, err := s.CreateGateway(ctx, store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.UpdateGateway(ctx, "gw-1", func(g store.Gateway) (store.Gateway, error) {
		attempts++
		return g, errCallback
	})
	if err != errCallback || attempts != 1 {
		t.Errorf("UpdateGateway callback error: err = %v after %d attempts, want it unchanged after 1", err, attempts)
	}
}

// TestPostgresDSN: both schemes select the PostgreSQL dialect; a DSN pgx
// refuses is an error that never shows the password, whether it sits in the
// user info or in a password parameter.
func TestPostgresDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://toolgate:hunter2@db.example:5432/toolgate?sslmode=require",
		"postgresql://toolgate@db.example/toolgate",
		"POSTGRES://db.example/toolgate",
	} {
		d, rest, err := parseDSN(dsn)
		if err != nil || d.name != "postgres" || rest != dsn {
			t.Errorf("parseDSN(%q) = %q, %q, %v; want the postgres dialect and the whole DSN", dsn, d.name, rest, err)
			continue
		}
		wantSource := strings.Replace(dsn, "POSTGRES://", "postgres://", 1)
		if source, err := d.dataSource(rest); err != nil || source != wantSource {
			t.Errorf("dataSource(%q) = %q, %v; want %q", dsn, source, err, wantSource)
		}
	}
	if got := postgresDialect.placeholder(12); got != "$12" {
		t.Errorf("placeholder(12) = %q", got)
	}

	tests := []struct {
		dsn  string
		want string // part of the error
	}{
		{"postgres://toolgate:hunter2@[::1/toolgate", "not a valid URL"},
		{"postgres://toolgate:hunter2@db:port/toolgate", "not a valid URL"},
		{"postgres://toolgate:hunter2@db:99999/toolgate", "invalid postgres store DSN"},
		{"postgresql://toolgate:hunter2@db/toolgate?sslmode=bogus", "invalid postgres store DSN"},
		{"postgres://toolgate@db/toolgate?password=hunter2&sslmode=bogus", "invalid postgres store DSN"},
		{"postgres://toolgate:hunter2@db/toolgate?connect_timeout=soon", "invalid postgres store DSN"},
		{"postgres://toolgate:hunter2@db/toolgate#frag", "no fragment"},
		{"postgres:toolgate:hunter2@db/toolgate", "must start with a scheme"},
		// Connection errors: nothing listens on port 1.
		{"postgres://toolgate:hunter2@127.0.0.1:1/toolgate?connect_timeout=2&sslmode=disable", "open postgres store"},
		{"postgres://toolgate:hun%23ter2@127.0.0.1:1/toolgate?connect_timeout=2&sslmode=disable", "open postgres store"},
	}
	for _, tc := range tests {
		t.Run(tc.dsn, func(t *testing.T) {
			s, err := Open(t.Context(), tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
			for _, secret := range []string{"hunter2", "hun#ter2", "hun%23ter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks the DSN's password", err)
				}
			}
		})
	}
}

func TestScrubSecrets(t *testing.T) {
	u, _ := url.Parse("postgres://u:p%40ss%20word@h/d?password=other-secret")
	secrets := dsnSecrets(u)
	msg := scrubSecrets("bad `postgres://u:p@ss word@h` p%40ss+word other-secret", secrets)
	for _, s := range []string{"p@ss word", "p%40ss", "other-secret"} {
		if strings.Contains(msg, s) {
			t.Errorf("scrubbed message %q still contains %q", msg, s)
		}
	}
	short, _ := url.Parse("postgres://u:pw@h/d")
	if msg := scrubSecrets("cannot parse pw", dsnSecrets(short)); strings.Contains(msg, "pw") {
		t.Errorf("scrubbed message %q still contains a short password", msg)
	}
}

// TestPostgresDeleteGatewayRacesCreateTarget: a gateway deleted while a
// target is being created under it ends one of two ways, never in a raw
// foreign-key error: the target exists and the delete is a "targets"
// conflict, or the gateway is gone and the create is ErrNotFound.
func TestPostgresDeleteGatewayRacesCreateTarget(t *testing.T) {
	_, dsn := newTestSchema(t)
	a := openDSN(t, dsn)
	defer a.Close()
	b := openDSN(t, dsn)
	defer b.Close()
	ctx := t.Context()
	for i := range 20 {
		gw := fmt.Sprintf("gw-%d", i)
		if _, err := a.CreateGateway(ctx, store.Gateway{ID: gw, Name: gw}); err != nil {
			t.Fatalf("CreateGateway: %v", err)
		}
		var createErr, deleteErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, createErr = a.CreateTarget(ctx, store.Target{GatewayID: gw, ID: "TGT0000001", Name: "t"})
		})
		wg.Go(func() { deleteErr = b.DeleteGateway(ctx, gw) })
		wg.Wait()
		switch {
		case createErr == nil:
			var ce *store.ConflictError
			if !errors.As(deleteErr, &ce) || ce.Field != "targets" {
				t.Errorf("round %d: target created, delete err = %v; want a targets conflict", i, deleteErr)
			}
		case errors.Is(createErr, store.ErrNotFound):
			if deleteErr != nil {
				t.Errorf("round %d: create found no gateway, yet delete err = %v", i, deleteErr)
			}
		default:
			t.Errorf("round %d: create err = %v, delete err = %v", i, createErr, deleteErr)
		}
	}
}
