package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// listSpec describes one paged list: which table and columns, the unique key
// that breaks created_at ties, and optionally one column the list is scoped
// to (a target list belongs to one gateway).
type listSpec struct {
	table    string
	cols     string
	key      string
	scopeCol string
	scopeVal any
}

// listPage reads one page in (created_at, key) order. It asks for one row
// more than the page holds, so Next is empty exactly when nothing follows
// and a caller never has to fetch an empty last page.
func listPage[T any](ctx context.Context, s *Store, spec listSpec, p store.Page,
	scan func(rowScanner) (T, error), sortKey func(T) (time.Time, string),
) ([]T, string, error) {
	c, err := decodeCursor(p.After)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", spec.table, err)
	}
	limit := pageLimit(p.Limit)
	b := s.binder()
	var where []string
	if spec.scopeCol != "" {
		where = append(where, spec.scopeCol+" = "+b.add(spec.scopeVal))
	}
	if c != nil {
		where = append(where, "(created_at > "+b.add(c.At)+
			" OR (created_at = "+b.add(c.At)+" AND "+spec.key+" > "+b.add(c.Key)+"))")
	}
	q := "SELECT " + spec.cols + " FROM " + spec.table
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at, " + spec.key + " LIMIT " + b.add(limit+1)

	rows, err := s.db.QueryContext(ctx, q, b.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", spec.table, err)
	}
	defer rows.Close()
	var items []T
	for rows.Next() {
		it, err := scan(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list %s: %w", spec.table, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", spec.table, err)
	}
	var next string
	if len(items) > limit {
		items = items[:limit]
		at, key := sortKey(items[limit-1])
		next = encodeCursor(at, key)
	}
	return items, next, nil
}
