package sqlstore

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// drain empties a Changes channel, so the next receive is a new signal.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// waitChange fails the test unless ch signals within d.
func waitChange(t *testing.T, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("no change signal within %v: %s", d, what)
	}
}

// waitConnected waits until s's listener has connected at least n times and
// is connected now.
func waitConnected(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		connected, connects := s.bus.state()
		if connected && connects >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("listener: connected=%v after %d connects, want %d", connected, connects, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPostgresChangesAcrossStores: a write committed through one Store (one
// replica) signals Changes of every other Store on the same schema, well
// within the one-second promise, and not a Store on another schema. A
// rolled-back transaction notifies nobody.
func TestPostgresChangesAcrossStores(t *testing.T) {
	_, dsn := newTestSchema(t)
	_, otherDSN := newTestSchema(t)
	a := openDSN(t, dsn)
	defer a.Close()
	b := openDSN(t, dsn)
	defer b.Close()
	other := openDSN(t, otherDSN)
	defer other.Close()
	// Open returns listening, and does not signal for that.
	for _, s := range []*Store{a, b, other} {
		if connected, _ := s.bus.state(); !connected {
			t.Fatal("Open returned before its listener was connected")
		}
		select {
		case <-s.Changes():
			t.Fatal("Changes signalled before anything was written")
		default:
		}
	}

	start := time.Now()
	if _, err := a.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	waitChange(t, a.Changes(), time.Second, "the writer's own Store")
	waitChange(t, b.Changes(), time.Second, "another Store on the same schema")
	t.Logf("cross-store change signal after %v", time.Since(start))
	if rev, err := b.Revision(t.Context()); err != nil || rev != 1 {
		t.Errorf("Revision seen by b = %d, %v; want 1", rev, err)
	}

	// A failed mutation (a conflict rolls the transaction back) and a
	// non-mutation (InitSetting of a key already set) notify nobody.
	if _, err := a.InitSetting(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	waitChange(t, b.Changes(), time.Second, "InitSetting that inserted")
	if _, err := a.CreateGateway(t.Context(), store.Gateway{ID: "gw-2", Name: "one"}); err == nil {
		t.Fatal("duplicate name accepted")
	}
	if _, err := a.InitSetting(t.Context(), "k", "other"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Changes():
		t.Error("b was signalled for writes that committed nothing")
	case <-other.Changes():
		t.Error("a Store on another schema was signalled")
	case <-time.After(300 * time.Millisecond):
	}
}

// TestPostgresListenerReconnects: when the listener's connection is killed
// (a database restart, a failover, an idle-connection reaper), the store
// reconnects, signals a change at once so readers check the revision for
// what they may have missed, and relays notifications again.
func TestPostgresListenerReconnects(t *testing.T) {
	_, dsn := newTestSchema(t)
	a := openDSN(t, dsn)
	defer a.Close()
	b := openDSN(t, dsn)
	defer b.Close()
	admin := postgresAdmin(t)
	res, err := admin.ExecContext(t.Context(),
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query = $2`,
		listenerApplicationName, `LISTEN "`+b.bus.channel+`"`)
	if err != nil {
		t.Fatalf("terminate listeners: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 2 {
		t.Fatalf("terminated %d listener connections, want 2 (a's and b's)", n)
	}
	// Nothing was written: the signal that follows the reconnect is the
	// one that makes readers look for writes the dead connection missed.
	waitConnected(t, b, 2)
	waitChange(t, b.Changes(), time.Second, "the reconnect itself")
	waitConnected(t, a, 2)
	time.Sleep(50 * time.Millisecond)
	drain(b.Changes())
	if _, err := a.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	waitChange(t, b.Changes(), time.Second, "a write after the reconnect")
}

// TestPostgresSearchPathParameter: the schema can be chosen with a plain
// search_path parameter (pgx passes unknown parameters to the server as
// run-time parameters), and a search_path naming no existing schema is a
// clear error rather than "no schema has been selected to create in".
func TestPostgresSearchPathParameter(t *testing.T) {
	schema, _ := newTestSchema(t)
	u, err := url.Parse(testPostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s := openDSN(t, u.String())
	if _, err := s.CreateGateway(t.Context(), store.Gateway{ID: "gw-1", Name: "one"}); err != nil {
		t.Fatalf("CreateGateway: %v", err)
	}
	s.Close()
	var n int
	if err := postgresAdmin(t).QueryRowContext(t.Context(), `SELECT count(*) FROM `+schema+`.gateways`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("gateways in schema %s: %d, %v", schema, n, err)
	}

	q.Set("search_path", schema+"_missing")
	u.RawQuery = q.Encode()
	_, err = Open(t.Context(), u.String())
	if err == nil || !strings.Contains(err.Error(), "CREATE SCHEMA "+schema+"_missing") || !strings.Contains(err.Error(), "search_path ("+schema+"_missing)") {
		t.Fatalf("Open with a missing schema: %v, want an error telling to create that schema", err)
	}
}

func TestSchemaToCreate(t *testing.T) {
	for path, want := range map[string]string{
		"walk_1":                  "walk_1",
		`"$user", public`:         "public",
		` "$user" , "My Schema" `: `"My Schema"`,
		`"$user"`:                 "toolgate",
		"":                        "toolgate",
	} {
		if got := schemaToCreate(path); got != want {
			t.Errorf("schemaToCreate(%q) = %q, want %q", path, got, want)
		}
	}
}
