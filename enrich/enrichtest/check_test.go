package enrichtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
)

// recorder is a testing.TB that notes failures instead of failing the test; Fatalf ends the
// goroutine it is called on, as testing's does.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// fails reports whether check failed the TB it was given.
func fails(t *testing.T, check func(testing.TB)) (bool, string) {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.failed, r.msg
}

func TestCheckResult(t *testing.T) {
	ind := enrich.Indicator{Type: ioc.IPv4, Value: "192.0.2.1"}
	good := enrich.Result{Indicator: ind, Verdict: enrich.Malicious, Summary: "listed"}
	with := func(f func(*enrich.Result)) enrich.Result {
		r := good
		f(&r)
		return r
	}
	tests := []struct {
		name      string
		r         enrich.Result
		sentinels []error
		wantFail  bool
	}{
		{"good", good, nil, false},
		{"another indicator", with(func(r *enrich.Result) { r.Indicator.Value = "192.0.2.2" }), nil, true},
		{"verdict off the scale", with(func(r *enrich.Result) { r.Verdict = 4 }), nil, true},
		{"negative verdict", with(func(r *enrich.Result) { r.Verdict = -1 }), nil, true},
		{"no summary", with(func(r *enrich.Result) { r.Summary = "" }), nil, true},
		{"details that do not marshal", with(func(r *enrich.Result) { r.Details = map[string]any{"x": math.NaN()} }), nil, true},
		{"failed and unknown", enrich.Result{Indicator: ind, Err: enrich.ErrBadReply}, nil, false},
		{"failed with a verdict", enrich.Result{Indicator: ind, Err: enrich.ErrBadReply, Verdict: enrich.Suspicious}, nil, true},
		{"failed with a sentinel", enrich.Result{Indicator: ind, Err: fmt.Errorf("p: %w: x", enrich.ErrBadReply)},
			[]error{enrich.ErrAuth, enrich.ErrBadReply}, false},
		{"failed without a sentinel", enrich.Result{Indicator: ind, Err: errors.New("p: x")},
			[]error{enrich.ErrAuth, enrich.ErrBadReply}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, msg := fails(t, func(tb testing.TB) { CheckResult(tb, ind, tt.r, tt.sentinels...) })
			if failed != tt.wantFail {
				t.Errorf("failed %v (%q), want %v", failed, msg, tt.wantFail)
			}
		})
	}
}

func TestDetail(t *testing.T) {
	r := enrich.Result{Details: map[string]any{"n": int64(3), "tags": []string{"a", "b"}}}
	tests := []struct {
		name     string
		check    func(testing.TB)
		wantFail bool
	}{
		{"equal", func(tb testing.TB) { Detail(tb, r, "tags", []string{"a", "b"}) }, false},
		{"same type and value", func(tb testing.TB) { Detail(tb, r, "n", int64(3)) }, false},
		{"other type", func(tb testing.TB) { Detail(tb, r, "n", 3) }, true},
		{"other value", func(tb testing.TB) { Detail(tb, r, "tags", []string{"a"}) }, true},
		{"missing", func(tb testing.TB) { Detail(tb, r, "x", nil) }, true},
		{"absent", func(tb testing.TB) { NoDetail(tb, r, "x") }, false},
		{"present", func(tb testing.TB) { NoDetail(tb, r, "n") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if failed, msg := fails(t, tt.check); failed != tt.wantFail {
				t.Errorf("failed %v (%q), want %v", failed, msg, tt.wantFail)
			}
		})
	}
}

// answer is a provider that answers with a fixed list of results, whatever it is asked.
type answer []enrich.Result

func (a answer) Name() string                                               { return "answer" }
func (a answer) Types() []ioc.Type                                          { return []ioc.Type{ioc.IPv4} }
func (a answer) Lookup(context.Context, []enrich.Indicator) []enrich.Result { return a }

func TestLookup(t *testing.T) {
	x := enrich.Indicator{Type: ioc.IPv4, Value: "192.0.2.1"}
	y := enrich.Indicator{Type: ioc.IPv4, Value: "192.0.2.2"}
	tests := []struct {
		name     string
		p        answer
		wantFail bool
	}{
		{"in order", answer{{Indicator: x}, {Indicator: y}}, false},
		{"swapped", answer{{Indicator: y}, {Indicator: x}}, true},
		{"one short", answer{{Indicator: x}}, true},
		{"one more", answer{{Indicator: x}, {Indicator: y}, {Indicator: y}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, msg := fails(t, func(tb testing.TB) { Lookup(tb, tt.p, []enrich.Indicator{x, y}) })
			if failed != tt.wantFail {
				t.Errorf("failed %v (%q), want %v", failed, msg, tt.wantFail)
			}
		})
	}
}
