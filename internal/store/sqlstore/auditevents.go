package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/audit"
)

// The audit trail (audit.EventStore). Each event is stored whole, as JSON,
// next to copies of the fields queries filter on. Queries pre-filter on
// those columns where the SQL test is exactly as strict as audit.Query.Match
// or looser, then apply Match to every row, so every backend answers
// identically. Appends are bookkeeping: they neither bump Revision nor
// signal Changes, or every replica would rebuild its catalog on every tool
// call.

var _ audit.EventStore = (*Store)(nil)

// auditAppendLock, per dialect, is run first in an append transaction so
// that appends commit in seq order. PostgreSQL hands out identity values at
// insert time, not at commit: without the lock, a reader could page past
// seq 11 (committed) before seq 10 (still open) commits, and its cursor
// would skip event 10 for good. EXCLUSIVE mode blocks other appends and
// deletions but not readers. SQLite's writes are serialised already.
var auditAppendLock = map[string]string{
	"postgres": "LOCK TABLE audit_events IN EXCLUSIVE MODE",
}

const auditInsertCols = "event_time, event_name_key, is_error, principal_arn, access_key_id, principal_id, user_name, sub, client_id, event"

// nullString stores "" as NULL, so that the partial indexes on identity
// columns hold only the events that have the field.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// AppendAuditEvents implements audit.EventStore: the batch is stored in one
// transaction, in order.
func (s *Store) AppendAuditEvents(ctx context.Context, events []audit.Event) error {
	if len(events) == 0 {
		return nil
	}
	rows := make([][]any, len(events))
	for i := range events {
		e := &events[i]
		doc, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("append audit event %s: encode: %w", e.EventID, err)
		}
		u := e.UserIdentity
		rows[i] = []any{e.EventTime.UnixMicro(), strings.ToLower(e.EventName), boolInt(e.IsError()),
			nullString(u.ARN), nullString(u.AccessKeyID), nullString(u.PrincipalID), nullString(u.UserName),
			nullString(u.Sub), nullString(u.ClientID), string(doc)}
	}
	return s.bookkeep(ctx, func(tx *sql.Tx) error {
		if lock := auditAppendLock[s.d.name]; lock != "" {
			if _, err := tx.ExecContext(ctx, lock); err != nil {
				return fmt.Errorf("append audit events: lock: %w", err)
			}
		}
		b := s.binder()
		ph := b.list(rows[0]...)
		stmt, err := tx.PrepareContext(ctx, "INSERT INTO audit_events ("+auditInsertCols+") VALUES ("+ph+")")
		if err != nil {
			return fmt.Errorf("append audit events: %w", err)
		}
		defer stmt.Close()
		for i, r := range rows {
			if _, err := stmt.ExecContext(ctx, r...); err != nil {
				return fmt.Errorf("append audit event %s: %w", events[i].EventID, err)
			}
		}
		return nil
	})
}

// Cursors are "a1." and the seq of the last event returned. Seq values are
// never reused, so a cursor stays valid across appends and retention.
const auditCursorPrefix = "a1."

func decodeAuditCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	digits, ok := strings.CutPrefix(c, auditCursorPrefix)
	n, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || n < 1 || strconv.FormatInt(n, 10) != digits {
		return 0, fmt.Errorf("%w: %q", audit.ErrInvalidCursor, c)
	}
	return n, nil
}

// auditScanBatch is how many candidate rows one round trip reads while
// looking for matches the pre-filter could not decide (a gateway or an
// event-name pattern).
const auditScanBatch = 256

