package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// bookkeep runs fn in a write transaction that neither bumps the revision
// nor signals Changes, for writes that record what happened rather than
// change configuration: an access key's last use, audit events. Revision
// tells every replica to rebuild its catalog and policy caches; bumping it
// on every authenticated request or tool call would make them rebuild
// constantly. On SQLite the write still queues behind the others in process
// (see dialect.serialWrites), so it never waits in SQLite's busy handler.
func (s *Store) bookkeep(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.d.serialWrites {
		select {
		case s.writeMu <- struct{}{}:
			defer func() { <-s.writeMu }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
