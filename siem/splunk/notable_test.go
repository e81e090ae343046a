package splunk

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestUpdateNotables(t *testing.T) {
	var got url.Values
	_, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		if r.URL.Path != "/services/notable_update" || r.Header.Get("Authorization") != "Bearer eyJTOKEN" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		got = form
		switch form.Get("ruleUIDs") {
		case "forbidden":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"messages":[{"type":"ERROR","text":"You do not have the capability edit_notable_events"}]}`)
		case "busy":
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"messages":[{"type":"ERROR","text":"Too many requests"}]}`)
		case "unknown":
			io.WriteString(w, `{"success":false,"message":"No valid rule_uids found","details":{},"failure_count":1}`)
		default:
			io.WriteString(w, `{"success":true,"message":"1 event updated successfully","details":{},"failure_count":0}`)
		}
	})
	c := testClient(t, srv, Config{})
	ctx := context.Background()
	r, err := c.UpdateNotables(ctx, NotableUpdate{RuleUIDs: []string{"4D1F3B9C-8E2A-4C55-9F0A-0A1B2C3D4E5F@@notable@@5b1f"}, Status: 5,
		Urgency: "critical", Owner: "alice", Comment: "hunch incident 3: contained"})
	if err != nil || !r.Success || got.Get("status") != "5" || got.Get("newOwner") != "alice" || got.Get("urgency") != "critical" ||
		!strings.HasPrefix(got.Get("comment"), "hunch incident 3") {
		t.Fatalf("%+v %v %v", r, err, got)
	}
	if _, err := c.UpdateNotables(ctx, NotableUpdate{RuleUIDs: []string{"unknown"}, Status: 2}); err == nil || !strings.Contains(err.Error(), "No valid rule_uids") {
		t.Errorf("not found: %v", err)
	}
	_, err = c.UpdateNotables(ctx, NotableUpdate{RuleUIDs: []string{"forbidden"}, Status: 2})
	var se *Error
	if !errors.As(err, &se) || se.Status != 403 || !strings.Contains(err.Error(), "edit_notable_events") {
		t.Errorf("permission: %v", err)
	}
	if _, err := c.UpdateNotables(ctx, NotableUpdate{RuleUIDs: []string{"busy"}, Status: 2}); !errors.As(err, &se) || se.Status != 429 {
		t.Errorf("rate limited: %v", err)
	}
	if _, err := c.UpdateNotables(ctx, NotableUpdate{}); err == nil {
		t.Error("an update without rule_uids was sent")
	}
}

func TestUpdateNotablesTimeout(t *testing.T) {
	_, srv := newSplunkd(t, func(w http.ResponseWriter, r *http.Request, form url.Values) {
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, `{"success":true,"message":"1 event updated successfully","failure_count":0}`)
	})
	c := testClient(t, srv, Config{Timeout: 100 * time.Millisecond})
	if _, err := c.UpdateNotables(context.Background(), NotableUpdate{RuleUIDs: []string{"x"}, Status: 2}); err == nil || !strings.Contains(err.Error(), "deadline") && !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("a slow Splunk: %v", err)
	}
}
