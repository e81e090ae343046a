package files

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
	"github.com/hunchsec/hunch/siem/files/where"
)

func newSource(t *testing.T, cfg Config) *Source {
	t.Helper()
	s, err := New(cfg, WithNow(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func search(t *testing.T, s *Source, q siem.Query) (recs []record.Record, errs []error) {
	t.Helper()
	for r, err := range s.Search(context.Background(), q) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, r)
	}
	return recs, errs
}

func TestSourceSearch(t *testing.T) {
	s := newSource(t, Config{Paths: []string{"testdata/*.log", "testdata/*.json"}})
	tests := []struct {
		text    string
		rng     siem.Range
		limit   int
		want    int
		wantErr int // parse errors passed through
	}{
		{`*`, siem.Range{}, 0, 3 + 3 + 5 + 4 + 2, 5},
		{`app = "sshd"`, siem.Range{}, 0, 1, 5},
		{`cmdline contains "/tmp/my file"`, siem.Range{}, 0, 1, 5},
		{`_path = "conn" and id.resp_p = 443`, siem.Range{}, 0, 1, 5},
		{`tunnel_parents = "Cb"`, siem.Range{}, 0, 1, 5},
		{`_file endswith "dns.json" and query icontains "EVIL"`, siem.Range{}, 0, 1, 5},
		{`severity <= 2`, siem.Range{}, 0, 2, 5},
		{`sd.exampleSDID@32473.eventID = 1011`, siem.Range{}, 0, 1, 5},
		{`ts >= "2026-11-22T11:01:00Z"`, siem.Range{}, 0, 2, 5},
		// range on the default time fields: ts (zeek), timestamp (syslog), time (auditd)
		{`*`, siem.Range{From: time.Date(2026, 11, 22, 11, 0, 1, 0, time.UTC), To: time.Date(2026, 11, 22, 11, 2, 0, 0, time.UTC)}, 0, 3, 5},
		{`*`, siem.Range{From: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}, 0, 3 + 3 + 3 + 3 + 2, 5}, // before 10:00 UTC: a +01:00 line, last year's line, a null 5424 time
		{`*`, siem.Range{}, 4, 4, 1},          // audit.log's bad line 9 comes before its second event
		{`exe exists`, siem.Range{}, 2, 2, 1}, // likewise
	}
	for _, tt := range tests {
		recs, errs := search(t, s, siem.Query{Text: tt.text, Language: siem.Where, Range: tt.rng, Limit: tt.limit})
		if len(recs) != tt.want || len(errs) != tt.wantErr {
			t.Errorf("%q %v limit %d: %d records, %d errors (%v); want %d, %d", tt.text, tt.rng, tt.limit, len(recs), len(errs), errs, tt.want, tt.wantErr)
		}
		for _, err := range errs {
			if !record.IsParseError(err) {
				t.Errorf("%q: fatal error %v", tt.text, err)
			}
		}
	}
}

func TestSourceTimeField(t *testing.T) {
	s := newSource(t, Config{Paths: []string{"testdata/conn.log"}, TimeField: "duration"})
	// duration is a float: read as unix seconds; only 1.5 and 0.01 fall in [0, 1.6s)
	recs, _ := search(t, s, siem.Query{Text: "*", Range: siem.Range{From: time.Unix(0, 0), To: time.Unix(1, 600e6)}})
	if len(recs) != 2 {
		t.Errorf("got %d records", len(recs))
	}
}

func TestSourceErrors(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no paths accepted")
	}
	if _, err := New(Config{Paths: []string{"x"}, Format: "evtx"}); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := New(Config{Paths: []string{"x"}, Format: "evtx"}, WithReaders(map[Format]Reader{"evtx": readSyslog})); err != nil {
		t.Errorf("format from WithReaders: %v", err)
	}
	if _, err := New(Config{Paths: []string{"x"}, Timezone: "Nowhere/Else"}); err == nil {
		t.Error("bad timezone accepted")
	}
	s := newSource(t, Config{Paths: []string{"testdata/syslog.log"}, Format: "syslog", Timezone: "Europe/Berlin", MaxExprBytes: 20, MaxExprDepth: 2})
	for _, tt := range []struct {
		q    siem.Query
		want error
		text string
	}{
		{siem.Query{Text: "a = 1", Language: siem.SPL}, nil, "query language"},
		{siem.Query{Text: "a = 1", Limit: -1}, nil, "negative"},
		{siem.Query{Text: "a = "}, nil, "want a value"},
		{siem.Query{Text: `host = "` + strings.Repeat("x", 20) + `"`}, where.ErrTooLong, ""},
		{siem.Query{Text: `((a = 1))`}, where.ErrTooDeep, ""},
	} {
		_, errs := search(t, s, tt.q)
		if len(errs) != 1 || tt.want != nil && !errors.Is(errs[0], tt.want) || tt.text != "" && !strings.Contains(errs[0].Error(), tt.text) {
			t.Errorf("%+v: %v", tt.q, errs)
		}
	}
	recs, _ := search(t, s, siem.Query{Text: `host = "web01"`})
	v, _ := recs[0].Get("timestamp")
	if got, _ := v.Time(); !got.Equal(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("timezone not applied: %v", got)
	}
	missing := newSource(t, Config{Paths: []string{"testdata/nope.log"}})
	if _, errs := search(t, missing, siem.Query{Text: "*"}); len(errs) != 1 || !errors.Is(errs[0], os.ErrNotExist) {
		t.Errorf("missing file: %v", errs)
	}
}

