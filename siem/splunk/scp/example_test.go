package scp_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem/splunk/scp"
)

// upper is a streaming command that upper-cases the field named in its argument.
type upper struct{ field string }

func (u *upper) GetInfo(_ context.Context, info scp.Info) (scp.Config, error) {
	if len(info.SearchInfo.Args) != 1 {
		return scp.Config{}, fmt.Errorf("want one field, got %q", info.SearchInfo.Args)
	}
	u.field = info.SearchInfo.Args[0]
	return scp.Config{Type: scp.TypeStreaming, RequiredFields: []string{u.field}}, nil
}

func (u *upper) Process(_ context.Context, batch []record.Record) ([]record.Record, error) {
	for i := range batch {
		v, _ := batch[i].Get(u.field)
		batch[i].Set(u.field, record.String(strings.ToUpper(v.Text())))
	}
	return batch, nil
}

func ExampleRun() {
	// What splunkd writes for "| upper host": getinfo, then the events.
	in := scp.AppendChunk(nil, []byte(`{"action":"getinfo","searchinfo":{"args":["host"]}}`), nil)
	in = scp.AppendChunk(in, []byte(`{"action":"execute","finished":true}`), []byte("_time,host\r\n1700000000,ws1\r\n"))
	var out bytes.Buffer
	if err := scp.Run(context.Background(), bytes.NewReader(in), &out, &upper{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Printf("%q\n", out.String())
	// Output:
	// "chunked 1.0,47,0\n{\"required_fields\":[\"host\"],\"type\":\"streaming\"}chunked 1.0,17,51\n{\"finished\":true}_time,__mv__time,host,__mv_host\r\n1700000000,,WS1,\r\n"
}
