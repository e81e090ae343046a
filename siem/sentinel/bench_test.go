package sentinel

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchReply builds a query reply of n SecurityEvent-like rows with datetime, string, int, long,
// bool and dynamic cells.
func benchReply(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Computer","type":"string"},{"name":"EventID","type":"int"},{"name":"ProcessId","type":"long"},{"name":"CommandLine","type":"string"},{"name":"Elevated","type":"bool"},{"name":"AdditionalFields","type":"dynamic"}],"rows":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `["2024-05-01T10:%02d:%02d.1234567Z","WS%03d.contoso.com",4688,%d,"powershell.exe -NoProfile -EncodedCommand SQBFAFgA",true,"{\"ParentProcessName\":\"C:\\\\Windows\\\\explorer.exe\",\"TokenElevationType\":\"%%%%1936\",\"Sid\":[1,5,21]}"]`, i/60%60, i%60, i%1000, 4000+i)
	}
	b.WriteString(`]}]}`)
	return []byte(b.String())
}

// BenchmarkSearch measures rows/s from reply bytes on a local TLS server to records.
func BenchmarkSearch(b *testing.B) {
	const n = 100000
	body := benchReply(n)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	c, err := New(Config{WorkspaceID: testWorkspace, Endpoint: srv.URL + "/v1"}, nil, WithCredential(&fakeCred{}), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	iters := 0
	for b.Loop() {
		rows := 0
		for _, err := range c.Search(context.Background(), kql("SecurityEvent")) {
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		if rows != n {
			b.Fatal(rows)
		}
		iters++
	}
	b.ReportMetric(float64(n*iters)/b.Elapsed().Seconds(), "rows/s")
}
