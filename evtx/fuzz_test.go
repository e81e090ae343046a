package evtx

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
)

// usedPart returns a chunk up to its free space offset: the part that holds records.
func usedPart(c []byte) []byte {
	return c[:binary.LittleEndian.Uint32(c[0x30:])]
}

// FuzzChunk reads a file made of a valid header and the fuzzed bytes as its one chunk (cut at
// 64 KiB, zero-padded when shorter, as a truncated file is read). Whatever the bytes, reading
// must not panic, hang or fail the whole file: a bad chunk or record is a ParseError naming its
// offset, and every record has an integer EventID. Committed seeds (testdata/fuzz/FuzzChunk)
// hold slices of the CC0 EVTX-to-MITRE-Attack files, whole and corrupted, which use templates.
func FuzzChunk(f *testing.F) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Add([]byte{})
	f.Add([]byte("ElfChnk\x00"))
	f.Add(usedPart(simpleChunk(1, 2)))
	f.Add(usedPart(buildChunk([]testRecord{
		{id: 1, written: at, event: testEvent(1, 1, at, parent("EventData", el("Data", "a"), el("Data", "b")))},
		{id: 2, written: at, event: testEvent(2, 2, at, parent("UserData", parent("X", el("Y", "z"))))},
	})))
	f.Add(usedPart(buildChunk([]testRecord{{id: 1, written: at, raw: typedArgsEvent(at)}})))
	f.Add(usedPart(buildChunk([]testRecord{{id: 1, written: at, raw: templateBomb(12)}})))
	if d := testcorpus.Dir(); d != "" {
		// CC0-1.0 files: slicing them is allowed.
		for _, name := range []string{
			"EVTX-to-MITRE-Attack__ID4697-MSF_payload_deployed_via_service.evtx",
			"EVTX-to-MITRE-Attack__ID4688-Encoded_PowerShell_MSF_payload_via_process_execution.evtx",
		} {
			b, err := os.ReadFile(filepath.Join(d, "logs", "evtx", name))
			if err != nil || len(b) < fileHeaderSize+chunkSize {
				continue
			}
			c := b[fileHeaderSize : fileHeaderSize+chunkSize]
			f.Add(c[:min(len(usedPart(c)), 0x4000)])
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > chunkSize {
			data = data[:chunkSize]
		}
		file := append(buildFile(), data...)
		n := 0
		for rec, err := range Read(context.Background(), bytes.NewReader(file), int64(len(file)), "fuzz.evtx", Options{}) {
			n++
			if err != nil {
				if !record.IsParseError(err) || !strings.Contains(err.Error(), "fuzz.evtx: ") || !strings.Contains(err.Error(), "offset 0x") {
					t.Fatalf("error %v: want a ParseError naming the file and offset", err)
				}
				continue
			}
			if v, ok := rec.Get("EventID"); !ok || v.Kind() != record.KindInt {
				t.Fatalf("record without an integer EventID: %v", rec.Names())
			}
			if rec.Meta.N != n {
				t.Fatalf("record meta %+v at position %d", rec.Meta, n)
			}
		}
		if n > chunkSize/recordHeaderLen {
			t.Fatalf("%d records and errors from one chunk", n)
		}
	})
}
