package storetest

import (
	"sync"
	"testing"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// testConcurrent saves events that share a new tag and a new creator organisation from several goroutines while
// others search: every call succeeds and nothing is lost or duplicated.
func testConcurrent(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-A", 1)
	const writers, per = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*per+writers)
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				e := &misp.Event{OrgID: org.ID, Info: "concurrent", Timestamp: 10, Distribution: dist(1),
					Orgc: &misp.Organisation{Name: "Shared creator", UUID: uuid(4000)},
					Tag:  []misp.Tag{{Name: "shared:new-tag"}},
					Attribute: []misp.Attribute{{Type: "text", Category: "Other", Value: itoa(w*per + i), Timestamp: 10,
						Distribution: dist(5), Tag: []misp.Tag{{Name: "shared:attribute-tag"}}}}}
				if err := b.SaveEvent(c, e); err != nil {
					errs <- err
				}
			}
		})
		wg.Go(func() {
			for range per {
				for _, err := range b.SearchAttributes(c, store.AttributeFilter{Conditions: all(), Tags: store.Any("shared:%")}) {
					if err != nil {
						errs <- err
						break
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n, err := b.CountAttributes(c, store.AttributeFilter{Conditions: all(), Tags: store.Match{AND: []string{"shared:new-tag",
		"shared:attribute-tag"}}})
	must(t, err)
	if n != writers*per {
		t.Errorf("%d attributes carry both tags, want %d", n, writers*per)
	}
	tags, err := b.ListTags(c)
	must(t, err)
	if len(tags) != 2 {
		t.Errorf("%d tags, want 2: %+v", len(tags), tags)
	}
	orgs, err := b.ListOrgs(c)
	must(t, err)
	if len(orgs) != 2 {
		t.Errorf("%d organisations, want 2", len(orgs))
	}
}
