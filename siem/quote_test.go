package siem

import (
	"database/sql"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// hostile are values that would break out of a literal pasted into a query.
var hostile = []string{
	"",
	"plain",
	`" | delete`,
	`" OR 1=1 | delete index=main "`,
	`'; drop table x; --`,
	`\`,
	`\"`,
	`a\\"b`,
	`"`,
	`""`,
	"line one\nline two | delete",
	"cr\rlf\r\n\ttab",
	`+ - = && || > < ! ( ) { } [ ] ^ " ~ * ? : \ /`,
	`field:value OR *:*`,
	`" | where true | project-away * //`,
	"ünïcödé \u2028 \x00\x01",
}

type quoter struct {
	name    string
	quote   func(string) string
	unquote func(string) (string, error)
	// prefix and suffix are query text around the literal, as a template would write it.
	prefix, suffix string
	controls       bool // whether \n \r \t are escapes (and raw line breaks refused)
}

func quoters() []quoter {
	return []quoter{
		{"SPL", QuoteSPL, UnquoteSPL, "search index=main user=", " | stats count by host", false},
		{"KQL", QuoteKQL, UnquoteKQL, "SecurityEvent | where Account == ", " | summarize count() by Computer", true},
		{"Lucene", QuoteLucene, UnquoteLucene, "user.name:", " AND event.code:4688", false},
		{"ESQL", QuoteESQL, UnquoteESQL, "FROM logs-* | WHERE user.name == ", " | STATS c = COUNT(*) BY host.name", true},
	}
}

// TestQuoteInjection pastes each hostile value into a query and parses the query back: the
// literal must end exactly where the quoter put its closing quote, hold the value, and leave
// the rest of the query as the template wrote it.
func TestQuoteInjection(t *testing.T) {
	for _, q := range quoters() {
		for _, v := range hostile {
			query := q.prefix + q.quote(v) + q.suffix
			lit, ok := strings.CutPrefix(query, q.prefix)
			if !ok {
				t.Fatalf("%s: prefix lost", q.name)
			}
			got, n, err := scanQuoted(lit, q.controls)
			if err != nil {
				t.Errorf("%s %q: query %q does not parse: %v", q.name, v, query, err)
				continue
			}
			if got != v {
				t.Errorf("%s: literal holds %q, want %q", q.name, got, v)
			}
			if rest := lit[n:]; rest != q.suffix {
				t.Errorf("%s %q: after the literal comes %q, want %q", q.name, v, rest, q.suffix)
			}
			if q.controls && strings.ContainsAny(q.quote(v), "\r\n") {
				t.Errorf("%s %q: literal spans lines", q.name, v)
			}
		}
	}
}

func TestQuoteExamples(t *testing.T) {
	tests := []struct {
		lang     Language
		in, want string
	}{
		{SPL, `a"b\c`, `"a\"b\\c"`},
		{SPL, "a\nb", "\"a\nb\""},
		{KQL, "a\"b\\c\nd\te", `"a\"b\\c\nd\te"`},
		{Lucene, `a:b*`, `"a:b*"`},
		{ESQL, "x\r\ny", `"x\r\ny"`},
	}
	for _, tt := range tests {
		got, err := Quote(tt.lang, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Quote(%s, %q) = %q, %v; want %q", tt.lang, tt.in, got, err, tt.want)
		}
	}
	if _, err := Quote(SQL, "x"); err == nil || !strings.Contains(err.Error(), "BindSQL") {
		t.Errorf("Quote(SQL) error = %v, want one pointing to BindSQL", err)
	}
	if _, err := Quote("cobol", "x"); err == nil || !strings.Contains(err.Error(), `unknown query language "cobol"`) {
		t.Errorf("Quote(cobol) error = %v", err)
	}
}

func TestUnquoteErrors(t *testing.T) {
	tests := []struct {
		unquote       func(string) (string, error)
		in, wantError string
	}{
		{UnquoteSPL, `abc`, "does not start with a double quote"},
		{UnquoteSPL, `"abc`, "no closing double quote"},
		{UnquoteSPL, `"abc\`, "ends inside an escape"},
		{UnquoteSPL, `"a"b"`, "text after the literal at byte 3"},
		{UnquoteSPL, `"a\nb"`, `unknown escape \n`},
		{UnquoteKQL, "\"a\nb\"", "line break inside literal"},
		{UnquoteKQL, `"a\qb"`, `unknown escape \q`},
		{UnquoteESQL, `"a" | drop`, "text after the literal"},
		{UnquoteLucene, `"a\*"`, `unknown escape \*`},
	}
	for _, tt := range tests {
		_, err := tt.unquote(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantError) {
			t.Errorf("unquote(%q) error = %v, want containing %q", tt.in, err, tt.wantError)
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, v := range hostile {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, q := range quoters() {
			quoted := q.quote(v)
			got, err := q.unquote(quoted)
			if err != nil || got != v {
				t.Fatalf("%s: unquote(quote(%q)) = %q, %v", q.name, v, got, err)
			}
			_, n, err := scanQuoted(quoted+q.suffix, q.controls)
			if err != nil || n != len(quoted) {
				t.Fatalf("%s: literal for %q does not end at its closing quote", q.name, v)
			}
		}
	})
}

func TestBindSQL(t *testing.T) {
	tests := []struct {
		query    string
		params   map[string]any
		style    Placeholder
		want     string
		wantArgs []any
	}{
		{"SELECT * FROM t WHERE a = :a AND b = :b", map[string]any{"a": 1, "b": "x"}, Dollar,
			"SELECT * FROM t WHERE a = $1 AND b = $2", []any{1, "x"}},
		{"SELECT * FROM t WHERE a = :a OR c = :a AND b = :b", map[string]any{"a": 1, "b": "x"}, Dollar,
			"SELECT * FROM t WHERE a = $1 OR c = $1 AND b = $2", []any{1, "x"}},
		{"SELECT * FROM t WHERE a = :a OR c = :a AND b = :b", map[string]any{"a": 1, "b": "x"}, Question,
			"SELECT * FROM t WHERE a = ? OR c = ? AND b = ?", []any{1, 1, "x"}},
		{"SELECT ':no', \":no\", x::text -- :no\n/* :no */ FROM t WHERE y = :yes_1", map[string]any{"yes_1": 2}, Dollar,
			"SELECT ':no', \":no\", x::text -- :no\n/* :no */ FROM t WHERE y = $1", []any{2}},
		{"SELECT 'it''s' WHERE a = :a", map[string]any{"a": 1}, Question, "SELECT 'it''s' WHERE a = ?", []any{1}},
		{"SELECT 1 -- trailing :x", nil, Dollar, "SELECT 1 -- trailing :x", nil},
	}
	for _, tt := range tests {
		got, args, err := BindSQL(tt.query, tt.params, tt.style)
		if err != nil {
			t.Errorf("BindSQL(%q): %v", tt.query, err)
			continue
		}
		if got != tt.want || len(args) != len(tt.wantArgs) {
			t.Errorf("BindSQL(%q) = %q %v, want %q %v", tt.query, got, args, tt.want, tt.wantArgs)
			continue
		}
		for i := range args {
			if args[i] != tt.wantArgs[i] {
				t.Errorf("BindSQL(%q) args = %v, want %v", tt.query, args, tt.wantArgs)
			}
		}
	}
}

func TestBindSQLErrors(t *testing.T) {
	tests := []struct {
		query   string
		params  map[string]any
		wantErr string
	}{
		{"SELECT :a", nil, "no value for parameter :a"},
		{"SELECT 1", map[string]any{"extra": 1}, "parameter :extra is not used"},
		{"SELECT 'open", nil, "unterminated ' at byte 7"},
		{"SELECT 1 /* open", nil, "unterminated comment"},
	}
	for _, tt := range tests {
		_, _, err := BindSQL(tt.query, tt.params, Dollar)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("BindSQL(%q) error = %v, want containing %q", tt.query, err, tt.wantErr)
		}
	}
}

// TestBindSQLInjection runs bound hostile values through a real SQLite database: each comes
// back as the one value it was, and the table a value tries to drop is still there.
func TestBindSQLInjection(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE x (v TEXT)"); err != nil {
		t.Fatal(err)
	}
	for _, v := range hostile {
		query, args, err := BindSQL("SELECT :v, :v = :v, (SELECT count(*) FROM x)", map[string]any{"v": v}, Question)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(query, "drop") {
			t.Fatalf("value reached the query text: %q", query)
		}
		var got string
		var same bool
		var n int
		if err := db.QueryRow(query, args...).Scan(&got, &same, &n); err != nil {
			t.Fatalf("query for %q: %v", v, err)
		}
		if got != v || !same {
			t.Errorf("got %q back, want %q", got, v)
		}
	}
	if _, err := db.Exec("INSERT INTO x VALUES ('still here')"); err != nil {
		t.Errorf("table x is gone: %v", err)
	}
}

func FuzzBindSQL(f *testing.F) {
	f.Add("SELECT * FROM t WHERE a = :a AND b = :a", "x")
	f.Add("SELECT ':a' -- :a\n, :a::text /* :a */", "'; drop table x; --")
	f.Fuzz(func(t *testing.T, query, v string) {
		for _, style := range []Placeholder{Dollar, Question} {
			got, args, err := BindSQL(query, map[string]any{"a": v}, style)
			if err != nil {
				continue
			}
			for _, a := range args {
				if a != v {
					t.Fatalf("arg %v is not the bound value", a)
				}
			}
			// The rewrite only ever shortens :a to one placeholder; nothing else changes.
			if len(args) > 0 && strings.Count(got, "?")+strings.Count(got, "$") < 1 {
				t.Fatalf("BindSQL(%q) = %q bound %d args without placeholders", query, got, len(args))
			}
		}
	})
}
