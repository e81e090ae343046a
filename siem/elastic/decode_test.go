package elastic

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodePrettyReply(t *testing.T) {
	d := newHitDecoder("@timestamp", "logs-*")
	p, err := d.decode(readTestdata(t, "search_pretty.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.pitID != "46ToAwMDaWR5BXV1aWQy" || len(p.records) != 2 || len(p.warnings) != 0 {
		t.Fatalf("page %+v", p)
	}
	r := p.records[0]
	if got := strings.Join(r.Names(), " "); got != "_index _id @timestamp source message fields" {
		t.Errorf("fields %q", got)
	}
	if ts, ok := r.Fields()[2].Value.Time(); !ok || !ts.Equal(time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC)) {
		t.Errorf("@timestamp %v", r.Fields()[2].Value)
	}
	if v, _ := r.Get("message"); v.Text() != "line one\nline two" {
		t.Errorf("message %q", v.Text())
	}
	if f, _ := r.Get("fields"); f.Text() != `{"source.ip":["1.2.3.4"]}` {
		t.Errorf("fields %s", f.Text())
	}
	if got := strings.Join(p.records[1].Names(), " "); got != "_index _id" {
		t.Errorf("hit without _source has %q", got)
	}
	// The unsigned_long sort value goes back exactly as the server wrote it.
	var sort []json.Number
	dec := json.NewDecoder(strings.NewReader(string(p.lastSort)))
	dec.UseNumber()
	if err := dec.Decode(&sort); err != nil || len(sort) != 2 || sort[1] != "18446744073709551615" {
		t.Errorf("last sort %s (%v)", p.lastSort, err)
	}
}

func TestDecodeSortExact(t *testing.T) {
	d := newHitDecoder("@timestamp", "x")
	p, err := d.decode([]byte(`{"hits":{"hits":[{"_id":"1","_source":{},"sort":[1714557600000,"web01",0.5,-3,null]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.lastSort) != `[1714557600000,"web01",0.5,-3,null]` {
		t.Errorf("last sort %s", p.lastSort)
	}
}

func TestDecodeBadReplies(t *testing.T) {
	for _, body := range []string{
		``, `{`, `[]`, `{"took":1}`, `{"hits":{"hits":{}}}`, `{"hits":{"hits":[1]}}`,
		`{"hits":{"hits":[{"_source":[1]}]}}`, `{"hits":{"hits":[]}} {}`,
	} {
		if _, err := newHitDecoder("@timestamp", "x").decode([]byte(body)); err == nil {
			t.Errorf("decode(%q) succeeded", body)
		}
	}
}

func TestTimeValue(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, v := range []record.Value{
		record.String("2024-05-01T10:00:00Z"), record.String("2024-05-01T12:00:00+02:00"), record.String("2024-05-01T10:00:00.000"),
		record.String("2024-05-01T10:00"), record.Int(1714557600000), record.Float(1714557600000.0),
	} {
		got, ok := timeValue(v).Time()
		if !ok || !got.Equal(want) {
			t.Errorf("timeValue(%v) = %v, %v", v, got, ok)
		}
	}
	for _, v := range []record.Value{record.String("yesterday"), record.Bool(true), record.Null(), record.String("2024/05/01")} {
		if got := timeValue(v); !got.Equal(v) {
			t.Errorf("timeValue(%v) changed it to %v", v, got)
		}
	}
}

func TestDecodeESQLFile(t *testing.T) {
	res, err := decodeESQL(readTestdata(t, "esql.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.records) != 3 {
		t.Fatalf("%d rows", len(res.records))
	}
	if v, _ := res.records[0].Get("first_seen"); v.Kind() != record.KindTime {
		t.Errorf("date column %v", v)
	}
	if v, _ := res.records[2].Get("host.name"); len(v.List()) != 2 {
		t.Errorf("multi-value %v", v)
	}
	for _, body := range []string{`{}`, `{"columns":[{"name":"a","type":"long"}],"values":[[1,2]]}`, `nope`} {
		if _, err := decodeESQL([]byte(body)); err == nil {
			t.Errorf("decodeESQL(%s) succeeded", body)
		}
	}
}

func TestBulkReplyFile(t *testing.T) {
	c, _, _ := newReplay(t, Config{APIKey: "id:secret", Upload: UploadConfig{Index: "hunch-ti"}}, apiKeyHeader,
		bulk(docs(1, 3), string(readTestdata(t, "bulk_mixed.json"))))
	u, _ := c.Uploader()
	res, err := u.Upload(context.Background(), events(3))
	if err != nil {
		t.Fatal(err)
	}
	var ie *ItemError
	if res.Sent != 2 || len(res.Failed) != 1 || res.Failed[0].N != 2 || !errors.As(res.Failed[0], &ie) ||
		ie.Reason != "[1:42] failed to parse field [source.ip] of type [ip] (caused by illegal_argument_exception: 'nope' is not an IP string literal.)" {
		t.Errorf("res %+v", res)
	}
}

// FuzzDecodeSearch feeds arbitrary replies to the hit decoder: it must not panic, and every
// record it returns starts with _index and _id.
func FuzzDecodeSearch(f *testing.F) {
	f.Add(readTestdata(f, "search_pretty.json"))
	f.Add([]byte(hitsReply("p", esHit("a1", "[1]"), esHit("a2", `["x",2.5]`))))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := newHitDecoder("@timestamp", "x").decode(data)
		if err != nil {
			return
		}
		for _, r := range p.records {
			if n := r.Names(); len(n) < 2 || n[0] != "_index" || n[1] != "_id" {
				t.Fatalf("record fields %v", n)
			}
		}
		if p.lastSort != nil && !json.Valid(p.lastSort) {
			t.Fatalf("last sort %q is not json", p.lastSort)
		}
	})
}

// FuzzDecodeESQL feeds arbitrary replies to the ES|QL decoder: no panic, rows as wide as the
// columns.
func FuzzDecodeESQL(f *testing.F) {
	f.Add(readTestdata(f, "esql.json"))
	f.Add([]byte(`{"columns":[{"name":"d","type":"date"},{"name":"u","type":"unsigned_long"}],"values":[[1714557600000,18446744073709551615]]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := decodeESQL(data)
		if err != nil {
			return
		}
		for _, r := range res.records {
			if len(res.records) > 0 && r.Len() != res.records[0].Len() {
				t.Fatalf("ragged rows")
			}
		}
	})
}

// FuzzSearchBody feeds arbitrary DSL texts to the body builder: no panic, and an accepted body
// is a JSON object whose sort ends with the tiebreaker.
func FuzzSearchBody(f *testing.F) {
	f.Add(`{"term":{"host.name":"web01"}}`)
	f.Add(`{"query":{"match_all":{}},"size":3,"sort":"@timestamp"}`)
	f.Add(`{"query":{"match_all":{}},"sort":[{"_shard_doc":"desc"}]}`)
	c, err := New(Config{URL: "https://h", Index: "x"}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		body, _, err := c.searchBody(siem.Query{Text: text, Language: DSL, Range: siem.Range{From: time.Unix(0, 0)}})
		if err != nil {
			return
		}
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("body does not marshal: %v", err)
		}
		var sort []json.RawMessage
		if err := json.Unmarshal(body["sort"], &sort); err != nil || len(sort) == 0 || !sortsBy(sort, "_shard_doc") {
			t.Fatalf("sort %s in %s", body["sort"], data)
		}
	})
}
