package misp_test

import (
	"fmt"
	"os"

	"github.com/hunchsec/hunch/misp"
)

func ExampleTemplates_ValidateObject() {
	// A misp-objects tree: objects/<name>/definition.json and relationships/definition.json.
	ts, err := misp.LoadTemplates(os.DirFS("testdata/templates"))
	if err != nil {
		fmt.Println(err)
		return
	}
	known, err := ts.ValidateObject("test-conn", []misp.ObjAttr{
		{Relation: "dst-ip", Type: "ip-dst", Value: "203.0.113.9"},
	})
	fmt.Println(known, err)
	known, err = ts.ValidateObject("made-up-template", nil)
	fmt.Println(known, err)
	// Output:
	// true object "test-conn" does not match its template: Could not save the object as a required attribute is not set (dst-port)
	// false <nil>
}
