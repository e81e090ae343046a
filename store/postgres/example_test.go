package postgres_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
	"github.com/hunchsec/hunch/store/postgres"
)

// Open a database (its schema is created or brought up to date), save an event whole and search its attributes.
// Not run by go test, since it needs a server; store/postgres's tests do the same on $HUNCH_TEST_POSTGRES.
func ExampleOpen() {
	ctx := context.Background()
	db, err := postgres.Open(ctx, "postgres://hunch:secret@127.0.0.1:5432/hunch?sslmode=disable",
		postgres.Options{MaxConns: 16})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	e := &misp.Event{
		Info: "phishing wave", Orgc: &misp.Organisation{Name: "ACME"}, Org: &misp.Organisation{Name: "ACME"},
		Distribution: misp.DistributionCommunity,
		Attribute: []misp.Attribute{
			{Type: "domain", Category: "Network activity", Value: "login-acme.example"},
			{Type: "ip-dst", Category: "Network activity", Value: "192.0.2.10"},
		},
	}
	if err := db.SaveEvent(ctx, e); err != nil {
		log.Fatal(err)
	}
	f := store.AttributeFilter{Conditions: acl.Conditions{Unrestricted: true}, Value: store.Any("%.example")}
	for a, err := range db.SearchAttributes(ctx, f) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Type, a.Value)
	}
}
