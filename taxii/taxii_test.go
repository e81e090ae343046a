package taxii_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/stix"
	"github.com/hunchsec/hunch/taxii"
)

const (
	col      = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
	readOnly = "52892447-4d7e-4f70-b94d-d7f22742ff63"
)

// replay serves the TAXII 2.1 specification's example resources (testdata/spec) at the paths a server following
// the specification's examples has them, checking what every request must carry.
func replay(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	var log []string
	file := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "spec", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log = append(log, r.Method+" "+r.URL.RequestURI())
		if r.Header.Get("Accept") != taxii.MediaTAXII {
			t.Errorf("%s: Accept %q", r.URL, r.Header.Get("Accept"))
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "analyst" || p != "s3cret" {
			w.Header().Set("Content-Type", taxii.MediaTAXII)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		reply := func(status int, name string) {
			w.Header().Set("Content-Type", taxii.MediaTAXII)
			w.WriteHeader(status)
			_, _ = w.Write(file(name))
		}
		switch p := r.URL.Path; {
		case p == "/taxii2/":
			reply(200, "discovery.json")
		case p == "/api1/":
			reply(200, "api_root.json")
		case p == "/api1/collections/":
			reply(200, "collections.json")
		case p == "/api1/collections/"+col+"/":
			reply(200, "collection.json")
		case p == "/api1/collections/"+col+"/objects/" && r.Method == http.MethodGet:
			if r.URL.Query().Get("limit") != "1" || r.URL.Query().Get("added_after") != "2014-01-01T00:00:00.000000Z" {
				t.Errorf("objects query %s", r.URL.RawQuery)
			}
			if r.URL.Query().Get("next") == "2" {
				w.Header().Set("X-TAXII-Date-Added-First", "2016-11-01T03:04:05.000Z")
				w.Header().Set("X-TAXII-Date-Added-Last", "2016-11-01T03:04:06.000Z")
				reply(200, "objects_page2.json")
				return
			}
			w.Header().Set("X-TAXII-Date-Added-First", "2016-11-01T03:04:04.000Z")
			w.Header().Set("X-TAXII-Date-Added-Last", "2016-11-01T03:04:04.000Z")
			reply(200, "objects_page1.json")
		case p == "/api1/collections/"+col+"/objects/" && r.Method == http.MethodPost:
			if r.Header.Get("Content-Type") != taxii.MediaTAXII {
				t.Errorf("POST content type %q", r.Header.Get("Content-Type"))
			}
			var env struct {
				Objects []json.RawMessage `json:"objects"`
			}
			if b, _ := io.ReadAll(r.Body); json.Unmarshal(b, &env) != nil || len(env.Objects) != 4 {
				t.Errorf("POST body: %d objects", len(env.Objects))
			}
			reply(202, "status.json")
		case p == "/api1/collections/"+readOnly+"/objects/":
			reply(409, "error.json")
		case p == "/api1/collections/"+col+"/manifest/":
			reply(200, "manifest.json")
		case p == "/api1/collections/"+col+"/objects/indicator--cd981c25-8042-4166-8945-51178443bdac/versions/":
			reply(200, "versions.json")
		case p == "/api1/status/2d086da7-4bdc-4f91-900e-d77486753710/":
			reply(200, "status.json")
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &log
}

// TestSpecExamples: the client reads every resource as the specification's examples write them.
func TestSpecExamples(t *testing.T) {
	srv, log := replay(t)
	ctx := context.Background()
	c := taxii.New(taxii.Options{User: "analyst", Password: "s3cret", HTTPClient: srv.Client()})
	d, err := c.Discover(ctx, srv.URL+"/taxii2/")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Some TAXII Server" || d.Default != "https://example.com/api2/" || len(d.APIRoots) != 3 ||
		d.APIRoots[2] != "https://example.net/trustgroup1/" {
		t.Errorf("discovery %+v", d)
	}
	root := srv.URL + "/api1/"
	ar, err := c.APIRoot(ctx, root)
	if err != nil || ar.MaxContentLength != 104857600 || ar.Versions[0] != taxii.MediaTAXII {
		t.Errorf("api root %+v, %v", ar, err)
	}
	cs, err := c.Collections(ctx, root)
	if err != nil || len(cs) != 2 || cs[0].ID != col || !cs[0].CanRead || cs[0].CanWrite || cs[1].Title != "Indicators from the past 24-hours" {
		t.Errorf("collections %+v, %v", cs, err)
	}
	one, err := c.Collection(ctx, root, col)
	if err != nil || one.MediaTypes[0] != "application/stix+json;version=2.1" {
		t.Errorf("collection %+v, %v", one, err)
	}
	var objects []json.RawMessage
	var last time.Time
	err = c.AllObjects(ctx, root, col, taxii.Query{Limit: 1, AddedAfter: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)}, func(p *taxii.Page) error {
		objects = append(objects, p.Objects...)
		last = p.DateAddedLast
		return nil
	})
	if err != nil || len(objects) != 3 || !last.Equal(time.Date(2016, 11, 1, 3, 4, 6, 0, time.UTC)) {
		t.Errorf("objects: %d, last %v, %v", len(objects), last, err)
	}
	res, err := stix.ParseObjects("", objects, stix.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// the indicator's hash, tagged with its label and the malware it indicates
	if len(res.Events) != 1 || len(res.Events[0].Attribute) != 1 || res.Events[0].Attribute[0].Type != "sha256" ||
		len(res.Skipped) != 0 {
		t.Fatalf("pulled objects read as %+v, skipped %v", res.Events, res.Skipped)
	}
	var tags []string
	for _, tg := range res.Events[0].Attribute[0].Tag {
		tags = append(tags, tg.Name)
	}
	if strings.Join(tags, ",") != "malicious-activity,malware:Poison Ivy" {
		t.Errorf("attribute tags %v", tags)
	}
	m, err := c.Manifest(ctx, root, col, taxii.Query{})
	if err != nil || !m.More || len(m.Objects) != 2 || m.Objects[1].DateAdded != "2016-11-01T10:29:05.000Z" {
		t.Errorf("manifest %+v, %v", m, err)
	}
	v, err := c.ObjectVersions(ctx, root, col, "indicator--cd981c25-8042-4166-8945-51178443bdac", taxii.Query{})
	if err != nil || len(v.Versions) != 2 {
		t.Errorf("versions %+v, %v", v, err)
	}
	st, err := c.AddObjects(ctx, root, col, append(objects, objects[0]))
	if err != nil || st.Status != "pending" || st.PendingCount != 2 || st.Failures[0].Message != "Unable to process object" {
		t.Errorf("add objects: %+v, %v", st, err)
	}
	if st, err = c.Status(ctx, root, st.ID); err != nil || st.TotalCount != 4 {
		t.Errorf("status %+v, %v", st, err)
	}
	_, err = c.Objects(ctx, root, readOnly, taxii.Query{Limit: 1, AddedAfter: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)})
	var te *taxii.Error
	if !errors.As(err, &te) || te.StatusCode != 409 || te.ErrorCode != "581234" || te.Details["somekey2"] != "some other value" {
		t.Errorf("error resource: %#v", err)
	}
	wrong := taxii.New(taxii.Options{User: "analyst", Password: "wrong", HTTPClient: srv.Client()})
	if _, err := wrong.Collections(ctx, root); !errors.As(err, &te) || te.StatusCode != 401 {
		t.Errorf("wrong password: %v", err)
	}
	if !strings.Contains(strings.Join(*log, "\n"), "next=2") {
		t.Errorf("the second page was not asked for by next: %v", *log)
	}
}

// TestClientLimits: a reply over MaxResponseBytes, a server slower than Timeout and more pages than MaxPages are
// errors.
func TestClientLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTAXII)
		switch r.URL.Path {
		case "/slow/":
			time.Sleep(300 * time.Millisecond)
			_, _ = w.Write([]byte(`{"title":"x"}`))
		case "/root/collections/c/objects/":
			_, _ = w.Write([]byte(`{"more":true,"next":"n","objects":[{"type":"x","id":"x--1"}]}`))
		default:
			_, _ = w.Write([]byte(`{"title":"` + strings.Repeat("x", 2000) + `"}`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	c := taxii.New(taxii.Options{MaxResponseBytes: 1000, Timeout: 100 * time.Millisecond, MaxPages: 3})
	if _, err := c.APIRoot(ctx, srv.URL+"/big/"); err == nil || !strings.Contains(err.Error(), "larger than 1000") {
		t.Errorf("big reply: %v", err)
	}
	if _, err := c.APIRoot(ctx, srv.URL+"/slow/"); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow reply: %v", err)
	}
	n := 0
	err := c.AllObjects(ctx, srv.URL+"/root/", "c", taxii.Query{}, func(*taxii.Page) error { n++; return nil })
	if !errors.Is(err, taxii.ErrTooManyPages) || n != 3 {
		t.Errorf("pages: %d, %v", n, err)
	}
}
