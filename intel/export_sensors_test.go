package intel_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/inteltest"
	"github.com/hunchsec/hunch/misp"
)

var updateGoldens = flag.Bool("update", false, "rewrite the export goldens under testdata/exports")

var sensorEpoch = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// sensorTypes are the attribute types of the sensor fixture's published event, each with a value that
// exercises its rule shape (escaping, ports, schemes).
var sensorTypes = []struct{ typ, value string }{
	{"ip-dst", "198.51.100.7"},
	{"ip-src", "203.0.113.9"},
	{"ip-dst|port", "198.51.100.8|8080"},
	{"ip-src|port", "203.0.113.10|4444"},
	{"domain", "evil.example"},
	{"hostname", "c2.evil.example"},
	{"domain|ip", "dual.example|192.0.2.44"},
	{"url", "http://evil.example/gate.php?id=0x1"},
	{"user-agent", `Mozilla/5.0 (evil|bot; "x")`},
	{"email", "both@evil.example"},
	{"email-src", "sender@evil.example"},
	{"email-dst", "victim@example.org"},
	{"email-subject", `Invoice: "urgent"; pay now`},
	{"email-attachment", `invoice.pdf.exe`},
	{"ja3-fingerprint-md5", "e7d705a3286e19ea42f587b344ee6865"},
	{"snort", "alert tcp any any -> any 80 (msg:\"old message\"; content:\"evil\"; sid:123; rev:7;\nclasstype:bad-unknown; reference:url,old.example;)"},
	{"md5", "0123456789abcdef0123456789abcdef"},
	{"sha256", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	{"filename|sha1", "dropper.exe|0123456789abcdef0123456789abcdef01234567"},
	{"malware-sample", "sample.bin|fedcba9876543210fedcba9876543210"},
	{"ssdeep", "24:abc:def"},
}

// sensorURLs are further url values of the fixture, one per scheme the Suricata export treats apart.
var sensorURLs = []string{"https://login.evil.example:8443/", "ssh://198.51.100.20", "ftp://198.51.100.21:2121/x",
	"ssh://named.example", "evil.example/no/scheme"}

// newSensorFixture stores a published event with one to_ids attribute of each sensor type (tagged), the
// extra urls, a to_ids=false url, and a network-connection object; and an unpublished event with an ip-dst.
func newSensorFixture(t *testing.T) *inteltest.Fixture {
	t.Helper()
	ctx := context.Background()
	f := inteltest.New(t, inteltest.Options{Now: func() time.Time { return sensorEpoch }})
	if err := f.Store.PutSetting(ctx, intel.SettingBaseURL, "https://misp.example/"); err != nil {
		t.Fatal(err)
	}
	host := f.Orgs[inteltest.HostOrg].ID
	attr := func(typ, val string, ids bool) misp.Attribute {
		return misp.Attribute{Type: typ, Category: "Network activity", Value: val, ToIDS: misp.OptBoolOf(ids),
			Distribution: "5", Timestamp: misp.Timestamp(sensorEpoch.Unix())}
	}
	e := &misp.Event{OrgID: host, OrgcID: host, Info: "sensor exports", UUID: "5a3c2fcd-8328-42bb-a95e-4f4402de0b81", Date: misp.Date{Time: sensorEpoch},
		ThreatLevel: 2, Distribution: "1", Timestamp: misp.Timestamp(sensorEpoch.Unix()),
		Tag: []misp.Tag{{Name: "tlp:green", Exportable: true}, {Name: `misp-galaxy:threat-actor="Sofacy"`, Exportable: true}}}
	for _, st := range sensorTypes {
		a := attr(st.typ, st.value, true)
		a.Tag = []misp.Tag{{Name: "kill-chain:c2", Exportable: true}}
		e.Attribute = append(e.Attribute, a)
	}
	for _, u := range sensorURLs {
		e.Attribute = append(e.Attribute, attr("url", u, true))
	}
	// An IPv6 address and a CIDR block, for the rpz owner names and Zeek's SUBNET.
	e.Attribute = append(e.Attribute, attr("ip-dst", "2001:db8::1", true), attr("ip-src", "10.1.0.0/16", true))
	e.Attribute[len(e.Attribute)-1].Comment = "tab\there <b>bold</b> caf\u00e9"
	e.Attribute = append(e.Attribute, attr("url", "http://not-for-ids.example/", false))
	rel := func(a misp.Attribute, r string) misp.Attribute { a.ObjectRelation = misp.NullString(r); return a }
	e.Object = []misp.Object{{Name: "network-connection", MetaCategory: "network", Distribution: "5",
		Timestamp: misp.Timestamp(sensorEpoch.Unix()), Attribute: misp.AttributeList{
			rel(attr("ip-src", "192.0.2.1", true), "ip-src"),
			rel(attr("ip-dst", "192.0.2.2", true), "ip-dst"),
			rel(attr("port", "443", true), "dst-port"),
			rel(attr("text", "tcp", true), "layer4-protocol"),
		}}}
	draft := &misp.Event{OrgID: host, OrgcID: host, Info: "draft", UUID: "5a3c2fcd-8328-42bb-a95e-4f4402de0b82", Date: misp.Date{Time: sensorEpoch},
		ThreatLevel: 1, Distribution: "1", Timestamp: misp.Timestamp(sensorEpoch.Unix()),
		Attribute: []misp.Attribute{attr("ip-dst", "198.51.100.99", true)}}
	for _, ev := range []*misp.Event{e, draft} {
		if err := f.Store.SaveEvent(ctx, ev); err != nil {
			t.Fatalf("save %s: %v", ev.Info, err)
		}
	}
	if err := f.Store.PublishEvent(ctx, int64(e.ID), sensorEpoch); err != nil {
		t.Fatal(err)
	}
	return f
}

// checkGolden compares got with testdata/exports/name, rewriting it under -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "exports", name)
	if *updateGoldens {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to write it): %v", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from its golden:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func sensorExport(t *testing.T, f *inteltest.Fixture, scope intel.Scope, body string) string {
	t.Helper()
	q, err := intel.ParseSearch([]byte(body))
	if err != nil {
		t.Fatalf("ParseSearch(%s): %v", body, err)
	}
	var buf bytes.Buffer
	if err := f.Svc.Export(context.Background(), f.ACL("user"), scope, q, &buf); err != nil {
		t.Fatalf("export %s: %v", body, err)
	}
	return buf.String()
}

