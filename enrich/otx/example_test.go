package otx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/otx"
	"github.com/hunchsec/hunch/ioc"
)

// An IP and a host-name lookup. The server stands in for https://otx.alienvault.com; a real program
// leaves BaseURL empty and passes its own key.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/indicators/IPv4/198.51.100.7/general":
			fmt.Fprint(w, `{"indicator":"198.51.100.7","type":"IPv4","validation":[],"false_positive":[],
				"pulse_info":{"count":2,"pulses":[{"name":"QakBot C2","malware_families":[{"id":"QakBot","display_name":"QakBot","target":null}]},
				{"name":"Scanners"}]}}`)
		case "/api/v1/indicators/hostname/www.example.com/general":
			fmt.Fprint(w, `{"indicator":"www.example.com","type":"hostname",
				"validation":[{"source":"whitelist","name":"Whitelisted domain","message":"Whitelisted domain example.com"}],
				"pulse_info":{"count":0,"pulses":[]}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"Not found."}`)
		}
	}))
	defer srv.Close()

	o, err := otx.New(otx.Options{HTTP: &enrich.HTTP{Provider: otx.Name}, BaseURL: srv.URL, Key: "your-key"})
	if err != nil {
		fmt.Println(err)
		return
	}
	batch := []enrich.Indicator{{Type: ioc.IPv4, Value: "198.51.100.7"}, {Type: ioc.Domain, Value: "www.example.com"}}
	for _, r := range o.Lookup(context.Background(), batch) {
		fmt.Println(r.Indicator.Value, r.Verdict, "|", r.Summary, "|", r.Reference)
	}
	// Output:
	// 198.51.100.7 malicious | 2 pulses; families: QakBot | https://otx.alienvault.com/indicator/ip/198.51.100.7
	// www.example.com benign | whitelisted: Whitelisted domain example.com; 0 pulses | https://otx.alienvault.com/indicator/hostname/www.example.com
}