// QueryAuditEvents implements audit.EventStore. It reads candidates in seq
// order in batches, keeps those q.Match accepts, and stops once it holds
// one match more than the page: that one only proves a next page exists.
func (s *Store) QueryAuditEvents(ctx context.Context, q audit.Query) ([]audit.Event, string, error) {
	after, err := decodeAuditCursor(q.After)
	if err != nil {
		return nil, "", err
	}
	limit := q.EffectiveLimit()
	batch := max(limit+1, auditScanBatch)
	var (
		out     []audit.Event
		lastSeq int64 // of the last event in out
	)
	for {
		b := s.binder()
		where := append([]string{"seq > " + b.add(after)}, auditPrefilter(b, q)...)
		query := "SELECT seq, event FROM audit_events WHERE " + strings.Join(where, " AND ") +
			" ORDER BY seq LIMIT " + b.add(batch)
		type row struct {
			seq int64
			e   audit.Event
		}
		rows, err := queryAll(ctx, s.db, "query audit events", query, b.args, func(r rowScanner) (row, error) {
			var (
				rw  row
				doc string
			)
			if err := r.Scan(&rw.seq, &doc); err != nil {
				return row{}, err
			}
			if err := json.Unmarshal([]byte(doc), &rw.e); err != nil {
				return row{}, fmt.Errorf("decode audit event %d: %w", rw.seq, err)
			}
			return rw, nil
		})
		if err != nil {
			return nil, "", err
		}
		for _, rw := range rows {
			if !q.Match(rw.e) {
				continue
			}
			if len(out) == limit {
				return out, auditCursorPrefix + strconv.FormatInt(lastSeq, 10), nil
			}
			out = append(out, rw.e)
			lastSeq = rw.seq
		}
		if len(rows) < batch {
			return out, "", nil
		}
		after = rows[len(rows)-1].seq
	}
}

// auditPrefilter returns the SQL conditions that narrow q on indexed
// columns. Each accepts every event q.Match accepts (usually exactly
// those): event_time holds EventTime truncated to the microsecond, so the
// bounds are taken as loose as that truncation requires.
func auditPrefilter(b *binder, q audit.Query) []string {
	var where []string
	if !q.Since.IsZero() {
		// e >= Since implies trunc(e) >= trunc(Since).
		where = append(where, "event_time >= "+b.add(q.Since.UnixMicro()))
	}
	if !q.Until.IsZero() {
		// e < Until implies trunc(e) <= trunc(Until).
		where = append(where, "event_time <= "+b.add(q.Until.UnixMicro()))
	}
	if q.Principal != "" {
		var or []string
		for _, col := range []string{"principal_arn", "access_key_id", "principal_id", "user_name", "sub", "client_id"} {
			or = append(or, col+" = "+b.add(q.Principal))
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if q.EventName != "" && !strings.Contains(q.EventName, "*") {
		// Without a *, MatchPattern compares lower-cased names.
		where = append(where, "event_name_key = "+b.add(strings.ToLower(q.EventName)))
	}
	if q.ErrorOnly {
		where = append(where, "is_error = 1")
	}
	return where
}

// DeleteAuditEventsBefore implements audit.EventStore. Rows are selected on
// event_time, the microsecond-truncated EventTime; when t falls inside a
// microsecond, the events of that very microsecond are decided on their
// exact time, from their JSON. Appends are not blocked: new events are
// newer than any retention cut-off.
func (s *Store) DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int, error) {
	cut := t.UnixMicro()
	var deleted int64
	err := s.bookkeep(ctx, func(tx *sql.Tx) error {
		b := s.binder()
		res, err := tx.ExecContext(ctx, "DELETE FROM audit_events WHERE event_time < "+b.add(cut), b.args...)
		if err != nil {
			return fmt.Errorf("delete audit events before %s: %w", t.UTC().Format(time.RFC3339Nano), err)
		}
		if deleted, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("delete audit events: %w", err)
		}
		if t.Equal(fromMicros(cut)) {
			return nil
		}
		type row struct {
			seq int64
			at  time.Time
		}
		b = s.binder()
		edge, err := queryAll(ctx, tx, "delete audit events", "SELECT seq, event FROM audit_events WHERE event_time = "+b.add(cut),
			b.args, func(r rowScanner) (row, error) {
				var (
					rw  row
					doc string
					e   audit.Event
				)
				if err := r.Scan(&rw.seq, &doc); err != nil {
					return row{}, err
				}
				if err := json.Unmarshal([]byte(doc), &e); err != nil {
					return row{}, fmt.Errorf("decode audit event %d: %w", rw.seq, err)
				}
				rw.at = e.EventTime
				return rw, nil
			})
		if err != nil {
			return err
		}
		for _, rw := range edge {
			if !rw.at.Before(t) {
				continue
			}
			b = s.binder()
			if _, err := tx.ExecContext(ctx, "DELETE FROM audit_events WHERE seq = "+b.add(rw.seq), b.args...); err != nil {
				return fmt.Errorf("delete audit event %d: %w", rw.seq, err)
			}
			deleted++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(deleted), nil
}
