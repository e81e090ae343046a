package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

var t0 = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

// makeSQLite writes a database of logon events to a file and returns its path.
func makeSQLite(t *testing.T, rows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events db.sqlite")
	db, err := dbsql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`create table logons (ts datetime not null, host text, account text, event_id integer, score real, ok boolean, raw blob)`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		acct := []string{"alice", "bob", "'; drop table logons; --"}[i%3]
		var raw any = []byte{0xff, byte(i)}
		if i%2 == 0 {
			raw = nil
		}
		if _, err := tx.Exec(`insert into logons values (?, ?, ?, ?, ?, ?, ?)`,
			t0.Add(time.Duration(i)*time.Minute), "ws"+string(rune('0'+i%10)), acct, 4624+i%2, float64(i)/2, i%2 == 0, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

func collect(t *testing.T, s record.Stream) ([]record.Record, error) {
	t.Helper()
	var out []record.Record
	for r, err := range s {
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func openSQLite(t *testing.T, path string, opts ...Option) *Source {
	t.Helper()
	s, err := NewSQLite(Config{Path: path}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteTypedRows(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 4))
	recs, err := collect(t, s.SearchParams(context.Background(), siem.Query{
		Text:     "select ts, host, account, event_id, score, ok, raw, null as nada from logons where account = :acct order by ts",
		Language: siem.SQL,
	}, map[string]any{"acct": "alice"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[1]
	if got := strings.Join(r.Names(), ","); got != "ts,host,account,event_id,score,ok,raw,nada" {
		t.Errorf("columns %s", got)
	}
	checks := []struct {
		name string
		want record.Value
	}{
		{"ts", record.Time(t0.Add(3 * time.Minute))},
		{"host", record.String("ws3")},
		{"event_id", record.Int(4625)},
		{"score", record.Float(1.5)},
		{"ok", record.Int(0)},
		{"raw", record.String("ff03")},
		{"nada", record.Null()},
	}
	for _, c := range checks {
		v, _ := r.Get(c.name)
		if v.Kind() == record.KindTime {
			tm, _ := v.Time()
			want, _ := c.want.Time()
			if !tm.Equal(want) {
				t.Errorf("%s = %v, want %v", c.name, tm, want)
			}
			continue
		}
		if !v.Equal(c.want) {
			t.Errorf("%s = %v (%s), want %v (%s)", c.name, v.Text(), v.Kind(), c.want.Text(), c.want.Kind())
		}
	}
}

func TestSQLiteInjectionIsBound(t *testing.T) {
	path := makeSQLite(t, 6)
	s := openSQLite(t, path)
	hostile := "'; drop table logons; --"
	recs, err := collect(t, s.SearchParams(context.Background(), siem.Query{Text: "select account from logons where account = :a", Language: siem.SQL},
		map[string]any{"a": hostile}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records for the hostile value, want the 2 rows holding it", len(recs))
	}
	for _, r := range recs {
		if v, _ := r.Get("account"); v.Text() != hostile {
			t.Errorf("account %q", v.Text())
		}
	}
	recs, err = collect(t, s.Search(context.Background(), siem.Query{Text: "select count(*) as n from logons", Language: siem.SQL}))
	if err != nil || len(recs) != 1 {
		t.Fatal(err)
	}
	if v, _ := recs[0].Get("n"); v.Text() != "6" {
		t.Errorf("table changed: %s rows", v.Text())
	}
}

func TestSQLiteReadOnly(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 1))
	for _, q := range []string{"insert into logons (ts) values ('2026-01-01')", "drop table logons"} {
		_, err := collect(t, s.Search(context.Background(), siem.Query{Text: q, Language: siem.SQL}))
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "readonly") && !strings.Contains(strings.ToLower(err.Error()), "read-only") && !strings.Contains(err.Error(), "query_only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestSQLiteLimitAndStreaming(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 500))
	q := siem.Query{Text: "select host from logons", Language: siem.SQL, Limit: 7}
	recs, err := collect(t, s.Search(context.Background(), q))
	if err != nil || len(recs) != 7 {
		t.Fatalf("limit 7: %d records, %v", len(recs), err)
	}
	q.Limit = 0
	recs, err = collect(t, s.Search(context.Background(), q))
	if err != nil || len(recs) != 500 {
		t.Fatalf("no limit: %d records, %v", len(recs), err)
	}
	// The consumer stopping early ends the query.
	n := 0
	for range s.Search(context.Background(), q) {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("stopped at %d", n)
	}
}

func TestSQLiteRange(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 60))
	q := siem.Query{Text: "select ts from logons where ts >= :from and ts < :to", Language: siem.SQL,
		Range: siem.Range{From: t0.Add(10 * time.Minute), To: t0.Add(20 * time.Minute)}}
	recs, err := collect(t, s.Search(context.Background(), q))
	if err != nil || len(recs) != 10 {
		t.Fatalf("range: %d records, %v", len(recs), err)
	}
	q.Text = "select ts from logons"
	if _, err := collect(t, s.Search(context.Background(), q)); err == nil || !strings.Contains(err.Error(), "must use") {
		t.Errorf("unused range: %v", err)
	}
	q.Text = "select ts from logons where ts >= :from"
	if _, err := collect(t, s.SearchParams(context.Background(), q, map[string]any{"from": t0})); err == nil || !strings.Contains(err.Error(), "both given") {
		t.Errorf("clash: %v", err)
	}
}

func TestSQLiteCancelMidStream(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 10))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q := siem.Query{Text: "with recursive n(i) as (select 1 union all select i + 1 from n) select i from n", Language: siem.SQL}
	n := 0
	var last error
	for _, err := range s.Search(ctx, q) {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 100 {
			cancel()
		}
		if n > 1_000_000 {
			t.Fatal("cancellation ignored")
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("ended with %v after %d rows", last, n)
	}
}

func TestSQLiteTimeout(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 1), WithTimeout(200*time.Millisecond))
	q := siem.Query{Text: "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n", Language: siem.SQL}
	start := time.Now()
	_, err := collect(t, s.Search(context.Background(), q))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "timeout of 200ms") {
		t.Errorf("got %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("timeout took %s", d)
	}
	if s2 := openSQLite(t, makeSQLite(t, 1)); s2.timeout != DefaultTimeout {
		t.Errorf("default timeout %s", s2.timeout)
	}
	if s3, _ := NewSQLite(Config{Path: makeSQLite(t, 1), Timeout: time.Second}); s3.timeout != time.Second {
		t.Errorf("config timeout %s", s3.timeout)
	}
}

func TestErrors(t *testing.T) {
	s := openSQLite(t, makeSQLite(t, 1))
	tests := []struct {
		q      siem.Query
		params map[string]any
		want   string
	}{
		{siem.Query{Text: "select 1", Language: siem.SPL}, nil, "cannot run a spl query"},
		{siem.Query{Text: "", Language: siem.SQL}, nil, "empty text"},
		{siem.Query{Text: "select :a", Language: siem.SQL}, nil, "no value for parameter :a"},
		{siem.Query{Text: "select 1", Language: siem.SQL}, map[string]any{"a": 1}, "not used"},
		{siem.Query{Text: "select * from nowhere", Language: siem.SQL}, nil, "no such table"},
	}
	for _, tc := range tests {
		_, err := collect(t, s.SearchParams(context.Background(), tc.q, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.q.Text, err, tc.want)
		}
	}
	if _, err := NewSQLite(Config{Path: filepath.Join(t.TempDir(), "missing.db")}); err == nil {
		t.Error("missing file opened")
	}
	if _, err := NewSQLite(Config{}); err == nil {
		t.Error("empty path accepted")
	}
	if _, err := NewPostgres(Config{}, os.Getenv); err == nil {
		t.Error("empty dsn accepted")
	}
	if _, err := NewPostgres(Config{DSN: "env:HUNCH_NO_SUCH_VAR"}, func(string) string { return "" }); !errors.Is(err, providers.ErrSecret) {
		t.Errorf("unset env dsn: %v", err)
	}
	_, err := NewPostgres(Config{DSN: "postgres://u:sekrit@[bad"}, os.Getenv)
	if err == nil || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("bad dsn: %v", err)
	}
}

func TestPostgres(t *testing.T) {
	dsn := os.Getenv("HUNCH_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("HUNCH_TEST_POSTGRES is not set (bash /work/pgsetup.sh; . /work/pgenv)")
	}
	admin, err := dbsql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	table := "hunch_sqlsource_test"
	if _, err := admin.Exec(`drop table if exists ` + table + `; create table ` + table + ` (ts timestamptz, host text, account text, event_id integer, score double precision, ok boolean, tags text[])`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(`drop table if exists ` + table) })
	for i := range 30 {
		acct := []string{"alice", "bob", "'; drop table x; --"}[i%3]
		if _, err := admin.Exec(`insert into `+table+` values ($1, $2, $3, $4, $5, $6, $7)`, t0.Add(time.Duration(i)*time.Minute), "ws1", acct, 4624+i%2, float64(i)/2, i%2 == 0, "{a,b}"); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewPostgres(Config{DSN: "env:PGDSN"}, func(k string) string {
		if k == "PGDSN" {
			return dsn
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q := siem.Query{Text: "select ts, host, account, event_id, score, ok from " + table + " where account = :a and ts >= :from and ts < :to and account::text = :a order by ts",
		Language: siem.SQL, Range: siem.Range{From: t0, To: t0.Add(10 * time.Minute)}}
	recs, err := collect(t, s.SearchParams(context.Background(), q, map[string]any{"a": "'; drop table x; --"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if v, _ := r.Get("ts"); v.Kind() != record.KindTime {
		t.Errorf("ts kind %s", v.Kind())
	} else if tm, _ := v.Time(); !tm.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("ts %s", tm)
	}
	if v, _ := r.Get("event_id"); !v.Equal(record.Int(4624)) {
		t.Errorf("event_id %v %s", v.Text(), v.Kind())
	}
	if v, _ := r.Get("score"); !v.Equal(record.Float(1)) {
		t.Errorf("score %v", v.Text())
	}
	if v, _ := r.Get("ok"); !v.Equal(record.Bool(true)) {
		t.Errorf("ok %v %s", v.Text(), v.Kind())
	}
	recs, err = collect(t, s.Search(context.Background(), siem.Query{Text: "select * from " + table, Language: siem.SQL, Limit: 4}))
	if err != nil || len(recs) != 4 {
		t.Errorf("limit: %d %v", len(recs), err)
	}
	if _, err := collect(t, s.Search(context.Background(), siem.Query{Text: "delete from " + table, Language: siem.SQL})); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write allowed: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	var last error
	for _, err := range s.Search(ctx, siem.Query{Text: "select generate_series(1, 100000000) as i", Language: siem.SQL}) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	cancel()
	if !errors.Is(last, context.Canceled) {
		t.Errorf("cancel: %v after %d", last, n)
	}
}
