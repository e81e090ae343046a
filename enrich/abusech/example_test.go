package abusech_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/abusech"
	"github.com/hunchsec/hunch/ioc"
)

// A ThreatFox lookup. The server stands in for https://threatfox-api.abuse.ch/api/v1; a real
// program leaves BaseURL empty and passes its abuse.ch Auth-Key.
func ExampleNewThreatFox() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Auth-Key") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"query_status":"ok","data":[{"id":"1558251","ioc":"198.51.100.7:443",
			"threat_type":"botnet_cc","ioc_type":"ip:port","malware":"win.cobalt_strike",
			"malware_printable":"Cobalt Strike","confidence_level":75,"tags":["c2"]}]}`)
	}))
	defer srv.Close()

	tf, err := abusech.NewThreatFox(abusech.Options{
		HTTP:    &enrich.HTTP{Provider: abusech.ThreatFoxName},
		BaseURL: srv.URL,
		Key:     "my-auth-key",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range tf.Lookup(context.Background(), []enrich.Indicator{{Type: ioc.IPv4, Value: "198.51.100.7"}}) {
		fmt.Println(r.Verdict, "|", r.Summary, "|", r.Reference)
	}
	// Output:
	// malicious | listed: Cobalt Strike, botnet_cc, confidence 75%, tags c2 | https://threatfox.abuse.ch/ioc/1558251/
}
