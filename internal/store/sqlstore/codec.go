package sqlstore

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/toolgate/toolgate/internal/store"
	"maps"
	"slices"
	"time"
)

// Timestamps are stored as integer Unix microseconds: exact, portable
// (SQLite INTEGER, PostgreSQL BIGINT), and ordered like the times they
// encode. Microseconds are what PostgreSQL's own timestamp types keep too, so
// both backends make the same promise.

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// normTime returns t as the store will give it back: UTC, truncated to the
// microsecond, and the zero time unchanged.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return fromMicros(t.UnixMicro())
}

// nullMicros encodes an optional timestamp: the zero time is NULL.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromMicros(n.Int64)
}

// createdTimes fills in the creation timestamps of a new entity: the
// caller's, when given (imports, tests), else now; UpdatedAt defaults to
// CreatedAt.
func createdTimes(now, created, updated time.Time) (time.Time, time.Time) {
	created = normTime(created)
	if created.IsZero() {
		created = normTime(now)
	}
	updated = normTime(updated)
	if updated.IsZero() {
		updated = created
	}
	return created, updated
}

// updatedTime is the UpdatedAt of a write following one at prev: now, but
// always strictly later than prev, so that UpdatedAt orders writes even when
// two land in the same microsecond or the clock steps back.
func updatedTime(now, prev time.Time) time.Time {
	t := normTime(now)
	if !t.After(prev) {
		t = prev.Add(time.Microsecond)
	}
	return t
}

// normBytes copies b so the stored value does not alias the caller's slice,
// and turns empty into nil (an empty BLOB and NULL read back the same).
func normBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// nullBytes encodes a byte slice, empty as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func normStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func normTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// encodeJSON stores a list or map as JSON text, empty as NULL. Marshalling a
// []string or map[string]string cannot fail.
func encodeJSON(v any, empty bool) any {
	if empty {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func encodeStrings(s []string) any       { return encodeJSON(s, len(s) == 0) }
func encodeTags(m map[string]string) any { return encodeJSON(m, len(m) == 0) }

func decodeStrings(n sql.NullString) ([]string, error) {
	var s []string
	if err := decodeJSON(n, &s); err != nil || len(s) == 0 {
		return nil, err
	}
	return s, nil
}

func decodeTags(n sql.NullString) (map[string]string, error) {
	var m map[string]string
	if err := decodeJSON(n, &m); err != nil || len(m) == 0 {
		return nil, err
	}
	return m, nil
}

func decodeJSON(n sql.NullString, v any) error {
	if !n.Valid || n.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(n.String), v); err != nil {
		return fmt.Errorf("decode stored JSON: %w", err)
	}
	return nil
}

// Lists page by keyset on (created_at, key), the order users expect (oldest
// first) made total by the unique key. The cursor is that pair of the last
// item returned, base64url-encoded JSON: opaque to callers, and still valid
// when items are created or deleted between pages.
type cursor struct {
	At  int64  `json:"t"`
	Key string `json:"k"`
}

// errBadCursor is returned for a Page.After this store did not produce.
var errBadCursor = store.ErrInvalidCursor

func encodeCursor(at time.Time, key string) string {
	b, _ := json.Marshal(cursor{At: at.UnixMicro(), Key: key})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor returns nil for the first page ("").
func decodeCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	var c cursor
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.Key == "" || dec.More() {
		return nil, errBadCursor
	}
	return &c, nil
}

const (
	defaultPageLimit = 100
	// maxPageLimit bounds the rows one call reads; a caller asking for more
	// simply gets a Next cursor sooner.
	maxPageLimit = 1000
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultPageLimit
	case n > maxPageLimit:
		return maxPageLimit
	}
	return n
}
