package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestWhoisCommand runs 'hunch whois' against a recorded Verisign RDAP reply behind a bootstrap
// file served locally: the registry is found through the bootstrap, and the dates come out of
// their own events.
func TestWhoisCommand(t *testing.T) {
	var srv *httptest.Server
	placeholder := regexp.MustCompile(`\{\{[A-Z]+\}\}`)
	serve := func(w http.ResponseWriter, file string) {
		b, err := os.ReadFile("../../enrich/whois/testdata/" + file)
		if err != nil {
			t.Error(err)
			w.WriteHeader(500)
			return
		}
		w.Write(placeholder.ReplaceAll(b, []byte(srv.URL)))
	}
	var paths []string
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		switch r.URL.Path {
		case "/bootstrap/dns.json":
			serve(w, "bootstrap/dns.json")
		case "/com/v1/domain/google.com":
			serve(w, "rdap/verisign_domain_google.com.json")
		default:
			w.WriteHeader(http.StatusNotFound)
			serve(w, "rdap/error_404.json")
		}
	}))
	defer srv.Close()
	cfg := writeConfig(t, "whois:\n  bootstrap_url: "+srv.URL+"/bootstrap/\n  cymru: \"off\"\n")
	code, out, errOut := runHunch(t, "", "whois", "--config", cfg, "--data", t.TempDir(), "-o", "ndjson", "www.google.com", "nonexistent-zone.zz")
	if code != ExitPartial {
		t.Fatalf("exit %d (want 3: one query has no registry): %s", code, errOut)
	}
	var rec struct {
		Query, Kind, Object, Registrar, Source string
		Registered, Updated, Expires           string
		NameServers                            []string `json:"name_servers"`
		Raw                                    json.RawMessage
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rec); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rec.Query != "www.google.com" || rec.Kind != "domain" || rec.Object != "google.com" || rec.Registrar == "" || len(rec.NameServers) == 0 {
		t.Errorf("record: %+v", rec)
	}
	if rec.Registered >= rec.Updated || rec.Updated >= rec.Expires || !strings.HasPrefix(rec.Registered, "1997-09-15") {
		t.Errorf("dates: registered %s, updated %s, expires %s", rec.Registered, rec.Updated, rec.Expires)
	}
	if rec.Raw != nil {
		t.Error("raw reply printed without --raw")
	}
	if paths[0] != "/bootstrap/dns.json" || !strings.Contains(strings.Join(paths, " "), "/com/v1/domain/google.com") {
		t.Errorf("requests: %v", paths)
	}
	if !strings.Contains(errOut, "whois nonexistent-zone.zz") {
		t.Errorf("stderr: %s", errOut)
	}
}
