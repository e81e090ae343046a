package virustotal_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/virustotal"
	"github.com/hunchsec/hunch/ioc"
)

// A file-hash and a URL lookup. The server stands in for https://www.virustotal.com/api/v3; a real
// program leaves BaseURL empty and passes its own key.
func ExampleNew() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/files/44d88612fea8a8f36de82e1278abb02f" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":{"code":"NotFoundError","message":"not found"}}`)
			return
		}
		fmt.Fprint(w, `{"data":{"id":"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f","type":"file",
			"attributes":{"last_analysis_stats":{"malicious":62,"suspicious":0,"harmless":0,"undetected":2,"timeout":1},
			"popular_threat_classification":{"suggested_threat_label":"virus.eicar/testfile"},"meaningful_name":"eicar.com"}}}`)
	}))
	defer srv.Close()

	vt, err := virustotal.New(virustotal.Options{HTTP: &enrich.HTTP{Provider: virustotal.Name}, BaseURL: srv.URL, Key: "your-key"})
	if err != nil {
		fmt.Println(err)
		return
	}
	batch := []enrich.Indicator{
		{Type: ioc.MD5, Value: "44d88612fea8a8f36de82e1278abb02f"},
		{Type: ioc.URL, Value: "http://example.com/"},
	}
	for _, r := range vt.Lookup(context.Background(), batch) {
		fmt.Println(r.Indicator.Value, r.Verdict, "|", r.Summary, "|", r.Reference)
	}
	fmt.Println(virustotal.URLID("http://example.com/"))
	// Output:
	// 44d88612fea8a8f36de82e1278abb02f malicious | 62/64 engines malicious; virus.eicar/testfile | https://www.virustotal.com/gui/file/275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
	// http://example.com/ unknown | not found | https://www.virustotal.com/gui/search/http:%2F%2Fexample.com%2F
	// aHR0cDovL2V4YW1wbGUuY29tLw
}
