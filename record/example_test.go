package record_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hunchsec/hunch/record"
)

func ExampleRead() {
	input := `{"host":"ws-01","cmd":"whoami"}
{"host":"ws-02",
{"host":"ws-03","cmd":"net user"}
`
	for r, err := range record.Read(context.Background(), strings.NewReader(input), "events.ndjson", record.ReadOptions{}) {
		if err != nil {
			fmt.Println("skipped:", err) // a *ParseError: reading goes on
			continue
		}
		host, _ := r.Get("host")
		fmt.Printf("line %d: %s\n", r.Meta.Line, host.Text())
	}
	// Output:
	// line 1: ws-01
	// skipped: events.ndjson:2: invalid json: unexpected end of JSON input
	// line 3: ws-03
}

func ExampleNewWriter() {
	w, err := record.NewWriter(os.Stdout, record.OutCSV, record.WriteOptions{})
	if err != nil {
		panic(err)
	}
	_ = w.Write(record.New(
		record.Field{Name: "url", Value: record.String("http://example.com/?a=1&b=2")},
		record.Field{Name: "ips", Value: record.Strings("192.0.2.1", "198.51.100.7")},
	))
	if err := w.Close(); err != nil {
		panic(err)
	}
	// Output:
	// url,ips
	// http://example.com/?a=1&b=2,"192.0.2.1
	// 198.51.100.7"
}
