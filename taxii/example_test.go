package taxii_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/hunchsec/hunch/taxii"
)

// Read every object a collection got in the last day, page by page.
func ExampleClient_AllObjects() {
	ctx := context.Background()
	c := taxii.New(taxii.Options{User: "analyst", Password: "the api key", Timeout: 30 * time.Second})
	d, err := c.Discover(ctx, "https://taxii.example.org/taxii2/")
	if err != nil {
		log.Fatal(err)
	}
	cols, err := c.Collections(ctx, d.Default)
	if err != nil || len(cols) == 0 {
		log.Fatal(err)
	}
	q := taxii.Query{AddedAfter: time.Now().Add(-24 * time.Hour), Limit: 500}
	err = c.AllObjects(ctx, d.Default, cols[0].ID, q, func(p *taxii.Page) error {
		fmt.Println(len(p.Objects), "objects added up to", p.DateAddedLast)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
