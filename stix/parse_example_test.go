package stix_test

import (
	"fmt"

	"github.com/hunchsec/hunch/stix"
)

func ExampleParseBundle() {
	bundle := `{"type":"bundle","id":"bundle--9d3e6a1c-2b4f-4c8d-a1e2-3f4a5b6c7d8e","objects":[
	 {"type":"report","spec_version":"2.1","id":"report--5e1c7d2a-9b8f-4c3e-a1d2-3f4e5a6b7c8d","name":"Phishing wave",
	  "created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z","published":"2024-03-01T10:00:00Z",
	  "object_refs":["indicator--6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]},
	 {"type":"indicator","spec_version":"2.1","id":"indicator--6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
	  "created":"2024-03-01T10:00:00.000Z","modified":"2024-03-01T10:00:00.000Z","valid_from":"2024-03-01T10:00:00Z",
	  "pattern":"[url:value = 'http://login.example.net/'] OR [network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.7']",
	  "pattern_type":"stix"},
	 {"type":"relationship","spec_version":"2.1","id":"relationship--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
	  "relationship_type":"indicates","source_ref":"indicator--6f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0","target_ref":"malware--1"}]}`
	res, err := stix.ParseBundle([]byte(bundle), stix.ParseOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range res.Events {
		fmt.Println(e.Info)
		for _, a := range e.Attribute {
			fmt.Println(" ", a.Type, a.Value, a.ToIDS.Bool())
		}
	}
	fmt.Println(res.SkippedReasons())
	// Output:
	// Phishing wave
	//   url http://login.example.net/ true
	//   ip-dst 203.0.113.7 true
	// map[relationships are not imported:1]
}
