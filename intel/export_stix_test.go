package intel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

// TestExportSTIX2: restSearch's stix2 answers a STIX 2.1 bundle, an indicator per to_ids attribute (the PyMISP
// smoke check looks for the ip in a pattern) and observed data for the others, and an event as a report or
// grouping at event level; only what the reader may see goes in.
func TestExportSTIX2(t *testing.T) {
	f := inteltest.New(t, inteltest.Options{})
	ctx := context.Background()
	e := &misp.Event{Info: "stix export", Distribution: misp.Distribution("1"), Attribute: []misp.Attribute{
		{Type: "ip-dst", Value: "198.51.100.99", ToIDS: misp.OptBoolOf(true)},
		{Type: "domain", Value: "observed.example.org", ToIDS: misp.OptBoolOf(false)}}}
	if _, err := f.Svc.AddEvent(ctx, f.ACL("user"), e, true); err != nil {
		t.Fatal(err)
	}
	private := &misp.Event{Info: "private", Distribution: misp.Distribution("0"), Attribute: []misp.Attribute{
		{Type: "ip-dst", Value: "203.0.113.99", ToIDS: misp.OptBoolOf(true)}}}
	if _, err := f.Svc.AddEvent(ctx, f.ACL("user2"), private, true); err != nil {
		t.Fatal(err)
	}
	bundle := func(scope intel.Scope) map[string][]map[string]any {
		var buf bytes.Buffer
		q, err := intel.ParseSearch([]byte(`{"returnFormat":"stix2"}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Svc.Export(ctx, f.ACL("user"), scope, q, &buf); err != nil {
			t.Fatal(err)
		}
		var b struct {
			Type    string
			Objects []map[string]any
		}
		if err := json.Unmarshal(buf.Bytes(), &b); err != nil || b.Type != "bundle" {
			t.Fatalf("not a bundle (%v): %.300s", err, buf.String())
		}
		byType := map[string][]map[string]any{}
		for _, o := range b.Objects {
			byType[o["type"].(string)] = append(byType[o["type"].(string)], o)
		}
		if strings.Contains(buf.String(), "203.0.113.99") {
			t.Errorf("%v: the bundle holds another organisation's private attribute", scope)
		}
		return byType
	}
	attrs := bundle(intel.ScopeAttributes)
	if len(attrs["indicator"]) != 1 || !strings.Contains(attrs["indicator"][0]["pattern"].(string), "198.51.100.99") {
		t.Errorf("indicators: %v", attrs["indicator"])
	}
	if len(attrs["observed-data"]) != 1 || len(attrs["domain-name"]) != 1 {
		t.Errorf("observed data: %v, domain names %v", attrs["observed-data"], attrs["domain-name"])
	}
	events := bundle(intel.ScopeEvents)
	if len(events["grouping"])+len(events["report"]) != 1 || len(events["indicator"]) != 1 || len(events["identity"]) != 1 {
		t.Errorf("event bundle: %d groupings, %d reports, %d indicators, %d identities", len(events["grouping"]),
			len(events["report"]), len(events["indicator"]), len(events["identity"]))
	}
}
