package shodan_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/shodan"
	"github.com/hunchsec/hunch/ioc"
)

// An InternetDB lookup. The server stands in for https://internetdb.shodan.io; a real program
// leaves BaseURL empty.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/198.51.100.9" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"No information available"}`)
			return
		}
		fmt.Fprint(w, `{"cpes":[],"hostnames":[],"ip":"198.51.100.9","ports":[80,443,50050],"tags":["c2","cloud"],"vulns":[]}`)
	}))
	defer srv.Close()

	idb, err := shodan.New(shodan.Options{HTTP: &enrich.HTTP{Provider: shodan.Name}, BaseURL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	batch := []enrich.Indicator{{Type: ioc.IPv4, Value: "198.51.100.9"}, {Type: ioc.IPv4, Value: "198.51.100.10"}}
	for _, r := range idb.Lookup(context.Background(), batch) {
		fmt.Println(r.Indicator.Value, r.Verdict, "|", r.Summary)
	}
	// Output:
	// 198.51.100.9 malicious | tags c2, cloud; ports 80, 443, 50050
	// 198.51.100.10 unknown | not found
}
