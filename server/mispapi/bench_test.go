package mispapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel/acl"
)

// BenchmarkHandshake is PyMISP's connect: getVersion, users/view/me and describeTypes, with the
// key's bcrypt check remembered as it is after the first request.
func BenchmarkHandshake(b *testing.B) {
	auth, _ := newTestAuth(b)
	h := New(Deps{Auth: auth})
	paths := []string{"/servers/getVersion", "/users/view/me", "/attributes/describeTypes.json"}
	reqs := make([]*http.Request, len(paths))
	for i, p := range paths {
		reqs[i] = httptest.NewRequest("GET", p, nil)
		for _, kv := range pymispHeaders(keyAdmin) {
			reqs[i].Header.Set(kv[0], kv[1])
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range reqs {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code)
			}
		}
	}
}

// BenchmarkAuthenticate compares a remembered key with one checked by bcrypt every time.
func BenchmarkAuthenticate(b *testing.B) {
	for _, bc := range []struct {
		name    string
		checker *acl.KeyChecker
	}{
		{"remembered", nil},
		{"bcrypt", acl.NewKeyChecker(0, 0, nil)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			auth, keys := newTestAuth(b)
			if bc.checker != nil {
				auth = NewKeyAuthenticator(keys.lookup, bc.checker, func() time.Time { return fixedNow })
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := auth.Authenticate(ctx, keyAdmin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEventsAddBulk is bulk ingest through the API: events/add of an event of 10 000 attributes, as
// PyMISP's add_event sends it, decoded, validated, authorised and saved over SQLite in one request, with
// MISP's answer (the whole saved event) written back. It reports attributes per second.
func BenchmarkEventsAddBulk(b *testing.B) {
	const per = 10000
	a := newAPI(b)
	n := 0
	for b.Loop() {
		b.StopTimer()
		body := bulkEventBody(n*per, per)
		b.StartTimer()
		rec := a.do(b, "admin", "POST", "/events/add", body)
		if rec.Code != http.StatusOK {
			b.Fatalf("events/add: %d %.300s", rec.Code, rec.Body)
		}
		n++
	}
	b.ReportMetric(float64(n*per)/b.Elapsed().Seconds(), "attrs/s")
}

// bulkEventBody is an events/add body of n attributes numbered from base: ip-dst, domain, url and
// filename|md5 in turn, one in ten tagged.
func bulkEventBody(base, n int) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `{"Event":{"info":"bulk %d","distribution":"1","threat_level_id":"2","analysis":"1","Tag":[{"name":"tlp:green"}],"Attribute":[`, base)
	for i := range n {
		k := base + i
		if i > 0 {
			buf.WriteByte(',')
		}
		var typ, cat, val string
		switch k % 4 {
		case 0:
			typ, cat, val = "ip-dst", "Network activity", fmt.Sprintf("10.%d.%d.%d", k>>16&255, k>>8&255, k&255)
		case 1:
			typ, cat, val = "domain", "Network activity", fmt.Sprintf("host%d.example.com", k)
		case 2:
			typ, cat, val = "url", "Network activity", fmt.Sprintf("http://host%d.example.com/path/%d", k, k)
		default:
			typ, cat, val = "filename|md5", "Payload delivery", fmt.Sprintf("file%d.exe|%032x", k, k)
		}
		fmt.Fprintf(&buf, `{"type":%q,"category":%q,"value":%q,"to_ids":true,"distribution":"5"`, typ, cat, val)
		if k%10 == 0 {
			buf.WriteString(`,"Tag":[{"name":"kill-chain:delivery"}]`)
		}
		buf.WriteByte('}')
	}
	buf.WriteString(`]}}`)
	return buf.Bytes()
}