// TestExportSensorGoldens exports each attribute type of the fixture alone in each sensor format, then the
// whole fixture at attribute and at event level, and compares each with its golden.
func TestExportSensorGoldens(t *testing.T) {
	f := newSensorFixture(t)
	formats := []string{"suricata", "snort", "hashes", "rpz", "zeek"}
	for _, format := range formats {
		for _, st := range sensorTypes {
			t.Run(format+"/"+st.typ, func(t *testing.T) {
				got := sensorExport(t, f, intel.ScopeAttributes, `{"returnFormat":"`+format+`","type":"`+st.typ+`"}`)
				checkGolden(t, format+"/"+strings.NewReplacer("|", "_").Replace(st.typ)+".golden", got)
			})
		}
		t.Run(format+"/all attributes", func(t *testing.T) {
			checkGolden(t, format+"/all_attributes.golden", sensorExport(t, f, intel.ScopeAttributes, `{"returnFormat":"`+format+`"}`))
		})
		t.Run(format+"/all events", func(t *testing.T) {
			checkGolden(t, format+"/all_events.golden", sensorExport(t, f, intel.ScopeEvents, `{"returnFormat":"`+format+`"}`))
		})
	}
}

// TestExportSuricataSmoke checks what PyMISP's restsearch_attributes_suricata checks, and the restrictive
// defaults: no rule for a to_ids=false url or an unpublished event unless the query asks for them.
func TestExportSuricataSmoke(t *testing.T) {
	f := newSensorFixture(t)
	for _, tc := range []struct {
		body        string
		has, hasNot []string
	}{
		{`{"returnFormat":"suricata"}`, []string{"198.51.100.7", "evil.example", "sid:4"},
			[]string{"not-for-ids.example", "198.51.100.99"}},
		{`{"returnFormat":"suricata","to_ids":[0,1],"published":[0,1]}`,
			[]string{"not-for-ids.example", "198.51.100.99"}, nil},
		{`{"returnFormat":"snort","value":"198.51.100.7"}`, []string{"Outgoing To IP: 198.51.100.7"}, []string{"evil.example"}},
	} {
		got := sensorExport(t, f, intel.ScopeAttributes, tc.body)
		var rules []string
		for l := range strings.SplitSeq(got, "\n") {
			if strings.HasPrefix(l, "alert ") {
				rules = append(rules, l)
				// MISP ends its own rules with ";) " and a passed-through snort rule with "; )".
				if !strings.Contains(l, "sid:") || !strings.HasSuffix(strings.TrimSuffix(l, " "), ")") {
					t.Errorf("%s: rule %q", tc.body, l)
				}
			}
		}
		all := strings.Join(rules, "\n")
		for _, s := range tc.has {
			if !strings.Contains(all, s) {
				t.Errorf("%s: no rule with %q", tc.body, s)
			}
		}
		for _, s := range tc.hasNot {
			if strings.Contains(all, s) {
				t.Errorf("%s: a rule with %q", tc.body, s)
			}
		}
	}
}

