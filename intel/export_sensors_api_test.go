package intel_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/server/mispapi"
)

// TestSuricataThroughAPI runs PyMISP's restsearch_attributes_suricata check against the MISP API over the
// sensor fixture: attributes/restSearch answers text rules, one for the ip-dst and the domain, none for the
// to_ids=false url, every rule with a sid.
func TestSuricataThroughAPI(t *testing.T) {
	f := newSensorFixture(t)
	srv := httptest.NewServer(mispapi.New(mispapi.Deps{Intel: f.Svc}))
	defer srv.Close()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/attributes/restSearch",
		strings.NewReader(`{"returnFormat":"suricata","eventid":1}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", f.Keys["user"])
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, content type %q:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var rules []string
	for l := range strings.SplitSeq(string(body), "\n") {
		if strings.HasPrefix(l, "alert ") {
			rules = append(rules, l)
		}
	}
	all := strings.Join(rules, "\n")
	if !strings.Contains(all, "198.51.100.7") || !strings.Contains(all, "evil.example") {
		t.Errorf("no rule for the ip-dst or the domain:\n%s", body)
	}
	if strings.Contains(all, "not-for-ids.example") {
		t.Errorf("a rule for the to_ids=false url:\n%s", body)
	}
	for _, r := range rules {
		if !strings.Contains(r, "sid:") {
			t.Errorf("rule without sid: %s", r)
		}
	}
}
