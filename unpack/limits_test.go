package unpack_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/unpack"
)

// tail is a good blob placed after a limit case, to show processing continues.
var tail = " then " + b64([]byte("still decoded after the limit"))

func lastText(r unpack.Result) string {
	ts := texts(r)
	if len(ts) == 0 {
		return ""
	}
	return ts[len(ts)-1]
}

func TestDefaults(t *testing.T) {
	d := unpack.DefaultOptions()
	if d.MaxBytes != 16<<20 || d.MaxDepth != 6 || d.MaxMembers != 1000 || d.MaxRatio != 100 || d.MinLen != 20 || d.NoHex {
		t.Errorf("defaults %+v", d)
	}
	u, err := unpack.New(unpack.Options{})
	if err != nil || u.Options() != d {
		t.Errorf("zero options: %+v, %v", u.Options(), err)
	}
}

func TestNewValidates(t *testing.T) {
	bad := []unpack.Options{
		{MinLen: -1}, {MinLen: 4}, {MaxBytes: -1}, {MaxDepth: -2}, {MaxMembers: -1}, {MaxRatio: -1}, {MaxRatio: 0.5},
	}
	for _, o := range bad {
		if _, err := unpack.New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

func TestLimitMaxBytesDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping 17 MiB decode in -short mode")
	}
	line := []byte("hello world 0123456789 lorem ipsum dolor sit amet\n")
	big := bytes.Repeat(line, (17<<20)/len(line)+1)
	r := unpack.Unpack("x " + b64(big) + tail)
	if len(r.Blobs) != 1 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	b := r.Blobs[0]
	if !errors.Is(b.Err, unpack.ErrTooLarge) || b.Size != 16<<20 || b.Kind != "text" {
		t.Errorf("blob: kind %s size %d err %v", b.Kind, b.Size, b.Err)
	}
	if !errors.Is(r.Err, unpack.ErrTooLarge) {
		t.Errorf("Result.Err = %v", r.Err)
	}
}

func TestLimitMaxBytes(t *testing.T) {
	u, _ := unpack.New(unpack.Options{MaxBytes: 1000})
	// A gzip stream inflating past the budget: the blob keeps what fit, records ErrTooLarge.
	payload := strings.Repeat("Write-Output 'http://203.0.113.5/x';", 100)
	r := u.Unpack("a " + b64(gz(t, []byte(payload))) + tail)
	if len(r.Blobs) != 1 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	b := r.Blobs[0]
	if !errors.Is(b.Err, unpack.ErrTooLarge) || b.Kind != "text" || !strings.HasPrefix(payload, b.Text) || b.Size == 0 {
		t.Errorf("blob: kind %s size %d err %v", b.Kind, b.Size, b.Err)
	}
	if !errors.Is(r.Err, unpack.ErrTooLarge) {
		t.Errorf("Result.Err = %v", r.Err)
	}
	// Within the budget, both blobs decode.
	r = unpack.Unpack("a " + b64(gz(t, []byte(payload))) + tail)
	if len(r.Blobs) != 2 || r.Err != nil || lastText(r) != "still decoded after the limit" {
		t.Errorf("default budget: %d blobs, err %v", len(r.Blobs), r.Err)
	}
}

func TestLimitMaxDepth(t *testing.T) {
	text := "deepest text http://198.51.100.77/"
	for range 7 {
		text = "echo " + b64([]byte(text)) + " | decode"
	}
	r := unpack.Unpack(text + tail)
	maxDepth, tooDeep := 0, 0
	for _, b := range r.Blobs {
		maxDepth = max(maxDepth, b.Depth)
		if errors.Is(b.Err, unpack.ErrTooDeep) {
			tooDeep++
			if b.Depth != 6 {
				t.Errorf("ErrTooDeep on depth %d", b.Depth)
			}
		}
	}
	if maxDepth != 6 || tooDeep != 1 {
		t.Errorf("max depth %d, %d ErrTooDeep blobs", maxDepth, tooDeep)
	}
	if lastText(r) != "still decoded after the limit" {
		t.Error("processing did not continue after the depth limit")
	}
	// Six levels are fine.
	text = "deepest text, long enough"
	for range 6 {
		text = "echo " + b64([]byte(text)) + " | decode"
	}
	r = unpack.Unpack(text)
	for _, b := range r.Blobs {
		if b.Err != nil {
			t.Errorf("depth %d: %v", b.Depth, b.Err)
		}
	}
	if len(r.Blobs) != 6 || r.Blobs[5].Text != "deepest text, long enough" {
		t.Errorf("6 levels: %d blobs", len(r.Blobs))
	}

	// Compression layers in one chain count too.
	data := []byte(script)
	for range 7 {
		data = gz(t, data)
	}
	r = unpack.Unpack("x " + b64(data))
	if len(r.Blobs) != 1 || !errors.Is(r.Blobs[0].Err, unpack.ErrTooDeep) || r.Blobs[0].Kind != "gzip" || len(r.Blobs[0].Chain) != 7 {
		t.Errorf("7 gzip layers: %+v", r.Blobs)
	}
}

