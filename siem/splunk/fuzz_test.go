package splunk

import (
	"testing"
)

// FuzzReplies feeds arbitrary bytes to every decoder of Splunk's replies: HEC's error object,
// a results page or export line (results, messages, _time), and a job status entry. None may
// panic; a result that decodes keeps every field it was sent.
func FuzzReplies(f *testing.F) {
	for _, s := range []string{
		`{"text":"Invalid data format","code":6,"invalid-event-number":3}`,
		`{"text":"Success","code":0,"ackId":7}`,
		`{"preview":false,"offset":1,"lastrow":true,"result":{"_time":"2024-05-01T10:00:05.000+00:00","host":"web02","src":["a","b"]}}`,
		`{"messages":[{"type":"WARN","text":"peer ended prematurely"},{"type":"FATAL","text":"Unknown search command"}]}`,
		`{"preview":false,"init_offset":0,"messages":[],"fields":[{"name":"host"}],"results":[{"host":"web01","count":"42"}],"highlighted":{}}`,
		`{"entry":[{"name":"s","content":{"sid":"1.2","dispatchState":"DONE","isDone":true,"isFailed":false,"messages":[]}}]}`,
		`{"entry":[]}`, `{"result":{"_time":"not a time"}}`, `[]`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := hecError(400, data)
		if e.Error() == "" || len(e.Messages) == 0 {
			t.Fatalf("an error without a message for %q", data)
		}
		rec, err := parseOne(data)
		if err != nil {
			return
		}
		messagesOf(rec)
		jobContent(rec)
		if v, ok := rec.Get("result"); ok {
			if o, ok := v.Object(); ok {
				n := o.Len()
				if got := resultsOf(rec); len(got) == 0 || got[0].Len() != n {
					t.Fatalf("result of %d fields came back as %v", n, got)
				}
			}
		}
	})
}
