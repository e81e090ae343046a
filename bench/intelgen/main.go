// Command intelgen writes a synthetic intel corpus for the store and API benchmarks: MISP events of 10 000
// attributes each (ip-dst, domain, url and filename|md5 in turn, one in ten tagged; storetest.BulkEvent's
// workload), as NDJSON files that `hunch intel import` reads.
//
//	intelgen -attrs 1000000 -out DIR [-per-file 100000]
//
// The values are numbered, so a corpus of N attributes is the same on every run.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store/storetest"
)

const perEvent = 10000

func main() {
	attrs := flag.Int("attrs", 1000000, "how many attributes to write (whole events of 10 000)")
	out := flag.String("out", "", "the directory to write the NDJSON files to (made if missing)")
	perFile := flag.Int("per-file", 100000, "attributes per file")
	flag.Parse()
	if *out == "" || *attrs < perEvent || *perFile < perEvent {
		fmt.Fprintln(os.Stderr, "intelgen: -out DIR is required; -attrs and -per-file are at least 10000")
		os.Exit(2)
	}
	if err := run(*out, *attrs, *perFile); err != nil {
		fmt.Fprintln(os.Stderr, "intelgen:", err)
		os.Exit(1)
	}
}

func run(dir string, attrs, perFile int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for file := 0; file*perFile < attrs; file++ {
		name := filepath.Join(dir, fmt.Sprintf("events-%04d.ndjson", file))
		if err := writeFile(name, file*perFile, min(perFile, attrs-file*perFile)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(name string, base, n int) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	for b := base; b < base+n; b += perEvent {
		e := storetest.BulkEvent(0, b, min(perEvent, base+n-b))
		e.OrgID, e.OrgcID = 0, 0
		e.Orgc = &misp.Organisation{Name: "Bench CERT"}
		if err := enc.Encode(map[string]*misp.Event{"Event": e}); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
