package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

// listProvider answers from a fixed map and counts what it was asked.
type listProvider struct {
	name   string
	types  []ioc.Type
	bad    map[string]enrich.Verdict
	failOn string
	asked  atomic.Int64
}

func (p *listProvider) Name() string      { return p.name }
func (p *listProvider) Types() []ioc.Type { return p.types }
func (p *listProvider) Lookup(_ context.Context, batch []enrich.Indicator) []enrich.Result {
	p.asked.Add(int64(len(batch)))
	out := make([]enrich.Result, len(batch))
	for i, ind := range batch {
		out[i] = enrich.Result{Indicator: ind, Verdict: p.bad[ind.Value], Summary: "listed", Details: map[string]any{"hits": 2, "tags": []string{"c2"}}, Raw: []byte(`{"n":1.5}`)}
		if ind.Value == p.failOn {
			out[i] = enrich.Result{Indicator: ind, Err: errors.New("boom")}
		}
	}
	return out
}

func collect(t *testing.T, s record.Stream) []record.Record {
	t.Helper()
	var out []record.Record
	for r, err := range s {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func streamOf(recs ...record.Record) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func str(r record.Record, f string) string {
	v, _ := r.Get(f)
	return v.Text()
}

func TestLookupDistinct(t *testing.T) {
	p := &listProvider{name: "intel", types: []ioc.Type{ioc.IPv4, ioc.Domain, ioc.URL},
		bad: map[string]enrich.Verdict{"evil.example.com": enrich.Malicious, "198.51.100.9": enrich.Suspicious}, failOn: "203.0.113.5"}
	e, err := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p}}})
	if err != nil {
		t.Fatal(err)
	}
	in := streamOf(
		record.New(record.Field{Name: "type", Value: record.String("domain")}, record.Field{Name: "value", Value: record.String("evil.example.com")}),
		record.New(record.Field{Name: "type", Value: record.String("domain")}, record.Field{Name: "value", Value: record.String("evil.example.com")}),
		record.New(record.Field{Name: "value", Value: record.String("hxxp://bad[.]example.net/x")}), // typed by detection, refanged
		record.New(record.Field{Name: "value", Value: record.String("198.51.100.9")}),
		record.New(record.Field{Name: "value", Value: record.String("203.0.113.5")}),
		record.New(record.Field{Name: "other", Value: record.String("no indicator field")}),
	)
	var failures int
	out := collect(t, pipeline.Lookup(context.Background(), in, pipeline.LookupOptions{Engine: e, Batch: 2,
		OnResult: func(r enrich.Result) {
			if r.Err != nil {
				failures++
			}
		}}))
	got := []string{}
	for _, r := range out {
		got = append(got, strings.Join([]string{str(r, "indicator"), str(r, "type"), str(r, "verdict"), str(r, "decided_by"), str(r, "intel"), str(r, "errors")}, "|"))
	}
	want := []string{
		"evil.example.com|domain|malicious|intel|malicious: listed|",
		"http://bad.example.net/x|url|unknown||listed|",
		"198.51.100.9|ipv4|suspicious|intel|suspicious: listed|",
		"203.0.113.5|ipv4|unknown||error: boom|1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := p.asked.Load(); n != 4 {
		t.Errorf("provider asked %d times, want 4 (duplicates once)", n)
	}
	if failures != 1 {
		t.Errorf("OnResult saw %d failures, want 1", failures)
	}
}

func TestLookupKeepAndDetails(t *testing.T) {
	p := &listProvider{name: "intel", types: []ioc.Type{ioc.IPv4}, bad: map[string]enrich.Verdict{"198.51.100.9": enrich.Malicious}}
	e, _ := enrich.New(enrich.Options{Sources: []enrich.Source{{Provider: p, Reliability: enrich.ReliabilityB}}})
	in := streamOf(
		record.New(record.Field{Name: "host", Value: record.String("ws1")}, record.Field{Name: "dst", Value: record.String("198.51.100.9")}),
		record.New(record.Field{Name: "host", Value: record.String("ws2")}),
		record.New(record.Field{Name: "host", Value: record.String("ws3")}, record.Field{Name: "dst", Value: record.String("198.51.100.9")}),
	)
	out := collect(t, pipeline.Lookup(context.Background(), in, pipeline.LookupOptions{Engine: e, Field: "dst", Keep: true, Details: true,
		Locate: func(ind enrich.Indicator) []record.Field {
			return []record.Field{{Name: "country", Value: record.String("ZZ-" + ind.Value)}}
		}}))
	if len(out) != 3 {
		t.Fatalf("%d records, want 3 (every input kept)", len(out))
	}
	if got := strings.Join(out[0].Names(), ","); got != "host,dst,verdict,decided_by,intel,country,results" {
		t.Errorf("fields %s", got)
	}
	if got := strings.Join(out[1].Names(), ","); got != "host" {
		t.Errorf("record without the field: %s", got)
	}
	if str(out[2], "verdict") != "malicious" || str(out[2], "country") != "ZZ-198.51.100.9" {
		t.Errorf("third record: %v", out[2])
	}
	js := string(out[0].AppendJSON(nil))
	for _, want := range []string{`"provider":"intel"`, `"reliability":"B"`, `"details":{"hits":2,"tags":["c2"]}`, `"raw":{"n":1.5}`} {
		if !strings.Contains(js, want) {
			t.Errorf("%s lacks %s", js, want)
		}
	}
	if n := p.asked.Load(); n != 1 {
		t.Errorf("provider asked %d times, want 1", n)
	}
}

func TestClassify(t *testing.T) {
	ex, _ := ioc.NewExtractor(ioc.Options{})
	for in, want := range map[string]string{
		"8.8.8.8":                    "ipv4 8.8.8.8",
		" evil[.]example.com ":       "domain evil.example.com",
		"hxxps://evil.example.com/a": "url https://evil.example.com/a",
		"user@evil.example.com":      "email user@evil.example.com",
		strings.Repeat("a", 64):      "sha256 " + strings.Repeat("a", 64),
		"2001:db8::1":                "ipv6 2001:db8::1",
		"not an indicator at all":    "",
		"evil.example.com and more":  "",
	} {
		typ, val, ok := pipeline.Classify(ex, in)
		got := ""
		if ok {
			got = string(typ) + " " + val
		}
		if got != want {
			t.Errorf("Classify(%q) = %q, want %q", in, got, want)
		}
	}
}
