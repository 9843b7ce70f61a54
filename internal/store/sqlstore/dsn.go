package sqlstore

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// parseDSN splits a store DSN into its dialect and the backend-specific rest.
// Errors name the scheme but never echo the DSN: a postgres:// DSN can carry
// a password, and these errors end up in logs.
func parseDSN(dsn string) (dialect, string, error) {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok || scheme == "" {
		return dialect{}, "", errors.New("store DSN must start with a scheme: sqlite://PATH or postgres://USER@HOST/DATABASE")
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		if rest == "" {
			return dialect{}, "", errors.New("sqlite store DSN has no path: want sqlite://PATH, e.g. sqlite://./toolgate-data/toolgate.db")
		}
		// The path is taken literally. Query parameters are refused rather
		// than passed to the driver: the store sets the SQLite options it
		// depends on (WAL, foreign keys, immediate transactions) itself.
		if strings.ContainsAny(rest, "?#") {
			return dialect{}, "", errors.New("sqlite store DSN takes no query parameters or fragment: want sqlite://PATH")
		}
		return sqliteDialect, rest, nil
	case "postgres", "postgresql":
		// pgx parses the whole URL itself; see postgresDataSource.
		return postgresDialect, dsn, nil
	default:
		if len(scheme) > 20 {
			scheme = scheme[:20] + "..."
		}
		return dialect{}, "", fmt.Errorf("unsupported store DSN scheme %q: want sqlite://PATH or postgres://USER@HOST/DATABASE", scheme)
	}
}

// sqliteParams are the connection settings every pooled connection gets
// (they are per connection in SQLite, hence DSN parameters rather than one
// PRAGMA after Open):
//   - WAL lets readers run while a writer commits;
//   - synchronous FULL because the store holds credentials and a lost commit
//     after a power cut could orphan root credentials already handed out;
//   - foreign keys enforce the gateway→target and principal→key links;
//   - busy_timeout makes a writer from another process wait, not fail;
//   - _txlock=immediate makes BEGIN take the write lock, so a transaction
//     never has to upgrade a read lock to a write lock, which is where
//     concurrent SQLite writers otherwise deadlock with SQLITE_BUSY.
var sqliteParams = url.Values{
	"_journal_mode": {"WAL"},
	"_synchronous":  {"FULL"},
	"_foreign_keys": {"1"},
	"_busy_timeout": {"10000"},
	"_txlock":       {"immediate"},
}

// prepareSQLiteFile makes path absolute, creates its directory (0700) and the
// database file (0600) when missing, and returns the driver data source name.
// Creating the file ourselves is what fixes its mode: SQLite would create it
// with 0644 less umask, and the -wal and -shm files copy the database file's
// mode. An existing file's mode is left as the operator set it.
func prepareSQLiteFile(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite store path: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return "", fmt.Errorf("create sqlite store directory: %w", err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("create sqlite store file: %w", err)
		}
	case errors.Is(err, fs.ErrExist):
	default:
		return "", fmt.Errorf("create sqlite store file: %w", err)
	}
	// An absolute path never starts with "file:", so the driver treats it as
	// a plain file name and strips the parameters after '?' (which the path
	// cannot contain, see parseDSN).
	return abs + "?" + sqliteParams.Encode(), nil
}
