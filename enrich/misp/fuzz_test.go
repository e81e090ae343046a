package misp

import (
	"errors"
	"testing"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/enrichtest"
	"github.com/hunchsec/hunch/ioc"
)

// FuzzReply feeds arbitrary replies through the reply → Result conversion: no panic; either an
// error wrapping enrich.ErrBadReply, or one result per indicator with a verdict on the scale,
// where an attribute matching an indicator never leaves it Unknown.
func FuzzReply(f *testing.F) {
	for _, data := range enrichtest.Seeds(f, "*.json") {
		f.Add(data, "8.8.8.8")
	}
	f.Add([]byte(`{"response":{"Attribute":[{"value":"a|b|","to_ids":"1","event_id":7,"warnings":[{"value":""}]}]}}`), "b")
	c, err := New(Options{HTTP: &enrich.HTTP{}, BaseURL: "https://misp.example", Key: "k", Limit: 3})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		attrs, err := ParseReply(data)
		if err != nil {
			if !errors.Is(err, enrich.ErrBadReply) {
				t.Errorf("error %v does not wrap ErrBadReply", err)
			}
			return
		}
		batch := []enrich.Result{{Indicator: enrich.Indicator{Type: ioc.Domain, Value: value}}}
		for _, a := range attrs {
			batch = append(batch, enrich.Result{Indicator: enrich.Indicator{Type: ioc.Domain, Value: a.Value}})
		}
		out := c.convert(batch, attrs, false)
		if len(out) != len(batch) {
			t.Fatalf("%d results for %d indicators", len(out), len(batch))
		}
		for i, r := range out {
			if r.Verdict < enrich.Unknown || r.Verdict > enrich.Malicious || r.Err != nil {
				t.Errorf("result %d: verdict %d err %v", i, r.Verdict, r.Err)
			}
			if i > 0 && r.Verdict == enrich.Unknown {
				t.Errorf("%q has a matching attribute but no verdict", r.Indicator.Value)
			}
			if n, _ := r.Details["attributes"].(int); n > 3 {
				t.Errorf("%d attributes kept, limit 3", n)
			}
		}
	})
}
