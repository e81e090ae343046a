package sql

import (
	"context"
	dbsql "database/sql"
	"path/filepath"
	"testing"

	"github.com/hunchsec/hunch/siem"
)

// BenchmarkSQLiteStream streams a generated table of 100,000 rows of seven columns through
// the source and reports rows per second.
func BenchmarkSQLiteStream(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := dbsql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	const rows = 100_000
	if _, err := db.Exec(`create table ev as with recursive n(i) as (select 1 union all select i + 1 from n where i < ` + "100000" + `)
		select datetime(1700000000 + i, 'unixepoch') as ts, 'host' || (i % 50) as host, 'user' || (i % 7) as account,
		4624 + i % 2 as event_id, i * 0.5 as score, i % 2 = 0 as ok, 'C:\Windows\System32\cmd.exe /c echo ' || i as cmd from n`); err != nil {
		b.Fatal(err)
	}
	db.Close()
	s, err := NewSQLite(Config{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	q := siem.Query{Text: "select * from ev where event_id >= :min", Language: siem.SQL}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, err := range s.SearchParams(context.Background(), q, map[string]any{"min": 0}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
