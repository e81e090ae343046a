package whois_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hunchsec/hunch/enrich/whois"
)

// A registry's RDAP server and the IANA bootstrap file that points to it, served locally.
func ExampleClient_Lookup() {
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/domain/example.com" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rdap+json")
		fmt.Fprint(w, `{"objectClassName": "domain", "handle": "2336799_DOMAIN_COM-VRSN", "ldhName": "EXAMPLE.COM",
			"status": ["client delete prohibited"],
			"entities": [{"objectClassName": "entity", "roles": ["registrar"],
				"vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "RESERVED-Internet Assigned Numbers Authority"]]]}],
			"events": [
				{"eventAction": "registration", "eventDate": "1995-08-14T04:00:00Z"},
				{"eventAction": "expiration", "eventDate": "2026-08-13T04:00:00Z"},
				{"eventAction": "last changed", "eventDate": "2025-08-14T07:01:39Z"},
				{"eventAction": "last update of RDAP database", "eventDate": "2026-01-01T00:00:00Z"}]}`)
	}))
	defer registry.Close()
	iana := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"version": "1.0", "services": [[["com"], [%q]]]}`, registry.URL+"/")
	}))
	defer iana.Close()

	c := whois.New(whois.Options{BootstrapURL: iana.URL + "/"})
	rec, err := c.Lookup(context.Background(), "www.example.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rec.Kind, rec.Name, "at", rec.Registrar)
	fmt.Println("registered", rec.Registered.Format("2006-01-02"))
	fmt.Println("updated   ", rec.Updated.Format("2006-01-02"))
	fmt.Println("expires   ", rec.Expires.Format("2006-01-02"))
	// Output:
	// domain example.com at RESERVED-Internet Assigned Numbers Authority
	// registered 1995-08-14
	// updated    2025-08-14
	// expires    2026-08-13
}

// ParseQuery shows what Lookup will ask a registry for.
func ExampleParseQuery() {
	for _, q := range []string{"AS15169", "8.8.8.8", "2001:db8::/32", "www.Bücher.example.co.uk"} {
		kind, object, err := whois.ParseQuery(q)
		fmt.Println(kind, object, err)
	}
	// Output:
	// asn 15169 <nil>
	// ip 8.8.8.8 <nil>
	// ip 2001:db8::/32 <nil>
	// domain example.co.uk <nil>
}