func TestLimitMaxMembers(t *testing.T) {
	files := make([]file, 1001)
	for i := range files {
		files[i] = file{name: "m" + strings.Repeat("x", i%7) + ".txt", data: []byte("member text")}
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"zip", zipOf(t, files...)}, {"tar", tarOf(t, files...)}} {
		t.Run(tc.name, func(t *testing.T) {
			r := unpack.Unpack("x " + b64(tc.data) + tail)
			if len(r.Blobs) != 1+1000+1 {
				t.Fatalf("got %d blobs", len(r.Blobs))
			}
			if !errors.Is(r.Blobs[0].Err, unpack.ErrTooManyMembers) || r.Blobs[0].Kind != tc.name {
				t.Errorf("archive blob: %s %v", r.Blobs[0].Kind, r.Blobs[0].Err)
			}
			if lastText(r) != "still decoded after the limit" {
				t.Error("processing did not continue")
			}
		})
	}
	u, _ := unpack.New(unpack.Options{MaxMembers: 2})
	r := u.Unpack("x " + b64(zipOf(t, files[:3]...)))
	if len(r.Blobs) != 3 || !errors.Is(r.Blobs[0].Err, unpack.ErrTooManyMembers) {
		t.Errorf("MaxMembers 2: %d blobs, %v", len(r.Blobs), r.Blobs[0].Err)
	}
}

func TestLimitMaxRatio(t *testing.T) {
	zeros := make([]byte, 10<<20) // 10 MiB compresses about 1000 times
	bomb := gz(t, zeros)
	r := unpack.Unpack("x " + b64(bomb) + tail)
	if len(r.Blobs) != 2 {
		t.Fatalf("got %d blobs", len(r.Blobs))
	}
	b := r.Blobs[0]
	if !errors.Is(b.Err, unpack.ErrRatio) || b.Size != 100*len(bomb) {
		t.Errorf("gzip bomb: size %d (compressed %d), err %v", b.Size, len(bomb), b.Err)
	}
	if lastText(r) != "still decoded after the limit" {
		t.Error("processing did not continue")
	}

	zbomb := zipOf(t, file{"zeros.bin", zeros}, file{"note.txt", []byte("the note after the bomb")})
	r = unpack.Unpack("x " + b64(zbomb))
	if len(r.Blobs) != 3 || !errors.Is(r.Blobs[1].Err, unpack.ErrRatio) || r.Blobs[1].Member != "zeros.bin" || r.Blobs[2].Text != "the note after the bomb" {
		t.Errorf("zip bomb: %+v", r.Blobs)
	}

	// A higher ratio lets the same stream through.
	u, _ := unpack.New(unpack.Options{MaxRatio: 2000})
	r = u.Unpack("x " + b64(bomb))
	if len(r.Blobs) != 1 || r.Blobs[0].Err != nil || r.Blobs[0].Size != len(zeros) {
		t.Errorf("MaxRatio 2000: %+v", r.Blobs)
	}
	// Small streams are never refused for their ratio.
	r = unpack.Unpack("x " + b64(gz(t, bytes.Repeat([]byte("A"), 60000))))
	if len(r.Blobs) != 1 || r.Blobs[0].Err != nil {
		t.Errorf("60000 A: %+v", r.Blobs)
	}
}

func TestCorruptData(t *testing.T) {
	good := gz(t, []byte(script))
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-8] ^= 0xff
	z := zipOf(t, file{"a.txt", []byte("alpha text in the zip")})
	tr := tarOf(t, file{"a.txt", bytes.Repeat([]byte("tar member text "), 64)})
	tests := []struct {
		name string
		data []byte
		kind string
	}{
		{"gzip bad crc", badCRC, "text"},
		{"gzip truncated", good[:len(good)/2], "text"},
		{"gzip header then an invalid block", append(good[:10:10], bytes.Repeat([]byte{0xff}, 12)...), "gzip"},
		{"zip truncated", z[:len(z)-30], "zip"},
		{"tar truncated", tr[:700], "tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unpack.Unpack("x " + b64(tt.data) + tail)
			if len(r.Blobs) < 2 {
				t.Fatalf("got %d blobs", len(r.Blobs))
			}
			var corrupt bool
			for _, b := range r.Blobs {
				corrupt = corrupt || errors.Is(b.Err, unpack.ErrCorrupt)
			}
			if !corrupt || r.Blobs[0].Kind != tt.kind {
				t.Errorf("first blob %s, errors: %v", r.Blobs[0].Kind, r.Blobs[0].Err)
			}
			if lastText(r) != "still decoded after the limit" {
				t.Error("processing did not continue")
			}
		})
	}
}
