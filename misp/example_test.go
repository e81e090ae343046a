package misp_test

import (
	"fmt"
	"os"
	"time"

	"github.com/hunchsec/hunch/misp"
)

// A body as PyMISP or MISP 2.5 sends it decodes whatever form its scalars take, and encodes
// in the one form MISP 2.4 and 2.5 answer with.
func ExampleDecodeEvent() {
	body := []byte(`{"Event": {"info": "Phishing wave", "date": "2021-06-07", "threat_level_id": 2,
		"published": 0, "timestamp": 1617875568, "distribution": "1",
		"Attribute": [{"type": "ip-dst", "value": "198.51.100.7", "to_ids": "1",
		               "first_seen": "2019-06-25T14:52:53Z"}]}}`)
	e, err := misp.DecodeEvent(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	a := e.Attribute[0]
	fmt.Println(e.Info, e.ThreatLevel, e.Distribution, a.ToIDS, a.FirstSeen)
	fmt.Println("attribute distribution given:", a.Distribution != misp.DistributionUnset)
	fmt.Println("effective:", misp.EffectiveDistribution(a.Distribution, e.Distribution))
	// Output:
	// Phishing wave Medium This community only true 2019-06-25T14:52:53.000000+00:00
	// attribute distribution given: false
	// effective: This community only
}

// Tags are machine tags by convention; galaxy clusters are tags too.
func ExampleParseMachineTag() {
	ns, pred, val, err := misp.ParseMachineTag(`admiralty-scale:source-reliability="b"`)
	fmt.Println(ns, pred, val, err)
	typ, cluster, ok := misp.ParseClusterTag(misp.ClusterTagName("threat-actor", "Sofacy"))
	fmt.Println(typ, cluster, ok)
	// Output:
	// admiralty-scale source-reliability b <nil>
	// threat-actor Sofacy true
}

// An edit is accepted only when it is newer than the stored copy.
func ExampleCheckNewer() {
	stored := misp.Timestamp(1617875568)
	fmt.Println(misp.CheckNewer("Event", stored, stored))
	fmt.Println(misp.CheckNewer("Event", misp.TimestampOf(time.Unix(1617875569, 0)), stored))
	// Output:
	// Event in the request not newer than the local copy (1617875568 <= 1617875568)
	// <nil>
}

// restSearch answers stream: each event is encoded as it is produced.
func ExampleWriteEvents() {
	events := []*misp.Event{{Info: "a", UUID: "5a3c2fda-78f4-44b7-8366-46da02de0b81", Distribution: misp.DistributionAll}}
	seq := func(yield func(*misp.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}
	if err := misp.WriteEvents(os.Stdout, seq); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"response":[{"Event":{"orgc_id":"0","org_id":"0","date":"","info":"a","published":false,"uuid":"5a3c2fda-78f4-44b7-8366-46da02de0b81","attribute_count":"0","analysis":"0","timestamp":"0","distribution":"3","proposal_email_lock":false,"locked":false,"publish_timestamp":"0","sharing_group_id":"0","disable_correlation":false,"extends_uuid":"","protected":false,"Attribute":[],"ShadowAttribute":[],"RelatedEvent":[],"Galaxy":[],"Object":[],"EventReport":[],"CryptographicKey":[]}}]}
}

// The six roles of a fresh MISP installation.
func ExampleDefaultRoles() {
	for _, r := range misp.DefaultRoles() {
		fmt.Println(r.ID, r.Name, r.PermissionDescription, bool(r.PermSync), bool(r.PermSiteAdmin))
	}
	// Output:
	// 1 admin publish true true
	// 2 Org Admin publish false false
	// 3 User manage_org false false
	// 4 Publisher publish false false
	// 5 Sync user publish true false
	// 6 Read Only read_only false false
}
