package benchcorpus_test

import (
	"bytes"
	"fmt"

	"github.com/hunchsec/hunch/internal/benchcorpus"
)

func ExampleGenerator_Line() {
	g := benchcorpus.New(1)
	line, truth := g.Line()
	fmt.Println(line[:60])
	for _, t := range truth[:3] {
		fmt.Printf("%s %s (raw %s)\n", t.Type, t.Value, t.Raw)
	}
	// Output:
	// Analyst note (2024-12-07T16:23:18.160Z): blocked hxxps://alp
	// url https://alpha-mail.de/static/js/app.min.js (raw hxxps://alpha-mail[.]de/static/js/app.min.js)
	// domain alpha-mail.de (raw alpha-mail[.]de)
	// ipv4 185.177.192.215 (raw 185.177.192[.]215)
}

func ExampleWrite() {
	var buf bytes.Buffer
	if err := benchcorpus.Write(&buf, 1<<20, 1); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(buf.Len() >= 1<<20, bytes.Equal(buf.Bytes(), benchcorpus.Bytes(1<<20, 1)))
	// Output: true true
}
