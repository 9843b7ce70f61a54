package sqlstore

import (
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Cross-process change notification, for the backend that several toolgate
// replicas share (PostgreSQL). Every write transaction that bumps the store
// revision also runs pg_notify on a channel named after the schema, so the
// notification is delivered exactly when (and only if) the transaction
// commits. Each Store LISTENs on that channel on a dedicated connection,
// outside the database/sql pool, and turns other processes' notifications
// into Changes signals.
//
// Notifications are an accelerator, not the source of truth: a replica whose
// listener is disconnected misses them, so after every (re)connection the
// listener signals a change anyway (the reader then compares Revision), and
// readers keep polling Revision as a safety net. A lost notification delays a
// change by at most one poll; it never loses it.

// listenerApplicationName is the application_name of listener connections,
// so an operator (or a test) can find them in pg_stat_activity.
const listenerApplicationName = "toolgate-change-listener"

// Listener timing. The keepalive makes a silently dead connection (a
// network partition, a server that vanished without closing the socket)
// noticed within keepalive + pingTimeout instead of at the TCP timeout.
const (
	listenKeepalive   = 30 * time.Second
	listenPingTimeout = 5 * time.Second
	listenBackoffMin  = 100 * time.Millisecond
	listenBackoffMax  = 5 * time.Second
)

// changeBus is one Store's side of the notification channel: it sends in
// write transactions and listens in a background goroutine.
type changeBus struct {
	channel string // pg_notify channel, derived from the schema
	self    string // this Store's id, the payload of its notifications
	config  *pgx.ConnConfig
	signal  func()
	log     *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	first  chan struct{} // closed when the first connection attempt is over

	mu        sync.Mutex
	connected bool
	connects  int // successful LISTENs, for tests and status
}

// changeChannel names the notification channel of the schema the store's
// tables live in (the first existing schema of search_path, where the
// migrations created them): replicas sharing a schema hear each other,
// installations in other schemas of the same database do not. A hash keeps
// the name a short, valid identifier whatever the schema is called.
func changeChannel(schema string) string {
	sum := sha256.Sum256([]byte(schema))
	return "toolgate_changes_" + hex.EncodeToString(sum[:8])
}

// currentSchema returns the schema unqualified tables are created in, or an
// error explaining that search_path names no existing schema.
func currentSchema(ctx context.Context, db *sql.DB) (string, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", fmt.Errorf("read current schema: %w", err)
	}
	if !schema.Valid || schema.String == "" {
		var path string
		if err := db.QueryRowContext(ctx, `SHOW search_path`).Scan(&path); err != nil {
			path = ""
		}
		return "", fmt.Errorf("no schema of the connection's search_path (%s) exists: create it (CREATE SCHEMA %s) or fix search_path in the DSN", path, schemaToCreate(path))
	}
	return schema.String, nil
}

// schemaToCreate returns the schema a search_path asks for first ("$user"
// aside), for the error that tells to create it; "toolgate" when there is
// none.
func schemaToCreate(searchPath string) string {
	for _, s := range strings.Split(searchPath, ",") {
		s = strings.TrimSpace(s)
		if s != "" && s != `"$user"` && s != "$user" {
			return s
		}
	}
	return "toolgate"
}

// startChangeBus starts listening on schema's channel with its own
// connection built from source (the pgx data source name). It returns once
// the first attempt has LISTENed or failed (or ctx ended); failures are
// retried in the background. Waiting means a Store is listening by the time
// Open returns, so a reader that loads its state after Open misses nothing.
func startChangeBus(ctx context.Context, source, schema string, signal func(), log *slog.Logger) (*changeBus, error) {
	cfg, err := pgx.ParseConfig(source)
	if err != nil {
		// Already validated by postgresDataSource; never echo the DSN.
		return nil, errors.New("change listener: the store DSN could not be parsed")
	}
	cfg.RuntimeParams["application_name"] = listenerApplicationName
	var id [8]byte
	crand.Read(id[:])
	runCtx, cancel := context.WithCancel(context.Background())
	b := &changeBus{
		channel: changeChannel(schema),
		self:    hex.EncodeToString(id[:]),
		config:  cfg,
		signal:  signal,
		log:     log,
		cancel:  cancel,
		done:    make(chan struct{}),
		first:   make(chan struct{}),
	}
	go b.run(runCtx)
	select {
	case <-b.first:
	case <-ctx.Done():
	}
	return b, nil
}

// notifyTx queues the change notification in tx; PostgreSQL delivers it when
// tx commits and drops it when tx rolls back.
func (b *changeBus) notifyTx(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, b.channel, b.self); err != nil {
		return fmt.Errorf("queue change notification: %w", err)
	}
	return nil
}

// close stops the listener and waits for it.
func (b *changeBus) close() {
	b.cancel()
	<-b.done
}

// state reports whether the listener is connected and how many times it
// has connected so far.
func (b *changeBus) state() (connected bool, connects int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.connected, b.connects
}

func (b *changeBus) setConnected(c bool) {
	b.mu.Lock()
	b.connected = c
	if c {
		b.connects++
	}
	b.mu.Unlock()
}

// run keeps a LISTEN connection open until ctx ends, reconnecting with
// exponential backoff (and jitter, so replicas do not reconnect in step).
func (b *changeBus) run(ctx context.Context) {
	defer close(b.done)
	var firstOnce sync.Once
	firstOver := func() { firstOnce.Do(func() { close(b.first) }) }
	defer firstOver()
	backoff := listenBackoffMin
	for attempt := 1; ; attempt++ {
		established := false
		err := b.listen(ctx, func() {
			established = true
			backoff = listenBackoffMin
			// Open is still waiting for the first attempt: nobody has
			// read the store yet, so there is nothing to re-check. Every
			// later connection may have missed notifications.
			if attempt > 1 {
				b.signal()
			}
			firstOver()
		})
		firstOver()
		b.setConnected(false)
		if ctx.Err() != nil {
			return
		}
		if established {
			b.log.Warn("store change listener lost its connection; reconnecting (changes are still picked up by the periodic revision check)", "err", err)
		} else {
			b.log.Warn("store change listener cannot connect; retrying (changes are still picked up by the periodic revision check)", "retry_in", backoff, "err", err)
		}
		d := backoff + time.Duration(rand.Int64N(int64(backoff)/2+1))
		backoff = min(2*backoff, listenBackoffMax)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// listen connects, LISTENs, calls established (which signals a change after
// a reconnection: whatever happened while no listener was connected is then
// picked up through Revision) and relays notifications until the connection
// fails or ctx ends.
func (b *changeBus) listen(ctx context.Context, established func()) error {
	conn, err := pgx.ConnectConfig(ctx, b.config)
	if err != nil {
		return scrubConnectError(err, b.config.Password)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(closeCtx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		return fmt.Errorf("LISTEN: %w", err)
	}
	b.setConnected(true)
	established()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenKeepalive)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if n.Payload != b.self {
				b.signal()
			}
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err):
			// Quiet for a while: make sure the connection is still alive.
			pctx, cancel := context.WithTimeout(ctx, listenPingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("keepalive: %w", err)
			}
		default:
			return err
		}
	}
}

// scrubConnectError keeps pgx's connection errors (they say which host and
// why) without the password, should a message ever contain it.
func scrubConnectError(err error, password string) error {
	if password == "" {
		return err
	}
	return errors.New(scrubSecrets(err.Error(), []string{password}))
}
