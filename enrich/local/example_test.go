package local_test

import (
	"fmt"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/local"
	"github.com/hunchsec/hunch/ioc"
)

func ExampleList_Match() {
	l := local.NewList([]local.Entry{
		{Value: "Evil.Example.COM", Type: ioc.Domain, Verdict: enrich.Malicious, Summary: "phishing"},
		{Value: "10.0.0.0/8", Verdict: enrich.Benign, Summary: "corporate network"},
	})
	for _, ind := range []enrich.Indicator{
		{Type: ioc.Domain, Value: "evil.example.com"},
		{Type: ioc.IPv4, Value: "10.20.30.40"},
		{Type: ioc.IPv4, Value: "192.0.2.1"},
	} {
		e, ok := l.Match(ind)
		fmt.Println(ind, ok, e.Verdict, e.Summary)
	}
	// Output:
	// domain:evil.example.com true malicious phishing
	// ipv4:10.20.30.40 true benign corporate network
	// ipv4:192.0.2.1 false unknown
}

func ExampleNew() {
	c, err := local.New(local.Options{Name: "blocklist", Paths: []string{"testdata/example.csv"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.List().Len(), "entries")
	// Output:
	// 9 entries
}
