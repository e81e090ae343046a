package enrichtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/enrich"
)

// CheckResult asserts what every answer a provider gives about ind must satisfy, whatever the
// reply it came from (the property a fuzz target over a provider's reply parser checks):
//   - it is about ind;
//   - a failed result (Err set) has verdict Unknown and, when sentinels are given, its error
//     wraps one of them;
//   - any other result has a verdict on the scale and a summary;
//   - either way it marshals to JSON.
func CheckResult(t testing.TB, ind enrich.Indicator, r enrich.Result, sentinels ...error) {
	t.Helper()
	if r.Indicator != ind {
		t.Fatalf("result for %v, asked about %v", r.Indicator, ind)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatalf("result does not marshal: %v", err)
	}
	if r.Err != nil {
		if r.Verdict != enrich.Unknown {
			t.Fatalf("failed result has verdict %v (error %v)", r.Verdict, r.Err)
		}
		if len(sentinels) > 0 && !wrapsAny(r.Err, sentinels) {
			t.Fatalf("error %v wraps none of %v", r.Err, sentinels)
		}
		return
	}
	if r.Verdict < enrich.Unknown || r.Verdict > enrich.Malicious {
		t.Fatalf("verdict %d off the scale", r.Verdict)
	}
	if r.Summary == "" {
		t.Fatalf("no summary for verdict %v", r.Verdict)
	}
}

func wrapsAny(err error, sentinels []error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// Lookup asks p about batch and returns its answer, after checking that it holds one result per
// indicator, in order.
func Lookup(t testing.TB, p enrich.Provider, batch []enrich.Indicator) []enrich.Result {
	t.Helper()
	res := p.Lookup(context.Background(), batch)
	checkOrder(t, batch, res)
	return res
}

// checkOrder asserts one result per indicator of batch, in order.
func checkOrder(t testing.TB, batch []enrich.Indicator, res []enrich.Result) {
	t.Helper()
	if len(res) != len(batch) {
		t.Fatalf("%d results for %d indicators", len(res), len(batch))
	}
	for i, r := range res {
		if r.Indicator != batch[i] {
			t.Errorf("result %d is for %v, want %v", i, r.Indicator, batch[i])
		}
	}
}

// Seeds returns the contents of the files in testdata matching pattern, for a fuzz target's seed
// corpus; it fails when none match.
func Seeds(f *testing.F, pattern string) [][]byte {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds match testdata/%s: %v", pattern, err)
	}
	out := make([][]byte, len(files))
	for i, name := range files {
		if out[i], err = os.ReadFile(name); err != nil {
			f.Fatal(err)
		}
	}
	return out
}

// CheckCancelled asks p about batch with a context that is already cancelled: it must answer
// within a second with one result per indicator, each about its indicator and wrapping
// context.Canceled, and srv, when not nil, must have received no request.
func CheckCancelled(t *testing.T, p enrich.Provider, srv *Server, batch []enrich.Indicator) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	res := p.Lookup(ctx, batch)
	if took := time.Since(start); took > time.Second {
		t.Errorf("cancelled lookup took %v", took)
	}
	checkOrder(t, batch, res)
	for i, r := range res {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("result %d (%v): error %v, want context.Canceled", i, r.Indicator, r.Err)
		}
	}
	if srv != nil {
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent after cancellation", n)
		}
	}
}

// NewCase is one call of a provider's constructor: with Options it must fail with an error whose
// message contains WantErr or, when WantErr is empty, succeed.
type NewCase[O any] struct {
	Name    string
	Options O
	WantErr string
}

// CheckNew runs each case through newFn, one subtest each; check, when not nil, is called with
// what each succeeding case built (to assert the defaults it applied).
func CheckNew[O, P any](t *testing.T, newFn func(O) (P, error), check func(t *testing.T, p P), cases []NewCase[O]) {
	t.Helper()
	for i, c := range cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprint(i)
		}
		t.Run(name, func(t *testing.T) {
			p, err := newFn(c.Options)
			if c.WantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if check != nil {
					check(t, p)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.WantErr) {
				t.Errorf("New error %v, want one saying %q", err, c.WantErr)
			}
		})
	}
}

// File is a reply serving the file name from the test's testdata directory.
func File(name string) Reply {
	return Reply{File: filepath.Join("testdata", name)}
}

// Detail asserts that r.Details[k] equals want: of the same type and value (reflect.DeepEqual).
func Detail(t testing.TB, r enrich.Result, k string, want any) {
	t.Helper()
	got, ok := r.Details[k]
	if !ok {
		t.Errorf("details have no %q: %v", k, r.Details)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("details[%q] = %#v, want %#v", k, got, want)
	}
}

// NoDetail asserts that r.Details has no k.
func NoDetail(t testing.TB, r enrich.Result, k string) {
	t.Helper()
	if v, ok := r.Details[k]; ok {
		t.Errorf("details[%q] = %#v, want none", k, v)
	}
}

// The functions below return checks for Case.Check.

// Details checks that the result's details hold every key of want with an equal value (see
// Detail), and possibly more keys.
func Details(want map[string]any) func(*testing.T, enrich.Result) {
	return func(t *testing.T, r enrich.Result) {
		t.Helper()
		for k, v := range want {
			Detail(t, r, k, v)
		}
	}
}

// NoDetails checks that the result's details have none of keys.
func NoDetails(keys ...string) func(*testing.T, enrich.Result) {
	return func(t *testing.T, r enrich.Result) {
		t.Helper()
		for _, k := range keys {
			NoDetail(t, r, k)
		}
	}
}

// Reference checks the result's reference.
func Reference(want string) func(*testing.T, enrich.Result) {
	return func(t *testing.T, r enrich.Result) {
		t.Helper()
		if r.Reference != want {
			t.Errorf("reference %q, want %q", r.Reference, want)
		}
	}
}

// RawJSON checks that the result keeps a raw reply and that it is JSON.
func RawJSON() func(*testing.T, enrich.Result) {
	return func(t *testing.T, r enrich.Result) {
		t.Helper()
		if len(r.Raw) == 0 || !json.Valid(r.Raw) {
			t.Errorf("raw reply missing or not JSON: %q", r.Raw)
		}
	}
}

// RawFile checks that the result's raw reply is the bytes of the file name in testdata, the
// body served; name "" checks nothing.
func RawFile(name string) func(*testing.T, enrich.Result) {
	return func(t *testing.T, r enrich.Result) {
		t.Helper()
		if name == "" {
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Raw) != string(b) {
			t.Errorf("raw reply is not the body served (%d bytes, want %d)", len(r.Raw), len(b))
		}
	}
}

// All runs every check.
func All(checks ...func(*testing.T, enrich.Result)) func(*testing.T, enrich.Result) {
	return func(t *testing.T, r enrich.Result) {
		t.Helper()
		for _, c := range checks {
			c(t, r)
		}
	}
}
