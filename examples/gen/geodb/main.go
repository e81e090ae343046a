// Command geodb writes the demo's GeoIP database (see internal/demogeo).
//
//	go run ./examples/gen/geodb -o DIR/demo-geo.mmdb
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hunchsec/hunch/internal/demogeo"
)

func main() {
	out := flag.String("o", "demo-geo.mmdb", "file to write")
	flag.Parse()
	if err := demogeo.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "geodb:", err)
		os.Exit(1)
	}
}
