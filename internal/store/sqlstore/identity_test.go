package sqlstore

import (
	"slices"
	"testing"
)

// TestSealedColumnsCoverSchema: every column of the schema that holds a
// sealed value (named sealed_*) is in sealedColumns, so rotating the token
// vault's key re-seals it too; a column left out would keep values under a
// key the rotation then deletes.
func TestSealedColumnsCoverSchema(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	rows, err := s.db.QueryContext(t.Context(), `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND p.name LIKE 'sealed%' ORDER BY m.name, p.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		found = append(found, table+"."+col)
	}
	if len(found) == 0 {
		t.Fatal("no sealed columns found; the query is wrong")
	}
	var known []string
	for _, c := range sealedColumns {
		known = append(known, c.table+"."+c.column)
	}
	for _, f := range found {
		if !slices.Contains(known, f) {
			t.Errorf("sealed column %s is not in sealedColumns (identity.go): the token vault would not re-seal it", f)
		}
	}
}
