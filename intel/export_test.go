package intel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
)

// exportAs runs q as user in scope and returns what Export wrote.
func exportAs(t *testing.T, user string, scope intel.Scope, body string) (string, searchData) {
	t.Helper()
	f, d := newSearchFixture(t)
	var buf bytes.Buffer
	if err := f.Svc.Export(context.Background(), f.ACL(user), scope, mustParseSearch(t, body), &buf); err != nil {
		t.Fatalf("export %s: %v", body, err)
	}
	return buf.String(), d
}

func TestExportCSVAttributes(t *testing.T) {
	got, d := exportAs(t, "user", intel.ScopeAttributes, `{"returnFormat":"csv","value":["10.0.0.1","10.0.0.2","12345"]}`)
	a1, o := d.alpha.Attribute[0], d.alpha.Object[0]
	oa, g := o.Attribute[1], d.gamma.Attribute[1]
	want := "uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category\n" +
		fmt.Sprintf(`"%s",%d,"Network activity","ip-dst","10.0.0.1","",1,1700000000,"","kill-chain:delivery","","",""`+"\n", a1.UUID, d.alpha.ID) +
		fmt.Sprintf(`"%s",%d,"Network activity","ip-dst","10.0.0.2","",1,1700000000,"ip","","%s","domain-ip","network"`+"\n", oa.UUID, d.alpha.ID, o.UUID) +
		fmt.Sprintf(`"%s",%d,"Other","text",12345,"he said ""hi"", twice",0,1700200000,"","","","",""`+"\n", g.UUID, d.gamma.ID) +
		"\n"
	if got != want {
		t.Errorf("csv:\n%s\nwant:\n%s", got, want)
	}
}

func TestExportCSVOptions(t *testing.T) {
	got, _ := exportAs(t, "user", intel.ScopeAttributes,
		`{"returnFormat":"csv","value":"10.0.0.1","requested_attributes":["value","to_ids","first_seen"],"headerless":1,"includeContext":1}`)
	want := `"10.0.0.1",1,"","alpha campaign","ORGNAME","ORGNAME",1,1,0,"2024-01-10","tlp:green",1700000000` + "\n\n"
	if got != want {
		t.Errorf("csv:\n%q\nwant:\n%q", got, want)
	}
}

func TestExportCSVEvents(t *testing.T) {
	got, _ := exportAs(t, "user", intel.ScopeEvents,
		`{"returnFormat":"csv","eventinfo":"alpha%","requested_attributes":["value","object_relation"],"includeContext":1}`)
	lines := strings.Split(got, "\n")
	if lines[0] != "value,object_relation,event_info,event_member_org,event_source_org,event_distribution,event_threat_level_id,event_analysis,event_date,event_tag,event_timestamp" {
		t.Errorf("header %q", lines[0])
	}
	// The event's four live attributes, then its object's two, then the final empty line.
	if len(lines) != 1+6+2 || lines[7] != "" || lines[8] != "" {
		t.Fatalf("lines %q", lines)
	}
	if want := `"10.0.0.2","ip","alpha campaign","ORGNAME","ORGNAME",1,"High",0,"2024-01-10","tlp:green",1700000000`; lines[6] != want {
		t.Errorf("object line %q, want %q", lines[6], want)
	}
}

func TestExportText(t *testing.T) {
	for _, tc := range []struct {
		scope intel.Scope
		body  string
		want  string
	}{
		{intel.ScopeAttributes, `{"returnFormat":"text"}`,
			"10.0.0.1\nevil.example.com\ndropper.exe|0123456789abcdef0123456789abcdef\nobj.example.com\n10.0.0.2\n"},
		{intel.ScopeEvents, `{"returnFormat":"text"}`,
			"10.0.0.1\nevil.example.com\ndropper.exe|0123456789abcdef0123456789abcdef\nobj.example.com\n10.0.0.2\n"},
		{intel.ScopeAttributes, `{"returnFormat":"text","value":"nothing"}`, "\n"},
		// Distinct values once: the admin sees 10.0.0.1 in two events.
		{intel.ScopeAttributes, `{"returnFormat":"text","value":"10.0.0.%","to_ids":[0,1],"published":[0,1]}`,
			"10.0.0.1\n10.0.0.2\n"},
	} {
		user := "user"
		if strings.Contains(tc.body, "10.0.0.%") {
			user = "admin"
		}
		got, _ := exportAs(t, user, tc.scope, tc.body)
		if got != tc.want {
			t.Errorf("%s %s:\n%q\nwant\n%q", tc.scope, tc.body, got, tc.want)
		}
	}
}

func TestExportJSON(t *testing.T) {
	got, d := exportAs(t, "user", intel.ScopeAttributes, `{"value":"10.0.0.1","includeEventUuid":1}`)
	var reply struct {
		Response struct {
			Attribute []misp.Attribute
		}
	}
	if err := json.Unmarshal([]byte(got), &reply); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if len(reply.Response.Attribute) != 1 || reply.Response.Attribute[0].EventUUID != d.alpha.UUID {
		t.Errorf("attributes %+v", reply.Response.Attribute)
	}
	got, _ = exportAs(t, "user", intel.ScopeEvents, `{"value":"10.0.0.1"}`)
	events, err := misp.DecodeEvents([]byte(got))
	if err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	if len(events) != 1 || events[0].Info != "alpha campaign" {
		t.Errorf("events %+v", events)
	}
	got, _ = exportAs(t, "user", intel.ScopeAttributes, `{"value":"nothing"}`)
	if got != `{"response":{"Attribute":[]}}` && got != `{"response": {"Attribute": []}}` {
		t.Errorf("empty attributes reply %q", got)
	}
}

// failingWriter fails every write, as a client that went away.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("client gone") }

func TestExportWriteError(t *testing.T) {
	f, _ := newSearchFixture(t)
	for _, format := range []string{"json", "csv", "text"} {
		err := f.Svc.Export(context.Background(), f.ACL("admin"), intel.ScopeAttributes,
			intel.Search{Format: intel.Format(format), ToIDSGiven: true, PublishedGiven: true}, failingWriter{})
		if err == nil || !strings.Contains(err.Error(), "client gone") {
			t.Errorf("%s: error %v", format, err)
		}
	}
}
