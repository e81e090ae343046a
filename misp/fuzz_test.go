package misp

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzDecodeEvent feeds arbitrary bodies to DecodeEvents. Whatever decodes must encode, and
// the encoding must decode back to the same events field by field; whatever does not decode
// must say why with ErrMalformed or ErrLimit.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"Event":{"info":"x","uuid":"5a3c2fda-78f4-44b7-8366-46da02de0b81","date":"2021-06-07","distribution":"3"}}`))
	f.Add([]byte(`{"response":[{"Event":{"info":"x","Attribute":[{"type":"ip-dst","value":"198.51.100.7","to_ids":1,"first_seen":1561474373}]}}]}`))
	f.Add([]byte(`{"info":"bare","published":"1","threat_level_id":2,"Tag":[{"name":"tlp:green","local":0,"relationship_type":false}]}`))
	f.Add([]byte(`[{"info":"a"},{"Event":{"info":"b"}}]`))
	f.Add([]byte(`{"request":{"Event":{"info":"x","Object":[{"name":"file","Attribute":[{"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","object_relation":"md5"}],"ObjectReference":[{"referenced_type":"1"}]}]}}}`))
	f.Add([]byte(`{"Event":{"info":"x","Galaxy":[{"name":"g","GalaxyCluster":[{"value":"v","meta":{"country":"RU","refs":["a"]},"sharing_group_id":null}]}]}}`))
	if data, err := os.ReadFile("testdata/event_mixed_forms.json"); err == nil {
		f.Add(data)
	}
	limits := Limits{MaxAttributes: 1000, MaxObjects: 100, MaxTags: 100, MaxEvents: 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := limits.DecodeEvents(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error wraps neither ErrMalformed nor ErrLimit: %v", err)
			}
			return
		}
		for _, e := range events {
			enc, err := EncodeEvent(e)
			if err != nil {
				t.Fatalf("a decoded event does not encode: %v", err)
			}
			back, err := limits.DecodeEvent(enc)
			if err != nil {
				t.Fatalf("the encoding of a decoded event does not decode: %v\n%s", err, enc)
			}
			if d := diff(e, back); len(d) > 0 {
				t.Fatalf("decode(encode(e)) != e:\n%s\n%s", strings.Join(d, "\n"), enc)
			}
		}
	})
}
