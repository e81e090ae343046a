package template_test

import (
	"fmt"
	"time"

	"github.com/hunchsec/hunch/siem/template"
)

func ExampleTemplate_Render() {
	ts, err := template.Parse([]byte(`name: dns
backend: sentinel
parameters:
  - {name: domain, type: string, required: true}
  - {name: since, type: datetime, default: "-1d@d"}
body: _Im_Dns | where TimeGenerated >= {{since}} and DnsQuery =~ {{domain}}
`), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r, err := ts[0].Render(map[string]string{"domain": `evil.example" or 1==1 //`}, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Query.Language)
	fmt.Println(r.Query.Text)
	// Output:
	// kql
	// _Im_Dns | where TimeGenerated >= datetime(2026-11-22T00:00:00Z) and DnsQuery =~ "evil.example\" or 1==1 //"
}

func ExampleLoad() {
	lib, err := template.Load(nil) // the built-ins only
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range lib.List(template.Filter{Family: "dns"}) {
		fmt.Println(t.Name, t.Language)
	}
	// Output:
	// elastic.dns_for_domain lucene
	// files.dns_for_domain where
	// sentinel.dns_for_domain kql
	// splunk.dns_for_domain spl
}
