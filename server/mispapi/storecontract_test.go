package mispapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/inteltest"
)

// storeCase is one exchange of a store-backed contract group: a request sent as fixture user As (after Setup,
// when set), whose answer is pinned in testdata/contract/<Name>.golden with uuids numbered by first appearance.
// Cases of a group run in order on one instance, so later cases see what earlier ones wrote.
type storeCase struct {
	Name   string
	As     string
	Method string
	Path   string
	Body   string
	Setup  func(t *testing.T, a *api)
	// Check, when set, asserts what clients rely on beyond the golden file.
	Check func(t *testing.T, a *api, rec *httptest.ResponseRecorder)
}

// storeContractGroups are the store-backed contract groups, one per file of endpoints.
func storeContractGroups() map[string][]storeCase {
	return map[string][]storeCase{
		"events":     contractEventCases(),
		"attributes": contractAttributeCases(),
		"search":     contractSearchCases(),
		"objects":    contractObjectCases(),
		"sightings":  contractSightingCases(),
		"tags":       contractTagCases(),
		"taxonomies": contractTaxonomyCases(),
		"admin":      contractAdminCases(),
	}
}

// contractEpoch is the store-backed contract instance's clock at its first reading; every reading advances it
// one second, so timestamps in golden files are the same on every run.
var contractEpoch = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// newContractAPI is newAPI with the ticking contract clock.
func newContractAPI(t *testing.T) *api {
	var mu sync.Mutex
	now := contractEpoch
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	f := inteltest.New(t, inteltest.Options{Now: clock})
	return &api{Fixture: f, h: New(Deps{Intel: f.Svc})}
}

var uuidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// scrubUUIDs replaces each distinct uuid by <uuid-N>, numbered by first appearance.
func scrubUUIDs(b []byte) []byte {
	seen := map[string]int{}
	return uuidRE.ReplaceAllFunc(b, func(u []byte) []byte {
		k := strings.ToLower(string(u))
		n, ok := seen[k]
		if !ok {
			n = len(seen) + 1
			seen[k] = n
		}
		return fmt.Appendf(nil, "<uuid-%d>", n)
	})
}

func TestStoreContract(t *testing.T) {
	for group, cases := range storeContractGroups() {
		if len(cases) == 0 {
			continue
		}
		t.Run(group, func(t *testing.T) {
			a := newContractAPI(t)
			for _, tc := range cases {
				ok := t.Run(tc.Name, func(t *testing.T) {
					if tc.Setup != nil {
						tc.Setup(t, a)
					}
					var body any
					if tc.Body != "" {
						body = tc.Body
					}
					rec := a.do(t, tc.As, tc.Method, tc.Path, body)
					cc := contractCase{name: tc.Name, method: tc.Method, path: tc.Path, body: tc.Body,
						header: [][2]string{{"As", tc.As}}}
					got := scrubUUIDs(renderExchange(cc, rec))
					file := filepath.Join("testdata", "contract", tc.Name+".golden")
					if *update {
						if err := os.WriteFile(file, got, 0o644); err != nil {
							t.Fatal(err)
						}
					}
					want, err := os.ReadFile(file)
					if err != nil {
						t.Fatalf("%v (run with -update to create it)", err)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("answer differs from %s (run with -update if the change is intended):\n%s", file, lineDiff(want, got))
					}
					if rec.Code >= 500 {
						t.Errorf("5xx answer: %d %s", rec.Code, rec.Body)
					}
					if tc.Method != http.MethodHead && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") &&
						!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/") {
						t.Errorf("content type %q", rec.Header().Get("Content-Type"))
					}
					if tc.Check != nil {
						tc.Check(t, a, rec)
					}
				})
				if !ok {
					return // later cases depend on earlier ones
				}
			}
		})
	}
}
