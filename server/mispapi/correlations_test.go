package mispapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestCorrelationExclusionsAPI follows PyMISP's test_correlation_exclusions: add, list, view, delete, clean,
// each answered as PyMISP reads it; other roles are refused.
func TestCorrelationExclusionsAPI(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "admin", "POST", "/correlation_exclusions/add", `{"value":"test-correlation-exclusion","comment":"c"}`)
	var added struct {
		CorrelationExclusion struct{ ID, Value, Comment string }
	}
	decode(t, rec, &added)
	if rec.Code != http.StatusOK || added.CorrelationExclusion.Value != "test-correlation-exclusion" || added.CorrelationExclusion.ID == "" {
		t.Fatalf("add: %d %s", rec.Code, rec.Body)
	}
	rec = a.do(t, "admin", "POST", "/correlation_exclusions/add", `{"CorrelationExclusion":{"value":"test-correlation-exclusion"}}`)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "already excluded") {
		t.Errorf("duplicate add: %d %s", rec.Code, rec.Body)
	}
	rec = a.do(t, "admin", "GET", "/correlation_exclusions", nil)
	var list []struct {
		CorrelationExclusion struct{ ID, Value string }
	}
	decode(t, rec, &list)
	if len(list) != 1 || list[0].CorrelationExclusion.ID != added.CorrelationExclusion.ID {
		t.Fatalf("index: %s", rec.Body)
	}
	rec = a.do(t, "admin", "GET", "/correlation_exclusions/view/"+added.CorrelationExclusion.ID, nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"value":"test-correlation-exclusion"`) {
		t.Errorf("view: %d %s", rec.Code, rec.Body)
	}
	for _, u := range []string{"orgadmin", "user", "publisher", "sync", "readonly"} {
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/correlation_exclusions", ""}, {"POST", "/correlation_exclusions/add", `{"value":"x"}`},
			{"POST", "/correlation_exclusions/delete/" + added.CorrelationExclusion.ID, ""},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			if rec := a.do(t, u, c.method, c.path, body); rec.Code != http.StatusForbidden {
				t.Errorf("%s %s %s: %d", u, c.method, c.path, rec.Code)
			}
		}
	}
	rec = a.do(t, "admin", "POST", "/correlation_exclusions/delete/"+added.CorrelationExclusion.ID, nil)
	var ok struct{ Success bool }
	decode(t, rec, &ok)
	if rec.Code != http.StatusOK || !ok.Success {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := a.do(t, "admin", "GET", "/correlation_exclusions/view/"+added.CorrelationExclusion.ID, nil); rec.Code != http.StatusNotFound {
		t.Errorf("view after delete: %d %s", rec.Code, rec.Body)
	}
	rec = a.do(t, "admin", "POST", "/correlation_exclusions/clean", nil)
	decode(t, rec, &ok)
	if rec.Code != http.StatusOK || !ok.Success {
		t.Errorf("clean: %d %s", rec.Code, rec.Body)
	}
	if rec := a.do(t, "admin", "POST", "/correlation_exclusions/add", `{"value":7}`); rec.Code != http.StatusForbidden {
		t.Errorf("a numeric value: %d %s", rec.Code, rec.Body)
	}
}
