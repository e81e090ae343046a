package stix

import (
	"testing"
)

// FuzzParsePattern: no pattern makes the parser panic, and what it accepts reads into observables or a refusal.
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{
		`[ipv4-addr:value = '192.0.2.1']`,
		`[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = '80']`,
		`[file:hashes.'SHA-256' = 'aa' OR file:name = 'x'] AND [url:value = 'http://x']`,
		`([a:b = 1] FOLLOWEDBY [c:d.e[*].f != 'x']) WITHIN 5 SECONDS REPEATS 2 TIMES`,
		`[x:y IN ('a', 2, t'2020-01-01T00:00:00Z')] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'`,
		`[x:y NOT LIKE 'a%' AND EXISTS x:z]`, `[`, `['`, `[a:b = h'ff' AND a:c = b'AA==' AND a:d = true]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePattern(s)
		if err != nil {
			return
		}
		if nodes, err := patternNodes(p); err == nil {
			for _, n := range nodes {
				_, _ = attrsOf(n, hashTypes())
			}
		}
	})
}

// FuzzParseBundle: no body makes the bundle reader panic; whatever it reads is counted.
func FuzzParseBundle(f *testing.F) {
	f.Add([]byte(`{"type":"bundle","id":"bundle--1b4e28ba-2fa1-41d2-883f-0016d3cca427","objects":[{"type":"indicator","id":"indicator--1b4e28ba-2fa1-41d2-883f-0016d3cca427","pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix"}]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"report","id":"report--1","object_refs":["observed-data--2"],"created_by_ref":"identity--3"},{"type":"observed-data","id":"observed-data--2","object_refs":["domain-name--4"]},{"type":"domain-name","id":"domain-name--4","value":"a","resolves_to_refs":["ipv4-addr--5"]},{"type":"ipv4-addr","id":"ipv4-addr--5","value":"1.1.1.1"},{"type":"identity","id":"identity--3","name":"x"}]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"observed-data","id":"o--1","objects":{"0":{"type":"email-message","from_ref":"1"},"1":{"type":"email-addr","value":"a@b"}}}]}`))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"x-misp-object","id":"x--1","x_misp_name":"n","x_misp_attributes":[{"type":"text","value":"v"}]},{"type":"file","id":"file--1","hashes":{"MD5":"aa"},"parent_directory_ref":"file--1"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseBundle(data, ParseOptions{MaxObjects: 1000})
		if err != nil {
			return
		}
		if len(res.Skipped) > 10*res.Objects+10 {
			t.Fatalf("%d skipped of %d objects", len(res.Skipped), res.Objects)
		}
	})
}