// TestSourceInjection: a hostile value quoted with siem.QuoteSPL, as the template library
// does, matches only records whose field holds exactly that value.
func TestSourceInjection(t *testing.T) {
	s := newSource(t, Config{Paths: []string{"testdata/syslog.log"}})
	for _, h := range []string{`web01" or host exists or host = "`, `x\" or app = "sshd`, "web01\"\nor host exists or \""} {
		q, err := siem.Quote(siem.SPL, h)
		if err != nil {
			t.Fatal(err)
		}
		recs, _ := search(t, s, siem.Query{Text: "host = " + q, Language: siem.Where})
		if len(recs) != 0 {
			t.Errorf("%q matched %d records", h, len(recs))
		}
	}
}

// TestSourceCorpus searches the OTRF Windows JSON logs and checks the counts against a plain
// encoding/json pass over the same files.
func TestSourceCorpus(t *testing.T) {
	dir := testcorpus.Path(t, "logs/json")
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatal(names, err)
	}
	from := time.Date(2020, 10, 1, 0, 0, 0, 0, time.UTC)
	wantAll, want4688, wantRange := 0, 0, 0
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var ev struct {
				EventID     int
				Channel     string
				TimeCreated string
				Timestamp   string `json:"@timestamp"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatal(err)
			}
			wantAll++
			if ev.EventID == 4688 && ev.Channel == "Security" {
				want4688++
			}
			ts := ev.TimeCreated // the first of the default time fields present
			if ts == "" {
				ts = ev.Timestamp
			}
			tc, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				tc, err = time.Parse("2006-01-02 15:04:05.999999999", ts)
			}
			if err != nil {
				t.Fatalf("%s: time %q", name, ts)
			}
			if !tc.Before(from) {
				wantRange++
			}
		}
		f.Close()
	}
	s := newSource(t, Config{Paths: []string{filepath.Join(dir, "**", "*.json")}})
	for _, tt := range []struct {
		q    siem.Query
		want int
	}{
		{siem.Query{Text: "*"}, wantAll},
		{siem.Query{Text: `EventID = 4688 and Channel = "Security"`}, want4688},
		{siem.Query{Text: `EventID in (4688) and not Channel != "Security"`}, want4688},
		{siem.Query{Text: "*", Range: siem.Range{From: from}}, wantRange},
		{siem.Query{Text: `TimeCreated >= "2020-10-01" or (not TimeCreated exists and @timestamp >= "2020-10-01")`}, wantRange},
	} {
		recs, errs := search(t, s, tt.q)
		if len(errs) != 0 || len(recs) != tt.want {
			t.Errorf("%q: %d records (%v), want %d", tt.q.Text, len(recs), errs, tt.want)
		}
	}
	if want4688 == 0 || wantRange == 0 {
		t.Errorf("corpus check is empty: %d %d", want4688, wantRange)
	}
	t.Logf("%d events, %d process creations, %d since %s", wantAll, want4688, wantRange, from.Format(time.DateOnly))
}

func TestSourceFileField(t *testing.T) {
	s := newSource(t, Config{Paths: []string{"testdata/syslog.log", "testdata/rfc5424.log"}, FileField: "_file"})
	recs, _ := search(t, s, siem.Query{Text: "*"}) // the files' deliberately bad lines come as errors
	if len(recs) == 0 {
		t.Fatal("no records")
	}
	seen := map[string]int{}
	for _, r := range recs {
		names := r.Names()
		v, _ := r.Get("_file")
		if names[len(names)-1] != "_file" || v.Text() != r.Meta.Source {
			t.Fatalf("record %v: _file %q, meta %q", names, v.Text(), r.Meta.Source)
		}
		seen[v.Text()]++
	}
	if len(seen) != 2 || seen["testdata/syslog.log"] == 0 || seen["testdata/rfc5424.log"] == 0 {
		t.Errorf("files %v", seen)
	}
	// Without the option the records are as the file has them.
	plain, _ := search(t, newSource(t, Config{Paths: []string{"testdata/syslog.log"}}), siem.Query{Text: "*"})
	if _, ok := plain[0].Get("_file"); ok {
		t.Error("_file added without file_field")
	}
}
