package mispapi

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hunchsec/hunch/store"
)

// TestEventViewCorrelations: events/view answers the events sharing a value in RelatedEvent and the attributes in
// each attribute's RelatedAttribute, as PyMISP reads them; a write's answer leaves them out.
func TestEventViewCorrelations(t *testing.T) {
	a := newAPI(t)
	add := func(info string) string {
		rec := a.do(t, "user", "POST", "/events/add", `{"Event":{"info":"`+info+`","distribution":"1",
			"Attribute":[{"type":"ip-dst","value":"198.51.100.42"}]}}`)
		if rec.Code != http.StatusOK {
			t.Fatalf("events/add: %d %s", rec.Code, rec.Body)
		}
		var ev struct {
			Event struct {
				ID           string
				RelatedEvent []any
			}
		}
		decode(t, rec, &ev)
		if len(ev.Event.RelatedEvent) != 0 {
			t.Errorf("events/add answered correlations: %v", ev.Event.RelatedEvent)
		}
		return ev.Event.ID
	}
	first := add("first")
	second := add("second")
	rec := a.do(t, "user", "GET", "/events/view/"+first, nil)
	var view struct {
		Event struct {
			RelatedEvent []struct {
				Event struct {
					ID   string `json:"id"`
					Info string `json:"info"`
					Orgc struct{ Name string }
				}
			}
			Attribute []struct {
				RelatedAttribute []struct {
					ID      string `json:"id"`
					EventID string `json:"event_id"`
					Value   string `json:"value"`
					Info    string `json:"info"`
				}
			}
		}
	}
	decode(t, rec, &view)
	if len(view.Event.RelatedEvent) != 1 || view.Event.RelatedEvent[0].Event.ID != second ||
		view.Event.RelatedEvent[0].Event.Info != "second" || view.Event.RelatedEvent[0].Event.Orgc.Name == "" {
		t.Errorf("RelatedEvent: %+v\n%s", view.Event.RelatedEvent, rec.Body)
	}
	if len(view.Event.Attribute) != 1 || len(view.Event.Attribute[0].RelatedAttribute) != 1 {
		t.Fatalf("RelatedAttribute: %s", rec.Body)
	}
	if r := view.Event.Attribute[0].RelatedAttribute[0]; r.EventID != second || r.Value != "198.51.100.42" || r.Info != "second" || r.ID == "" {
		t.Errorf("RelatedAttribute: %+v", r)
	}
}

// TestAttributeEditZeroFields: an edit that only sets fields to their zero values ({"disable_correlation": false},
// {"comment": ""}) is applied, as PyMISP's update_attribute sends it; an empty object is still refused.
func TestAttributeEditZeroFields(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "user", "POST", "/events/add", `{"Event":{"info":"zero","Attribute":[{"type":"ip-dst","value":"198.51.100.43","comment":"c","disable_correlation":true}]}}`)
	var ev struct {
		Event struct {
			Attribute []struct{ ID string }
		}
	}
	decode(t, rec, &ev)
	if len(ev.Event.Attribute) != 1 {
		t.Fatalf("events/add: %s", rec.Body)
	}
	path := "/attributes/edit/" + ev.Event.Attribute[0].ID
	rec = a.do(t, "user", "POST", path, `{"disable_correlation": false, "comment": ""}`)
	var out struct {
		Attribute struct {
			Value              string
			Comment            string
			DisableCorrelation bool `json:"disable_correlation"`
		}
	}
	decode(t, rec, &out)
	if rec.Code != http.StatusOK || out.Attribute.DisableCorrelation || out.Attribute.Comment != "" || out.Attribute.Value != "198.51.100.43" {
		t.Errorf("zero-valued edit: %d %s", rec.Code, rec.Body)
	}
	if rec := a.do(t, "user", "POST", path, `{}`); rec.Code != http.StatusBadRequest {
		t.Errorf("empty edit: %d %s", rec.Code, rec.Body)
	}
}

// TestEventViewAttributeSightings: events/view lists each attribute's sightings on the attribute too (PyMISP's
// MISPAttribute.sightings), and leaves them out with noSightings.
func TestEventViewAttributeSightings(t *testing.T) {
	a := newAPI(t)
	rec := a.do(t, "user", "POST", "/events/add", `{"Event":{"info":"seen","Attribute":[{"type":"ip-dst","value":"198.51.100.44"},{"type":"ip-dst","value":"198.51.100.45"}]}}`)
	var ev struct {
		Event struct{ ID string }
	}
	decode(t, rec, &ev)
	if rec := a.do(t, "user", "POST", "/sightings/add", `{"value":"198.51.100.44"}`); rec.Code != http.StatusOK {
		t.Fatalf("sightings/add: %d %s", rec.Code, rec.Body)
	}
	type view struct {
		Event struct {
			Attribute []struct {
				Value    string
				Sighting []struct {
					AttributeID string `json:"attribute_id"`
				}
			}
		}
	}
	var v view
	decode(t, a.do(t, "user", "GET", "/events/view/"+ev.Event.ID, nil), &v)
	if len(v.Event.Attribute) != 2 || len(v.Event.Attribute[0].Sighting) != 1 || len(v.Event.Attribute[1].Sighting) != 0 {
		t.Errorf("attribute sightings: %+v", v.Event.Attribute)
	}
	v = view{}
	decode(t, a.do(t, "user", "GET", "/events/view/"+ev.Event.ID+"/noSightings:1", nil), &v)
	if len(v.Event.Attribute) != 2 || len(v.Event.Attribute[0].Sighting) != 0 {
		t.Errorf("noSightings: %+v", v.Event.Attribute)
	}
}

// TestEventViewDeletedForms: events/view's deleted filter in every form PyMISP and MISP's UI send it.
func TestEventViewDeletedForms(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want store.DeletedFilter
	}{
		{`true`, store.LiveAndDeleted}, {`1`, store.LiveAndDeleted}, {`"1"`, store.LiveAndDeleted},
		{`[0,1]`, store.LiveAndDeleted}, {`[1]`, store.DeletedOnly}, {`false`, store.LiveOnly}, {`0`, store.LiveOnly},
		{`"x"`, store.LiveOnly},
	} {
		if got := evDeleted(json.RawMessage(tc.raw)); got != tc.want {
			t.Errorf("deleted %s: %v, want %v", tc.raw, got, tc.want)
		}
	}
}
