package sqlite_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/sqlite"
)

// An event is saved whole and searched as attributes/restSearch would, under a reader's access conditions.
func ExampleDB_SearchAttributes() {
	ctx := context.Background()
	db, err := sqlite.OpenTemp(ctx, sqlite.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	event, err := misp.DecodeEvent([]byte(`{"Event": {
		"info": "Phishing wave", "distribution": "1", "published": true,
		"Orgc": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
		"Org": {"name": "CIRCL", "uuid": "55f6ea5e-2c60-40e5-964f-47a8950d210f"},
		"Tag": [{"name": "tlp:green"}],
		"Attribute": [
			{"type": "domain", "category": "Network activity", "value": "login-bank.example", "to_ids": true,
			 "distribution": "5"},
			{"type": "filename|md5", "category": "Payload delivery", "value": "invoice.exe|b0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
			 "distribution": "5"},
			{"type": "ip-dst", "category": "Network activity", "value": "203.0.113.9", "distribution": "0"}
		]}}`))
	if err != nil {
		log.Fatal(err)
	}
	if err := db.SaveEvent(ctx, event); err != nil {
		log.Fatal(err)
	}

	// A user of another organisation reads distribution 1 events, but not their "organisation only" attributes.
	// (The store keeps distributions as given; a server applies MISP's defaults before saving.)
	other := acl.Conditions{OwnerOrgID: 99, EventDistributions: []acl.Distribution{1, 2, 3},
		ElementDistributions: []acl.Distribution{1, 2, 3, 5}}
	filter := store.AttributeFilter{Conditions: other, Tags: store.Any("tlp:%"), IncludeEventUUID: true}
	for a, err := range db.SearchAttributes(ctx, filter) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Type, a.Value, a.EventUUID == event.UUID)
	}
	// Output:
	// domain login-bank.example true
	// filename|md5 invoice.exe|b0b1b2b3b4b5b6b7b8b9babbbcbdbebf true
}
