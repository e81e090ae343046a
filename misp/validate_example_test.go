package misp_test

import (
	"fmt"

	"github.com/hunchsec/hunch/misp"
)

func ExampleNormalizeValue() {
	for _, a := range [][2]string{
		{"ip-dst", "2001:0DB8:0:0::1/128"},
		{"filename|md5", "Invoice.exe|D41D8CD98F00B204E9800998ECF8427E"},
		{"ip-dst|port", "198.51.100.7:8080"},
		{"domain", "Bücher.Example."},
		{"url", "hxxp://evil[.]com/gate.php"},
		{"AS", "AS15169"},
		{"sha1", "abc"},
	} {
		v, err := misp.NormalizeValue(a[0], a[1])
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Printf("%s %s\n", a[0], v)
	}
	// Output:
	// ip-dst 2001:db8::1
	// filename|md5 Invoice.exe|d41d8cd98f00b204e9800998ecf8427e
	// ip-dst|port 198.51.100.7|8080
	// domain xn--bcher-kva.example
	// url http://evil.com/gate.php
	// AS 15169
	// error: invalid sha1 value "abc": Checksum has an invalid length or format (expected: 40 hexadecimal characters). Please double check the value or select type "other"
}

func ExampleGuessAttribute() {
	for _, token := range []string{"hxxps://evil[.]com/a.ps1", "c2.evil.com:8443", "CVE-2021-44228", "10.0.0.1"} {
		g, ok := misp.GuessAttribute(token)
		fmt.Printf("%v %s %q to_ids=%v %s %q\n", ok, g.Type, g.Category, g.ToIDS, g.Value, g.Comment)
	}
	// Output:
	// true url "Network activity" to_ids=true https://evil.com/a.ps1 ""
	// true hostname "Network activity" to_ids=true c2.evil.com "On port 8443"
	// true vulnerability "External analysis" to_ids=false CVE-2021-44228 ""
	// true ip-dst "Network activity" to_ids=true 10.0.0.1 ""
}

func ExampleCategoryAllows() {
	fmt.Println(misp.CategoryAllows("Network activity", "ip-dst"))
	fmt.Println(misp.CategoryAllows("Financial fraud", "ip-dst"))
	fmt.Println(misp.DefaultCategory("sha256"), misp.DefaultToIDS("sha256"))
	// Output:
	// true
	// false
	// Payload delivery true
}