func TestFormatsAcceptedAndRefused(t *testing.T) {
	for _, tc := range []struct {
		format string
		ok     bool
		ctype  string
	}{
		{"suricata", true, "text/plain; charset=UTF-8"},
		{"SNORT", true, "text/plain; charset=UTF-8"},
		{"hashes", true, "text/plain; charset=UTF-8"},
		{"rpz", true, "text/plain; charset=UTF-8"},
		{"zeek", true, "text/plain; charset=UTF-8"},
		{"bro", true, "text/plain; charset=UTF-8"},
		{"openioc", false, ""},
	} {
		q, err := intel.ParseSearch([]byte(`{"returnFormat":"` + tc.format + `"}`))
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.format, err)
			continue
		}
		if tc.ok && (q.Format.ContentType() != tc.ctype || !q.Format.Restrictive()) {
			t.Errorf("%s: content type %q, restrictive %v", tc.format, q.Format.ContentType(), q.Format.Restrictive())
		}
	}
}

// TestExportRPZParameters checks the zone parameters of restSearch and their fallback to the store's
// Plugin.RPZ_* settings.
func TestExportRPZParameters(t *testing.T) {
	f := newSensorFixture(t)
	if err := f.Store.PutSetting(context.Background(), "Plugin.RPZ_ns_alt", "ns2.example."); err != nil {
		t.Fatal(err)
	}
	got := sensorExport(t, f, intel.ScopeAttributes, `{"returnFormat":"rpz","type":"hostname","policy":"Local-Data",`+
		`"walled_garden":"garden.example.","ns":"ns1.example.","serial":"$date01","ttl":"1h"}`)
	want := "$TTL 1h;\n" +
		"@               SOA ns1.example. root.localhost (2024030101 2h 30m 30d 1h)\n" +
		"                NS ns1.example.\n" +
		"                NS ns2.example.\n\n" +
		"; The following hostnames will returns the defined alternate location.\n" +
		"c2.evil.example CNAME garden.example.\n\n"
	if got != want {
		t.Errorf("rpz:\n%s\nwant:\n%s", got, want)
	}
	// An unknown policy falls back to NXDOMAIN, as MISP drops it.
	got = sensorExport(t, f, intel.ScopeAttributes, `{"returnFormat":"rpz","type":"hostname","policy":"BOGUS"}`)
	if !strings.Contains(got, "c2.evil.example CNAME .\n") {
		t.Errorf("rpz with an unknown policy:\n%s", got)
	}
}

// TestExportNIDSSidBase checks where the sid base comes from: the exporting user's nids_sid, as in MISP,
// else the nids_sid setting, else MISP's default 4000000.
func TestExportNIDSSidBase(t *testing.T) {
	f := newSensorFixture(t)
	ctx := context.Background()
	body := `{"returnFormat":"suricata","type":"ip-dst","value":"198.51.100.7"}`
	if got := sensorExport(t, f, intel.ScopeAttributes, body); !strings.Contains(got, "sid:4000011;") {
		t.Errorf("default sid base:\n%s", got)
	}
	if err := f.Store.PutSetting(ctx, intel.SettingNIDSSid, "5000000"); err != nil {
		t.Fatal(err)
	}
	if got := sensorExport(t, f, intel.ScopeAttributes, body); !strings.Contains(got, "sid:5000011;") {
		t.Errorf("sid base from the setting:\n%s", got)
	}
	u := f.Users["user"]
	u.NIDSSID = 7000000
	if err := f.Store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := sensorExport(t, f, intel.ScopeAttributes, body); !strings.Contains(got, "sid:7000011;") {
		t.Errorf("sid base from the user's nids_sid:\n%s", got)
	}
}
