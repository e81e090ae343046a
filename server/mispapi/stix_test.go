package mispapi

import (
	"net/http"
	"strings"
	"testing"
)

// stixBundle is a STIX 2.1 report with one indicator, the shape PyMISP's upload_stix(version='2') posts.
const stixBundle = `{"type":"bundle","id":"bundle--6a1c8a4e-0c65-4e0b-b2f5-36c6f3f1f1a1","objects":[
 {"type":"report","spec_version":"2.1","id":"report--0b1f4bb8-2e0d-4b8c-9d6e-3b3bfbb1a001","created":"2026-11-01T10:00:00.000Z",
  "modified":"2026-11-01T10:00:00.000Z","name":"Uploaded report","published":"2026-11-01T10:00:00Z",
  "object_refs":["indicator--0b1f4bb8-2e0d-4b8c-9d6e-3b3bfbb1a002"]},
 {"type":"indicator","spec_version":"2.1","id":"indicator--0b1f4bb8-2e0d-4b8c-9d6e-3b3bfbb1a002","created":"2026-11-01T10:00:00.000Z",
  "modified":"2026-11-01T10:00:00.000Z","pattern":"[ipv4-addr:value = '198.51.100.77']","pattern_type":"stix",
  "valid_from":"2026-11-01T10:00:00Z"}]}`

// TestUploadSTIX: events/upload_stix/2 makes the bundle an event of the caller's organisation with the asked
// distribution and answers it; STIX 1, a body that is no bundle and a read-only user are refused.
func TestUploadSTIX(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "user", "POST", "/events/upload_stix/2/distribution:0", stixBundle)
	var got struct {
		Event struct {
			Info, Distribution string
			Attribute          []struct{ Type, Value string }
		}
	}
	decode(t, rec, &got)
	if rec.Code != http.StatusOK || got.Event.Info != "Uploaded report" || got.Event.Distribution != "0" ||
		len(got.Event.Attribute) != 1 || got.Event.Attribute[0].Type != "ip-dst" && got.Event.Attribute[0].Type != "ip-src" ||
		got.Event.Attribute[0].Value != "198.51.100.77" {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	for _, c := range []struct{ user, path, body, want string }{
		{"user", "/events/upload_stix", "<stix/>", "STIX 1 is not supported"},
		{"user", "/events/upload_stix/1", "<stix/>", "STIX 1 is not supported"},
		{"user", "/events/upload_stix/2", `{"type":"indicator"}`, "Could not upload_stix Events"},
		{"user", "/events/upload_stix/2/distribution:9", stixBundle, "Wrong distribution level"},
		{"readonly", "/events/upload_stix/2", stixBundle, "You do not have permission"},
	} {
		rec := a.do(t, c.user, "POST", c.path, c.body)
		if rec.Code < 400 || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s %s: %d %s", c.user, c.path, rec.Code, rec.Body)
		}
	}
}
