package hunt

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExampleHunt(t *testing.T) {
	src, err := os.ReadFile("../../examples/hunts/encoded-powershell.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Resolve(map[string]string{"host": `WKS-014" or CommandLine exists or Computer = "x`}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	args, skip, err := f.Steps[0].Command(p)
	if err != nil || skip {
		t.Fatal(err, skip)
	}
	want := `--text=CommandLine ~ "(?i)\\s-e(nc|ncodedcommand)?\\s" and Computer = "WKS-014\" or CommandLine exists or Computer = \"x"`
	if !slices.Contains(args, want) || args[0] != "query" || args[1] != "run" || !slices.Contains(args, "--files=examples/events.ndjson") {
		t.Errorf("a quote in the host stays inside its string:\n%q", args)
	}
	args, _, _ = f.Steps[1].Command(p)
	if !slices.Contains(args, "--unpack=true") || !slices.Contains(args, "--types=ipv4,ipv6,domain,url") {
		t.Errorf("extract step %q", args)
	}
	if !strings.Contains(f.Summary(), "-p types=enum(network|all), default \"network\"") {
		t.Errorf("summary:\n%s", f.Summary())
	}
}

func TestParamTypes(t *testing.T) {
	f, err := Parse([]byte(`
name: types
parameters:
  - {name: n, type: int, default: "3"}
  - {name: x, type: float}
  - {name: b, type: bool, default: "false"}
  - {name: d, type: duration, default: 7d}
  - {name: since, type: time, default: "2026-03-14"}
  - {name: mode, type: enum, values: [fast, full], required: true}
  - {name: hosts, type: list}
steps:
  - {run: query run, input: none, with: {text: 'n > {{ .n }}', last: "{{ .d }}"}, args: ["{{ join .hosts \" \" }}"]}
  - {run: extract, when: "{{ .b }}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	p, err := f.Resolve(map[string]string{"mode": "full", "hosts": "a, b,,c", "x": "0.5"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p["n"] != int64(3) || p["x"] != 0.5 || p["b"] != false || p["d"] != "7d" || p["since"] != "2026-03-14T00:00:00Z" ||
		!slices.Equal(p["hosts"].([]string), []string{"a", "b", "c"}) {
		t.Errorf("resolved %v", p)
	}
	if _, skip, _ := f.Steps[1].Command(p); !skip {
		t.Error("a step whose when is false ran")
	}
	for _, c := range []struct {
		given map[string]string
		want  string
	}{
		{map[string]string{}, "parameter mode (enum) is required"},
		{map[string]string{"mode": "slow"}, `"slow": want one of fast, full`},
		{map[string]string{"mode": "fast", "n": "three"}, `"three" is not an integer`},
		{map[string]string{"mode": "fast", "b": "maybe"}, "not true or false"},
		{map[string]string{"mode": "fast", "d": "soon"}, "not a duration"},
		{map[string]string{"mode": "fast", "since": "yesterdayish"}, "not a time"},
		{map[string]string{"mode": "fast", "bogus": "1"}, `no parameter "bogus"`},
	} {
		if _, err := f.Resolve(c.given, now); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.given, err, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"steps: [{run: extract}]", "no name"},
		{"name: x", "no steps"},
		{"name: x\nsteps: [{run: serve}]", `run "serve": want one of`},
		{"name: x\nsteps: [{run: extract, with: {data: /tmp}}]", `flag "data" is not one a step may set`},
		{"name: x\nsteps: [{run: extract, input: later}, {id: later, run: lookup}]", `input "later": no step before it`},
		{"name: x\nsteps: [{run: extract, with: {field: '{{ .x'}}]", "field:"},
		{"name: x\nparameters: [{name: p, type: colour}]\nsteps: [{run: extract}]", `type "colour"`},
		{"name: x\nparameters: [{name: p, type: enum}]\nsteps: [{run: extract}]", "an enum needs values"},
		{"name: x\nparameters: [{name: p, type: int, default: many}]\nsteps: [{run: extract}]", "default"},
		{"name: x\nparameters: [{name: p}, {name: p}]\nsteps: [{run: extract}]", "declared twice"},
		{"name: x\nschedule: {cron: 'every day'}\nsteps: [{run: extract}]", "five fields"},
		{"name: x\nschedule: {cron: '@daily', runs: [{q: 1}]}\nsteps: [{run: extract}]", `no parameter "q"`},
		{"name: x\nunknown: 1\nsteps: [{run: extract}]", "field unknown not found"},
		{"name: x\nparameters: [{name: host}]\nsteps: [{run: query run, with: {text: 'Computer = \"{{ .host }}\"'}}]", "write {{ quote .host }}"},
		{"name: x\nparameters: [{name: host}]\nsteps: [{run: query run, with: {text: '{{ if .host }}a = {{ printf \"%s\" .host }}{{ end }}'}}]", "parameter host into the query"},
	} {
		if _, err := Parse([]byte(c.src)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
	if _, err := Parse([]byte("name: x\n" + strings.Repeat("#", DefaultMaxBytes))); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized: %v", err)
	}
	var b strings.Builder
	b.WriteString("name: x\nsteps:\n")
	for range DefaultMaxSteps + 1 {
		b.WriteString("  - {run: extract}\n")
	}
	if _, err := Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("too many steps: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"name: x\nsteps: [{run: extract}]",
		"name: x\nparameters: [{name: h, type: enum, values: [a]}]\nsteps: [{run: query run, with: {text: '{{ quote .h }}'}}]",
		"name: x\nschedule: {cron: '*/5 * * * *', runs: [{}]}\nsteps: [{run: report, input: none}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		h, err := Parse(src)
		if err != nil {
			return
		}
		if h.Name == "" || len(h.Steps) == 0 {
			t.Fatalf("accepted a hunt without a name or steps: %q", src)
		}
		p, err := h.Resolve(map[string]string{}, time.Now())
		if err != nil {
			return
		}
		for _, s := range h.Steps {
			s.Command(p) // must not panic
		}
	})
}

func TestScheduler(t *testing.T) {
	f, err := Parse([]byte("name: hourly\nparameters: [{name: host}]\nschedule: {cron: '0 * * * *', runs: [{host: a}, {host: b}]}\nsteps: [{run: extract}]"))
	if err != nil {
		t.Fatal(err)
	}
	once, _ := Parse([]byte("name: adhoc\nsteps: [{run: extract}]"))
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	var ran []string
	s := &Scheduler{Files: []*File{f, once}, Now: func() time.Time { return now },
		Run: func(_ context.Context, f *File, p map[string]string) { ran = append(ran, f.Name+":"+p["host"]) }}
	ctx := context.Background()
	s.Tick(ctx) // plans 10:00
	now = now.Add(29 * time.Minute)
	s.Tick(ctx)
	if len(ran) != 0 {
		t.Fatalf("ran before it was due: %v", ran)
	}
	now = now.Add(time.Minute) // 10:00
	s.Tick(ctx)
	s.Tick(ctx) // same minute: not again
	if !slices.Equal(ran, []string{"hourly:a", "hourly:b"}) {
		t.Fatalf("at 10:00 ran %v", ran)
	}
	now = now.Add(time.Hour)
	s.Tick(ctx)
	if len(ran) != 4 {
		t.Errorf("at 11:00 ran %v", ran)
	}
}
