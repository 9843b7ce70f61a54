package sqlstore

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgreSQL through pgx's database/sql driver, so every query is the same
// code as for SQLite. What differs:
//   - $n placeholders;
//   - the row an Update rewrites is loaded with SELECT ... FOR UPDATE: writes
//     are concurrent (READ COMMITTED), and the row lock is what makes a
//     read-modify-write lose no update;
//   - migrations run under a transaction-scoped advisory lock, so replicas
//     starting together on one schema migrate one at a time;
//   - a unique violation (23505) that slipped past the explicit checks, a
//     foreign-key violation (23503: a parent deleted, or a child added, by a
//     concurrent writer between this transaction's check and its write), a
//     serialisation failure (40001) or a deadlock (40P01) make the store run
//     the transaction again; the fresh attempt sees the other writer's commit
//     and reports a precise *store.ConflictError or store.ErrNotFound, or
//     succeeds.
var postgresDialect = dialect{
	name:        "postgres",
	driver:      "pgx",
	dataSource:  postgresDataSource,
	placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
	forUpdate:   " FOR UPDATE",
	// Keyed by the schema the migrations create their tables in (the first
	// existing schema of search_path): replicas of one installation exclude
	// each other, installations in other schemas of the same database do not.
	// coalesce because the strict hashtext(NULL) would make the lock call a
	// silent no-op. 1953460076 is "tool" in ASCII, toolgate's lock class.
	migrationLock:     `SELECT pg_advisory_xact_lock(1953460076, hashtext(coalesce(current_schema(), '')))`,
	isUniqueViolation: pgErrorCode(pgUniqueViolation),
	mustRetry:         pgErrorCode(pgUniqueViolation, pgForeignKeyViolation, pgSerializationFailure, pgDeadlockDetected),
	// Replicas share the database: LISTEN/NOTIFY tells each of the others'
	// writes (listen.go).
	crossProcessChanges: true,
}

// SQLSTATE codes the store reacts to.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// pgErrorCode returns a test for a PostgreSQL error with one of codes.
func pgErrorCode(codes ...string) func(error) bool {
	return func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && slices.Contains(codes, e.Code)
	}
}

// postgresDataSource checks a postgres:// or postgresql:// URL (the whole
// DSN, scheme included) and returns it as pgx's data source name. Everything
// pgx understands may be set in it: host, port, user, password, database,
// sslmode and friends, and run-time parameters such as
// options=-c%20search_path%3Dtoolgate to keep toolgate's tables in a schema
// of their own (pgx does not decode '+' as a space in parameters: write
// %20).
//
// No error echoes the DSN or any part of it that may be secret: these errors
// end up in logs. The password is scrubbed from pgx's own messages too.
func postgresDataSource(dsn string) (string, error) {
	// pgx recognises the URL form by its lower-case scheme only.
	if scheme, rest, ok := strings.Cut(dsn, "://"); ok {
		dsn = strings.ToLower(scheme) + "://" + rest
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// url.Error quotes the whole URL, password included.
		return "", errors.New("postgres store DSN is not a valid URL: want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]")
	}
	if u.Opaque != "" {
		return "", errors.New("postgres store DSN must be postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]")
	}
	if u.Fragment != "" || strings.Contains(dsn, "#") {
		return "", errors.New("postgres store DSN takes no fragment")
	}
	if _, err := pgx.ParseConfig(dsn); err != nil {
		return "", fmt.Errorf("invalid postgres store DSN: %s", scrubSecrets(err.Error(), dsnSecrets(u)))
	}
	return dsn, nil
}

// dsnSecrets returns the secrets a parsed DSN carries (its password, in the
// user info or as a password parameter), raw and escaped, longest first.
func dsnSecrets(u *url.URL) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	if q, err := url.ParseQuery(u.RawQuery); err == nil {
		for _, p := range q["password"] {
			add(p)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// scrubSecrets replaces every secret in msg. A secret too short to replace
// safely (it would mangle the message) hides the details altogether.
func scrubSecrets(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) < 4 && strings.Contains(msg, s) {
			return "the DSN could not be parsed (details withheld: they might reveal the password)"
		}
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return msg
}
