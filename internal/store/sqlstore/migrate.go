package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationsFS holds one directory of numbered SQL files per dialect
// (migrations/sqlite/0001_init.sql, ...). They are compiled into the binary so
// a toolgate build always carries exactly the schema it was written against.
//
//go:embed migrations
var migrationsFS embed.FS

type migration struct {
	version int
	name    string // file name, recorded for operators reading schema_migrations
	sql     string
}

// loadMigrations reads dir and returns its migrations in version order. The
// versions must be 1, 2, 3, ... without gaps or duplicates: a gap would mean a
// file was lost or misnamed, and applying the rest would build a schema
// nobody tested.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations %s: %w", dir, err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	// fs.ReadDir sorts by name and the numbers are zero-padded, but sort by
	// the number anyway and insist on a contiguous sequence.
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations in %s: expected version %d, found %s", dir, i+1, m.name)
		}
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return ms, nil
}

// migrate brings the schema up to date in one transaction: either every
// pending migration is applied and recorded in schema_migrations, or none is.
// The applied versions are read inside the transaction, after the write lock
// is held, so two processes opening the same database together apply each
// migration once. A database migrated by a newer toolgate is refused rather
// than used with a schema this binary does not understand.
func migrate(ctx context.Context, db *sql.DB, d dialect, now time.Time) error {
	ms, err := loadMigrations(migrationsFS, "migrations/"+d.name)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	latest := ms[len(ms)-1].version
	for v := range applied {
		if v > latest {
			return fmt.Errorf("database schema version %d is newer than this toolgate supports (%d): upgrade toolgate", v, latest)
		}
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, err)
		}
		b := binder{placeholder: d.placeholder}
		q := "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
			b.add(m.version) + ", " + b.add(m.name) + ", " + b.add(now.UnixMicro()) + ")"
		if _, err := tx.ExecContext(ctx, q, b.args...); err != nil {
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migrations: %w", err)
	}
	return nil
}
