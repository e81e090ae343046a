package benchcorpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"math"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestDeterminism(t *testing.T) {
	const size = 1 << 20
	a := Bytes(size, 1)
	if b := Bytes(size, 1); !bytes.Equal(a, b) {
		t.Fatal("Bytes(size, 1) differs between two calls")
	}
	if c := Bytes(size, 2); bytes.Equal(a[:4096], c[:4096]) {
		t.Fatal("seeds 1 and 2 produce the same first 4 KiB")
	}
	var buf bytes.Buffer
	if err := Write(&buf, size, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, buf.Bytes()) {
		t.Fatalf("Write and Bytes differ: %d vs %d bytes", buf.Len(), len(a))
	}
	// Line, with truth recording on, must draw the same random numbers as Write.
	g := New(1)
	var lines bytes.Buffer
	for lines.Len() < size {
		l, _ := g.Line()
		lines.WriteString(l)
		lines.WriteByte('\n')
	}
	if !bytes.Equal(a, lines.Bytes()) {
		t.Fatal("successive Line calls differ from Bytes")
	}
}

// TestGolden pins the corpus for seed 1, so that a change of output on another platform or
// after an edit is noticed. Run with -update after an intended change.
func TestGolden(t *testing.T) {
	data := Bytes(256<<10, 1)
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:]) + "\n"
	golden := filepath.Join("testdata", "seed1_256k.sha256")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("sha256 of Bytes(256 KiB, 1) = %s, golden %s (run with -update if the change is intended)", got, want)
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	if l, _ := New(1).Line(); l != string(first) {
		t.Fatalf("first line of New(1) = %q, want %q", l, first)
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		name string
		size int64
	}{
		{"negative", -5},
		{"zero", 0},
		{"one byte", 1},
		{"one line or so", 200},
		{"4 KiB", 4096},
		{"across write chunks", 3*writeChunk + 17},
		{"1 MiB", 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tt.size, 3); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			if !bytes.Equal(got, Bytes(tt.size, 3)) {
				t.Fatal("Write and Bytes differ")
			}
			if tt.size <= 0 {
				if len(got) != 0 {
					t.Fatalf("size %d wrote %d bytes, want none", tt.size, len(got))
				}
				return
			}
			if int64(len(got)) < tt.size {
				t.Fatalf("wrote %d bytes, want at least %d", len(got), tt.size)
			}
			if got[len(got)-1] != '\n' {
				t.Fatal("output does not end with a whole line")
			}
			// It stops after the line that reaches size: without its last line it is short.
			body := got[:len(got)-1]
			last := bytes.LastIndexByte(body, '\n')
			if int64(last+1) >= tt.size {
				t.Fatalf("wrote %d bytes; the output before the last line (%d bytes) already reached %d", len(got), last+1, tt.size)
			}
		})
	}
}

// shortWriter fails after n bytes.
type shortWriter struct{ n int }

var errFull = errors.New("disk full")

func (w *shortWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return w.n, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	err := Write(&shortWriter{n: writeChunk}, 4*writeChunk, 1)
	if !errors.Is(err, errFull) {
		t.Fatalf("Write to a failing writer: %v, want it to wrap %v", err, errFull)
	}
}

// lineKind classifies a generated line by its text alone.
func lineKind(l string) (kind, bool) {
	switch {
	case strings.Contains(l, " Microsoft-Windows-Sysmon EventID=1 "):
		return kindWinProc, true
	case strings.Contains(l, " Security EventID=4688 "):
		return kindPowerShellEnc, true
	case strings.Contains(l, " sshd["), strings.Contains(l, " CRON["), strings.Contains(l, " sudo: "),
		strings.Contains(l, " postfix/smtpd["), strings.Contains(l, " kernel: "):
		return kindSyslog, true
	case strings.Contains(l, " HIER_DIRECT/"), strings.Contains(l, `" category="`):
		return kindProxy, true
	case strings.HasPrefix(l, "[TI] "), strings.HasPrefix(l, "Analyst note ("), strings.HasPrefix(l, "IOC list "):
		return kindTINote, true
	case strings.Contains(l, " mail01 postfix/smtp["):
		return kindMail, true
	case strings.HasPrefix(l, "type=EXECVE ") && strings.Contains(l, `a1="-c"`):
		return kindLinuxB64, true
	case strings.HasPrefix(l, "type=EXECVE "):
		return kindAuditd, true
	case strings.Contains(l, " fw-edge flow "):
		return kindFlow6, true
	case strings.Contains(l, " Application EventID=1000 "), strings.Contains(l, " systemd[1]: Started Session "),
		strings.Contains(l, " scheduler job="):
		return kindNoise, true
	}
	return 0, false
}

var kindNames = [numKinds]string{"win_proc", "powershell_enc", "syslog", "proxy", "ti_note", "mail", "auditd", "lx_b64", "flow6", "noise"}

func TestMixProportions(t *testing.T) {
	const n = 10000
	var counts [numKinds]int
	g := New(11)
	for range n {
		l, _ := g.Line()
		k, ok := lineKind(l)
		if !ok {
			t.Fatalf("unclassified line: %q", l)
		}
		counts[k]++
	}
	// KINDS in ../shared/bench/gen_corpus.py, written out here so that the test does not
	// check kindWeights against itself.
	python := [numKinds]int{22, 10, 20, 20, 6, 6, 6, 3, 4, 6}
	pythonTotal := 0
	for _, w := range python {
		pythonTotal += w
	}
	for k, c := range counts {
		want := float64(python[k]) / float64(pythonTotal)
		got := float64(c) / n
		// gen_corpus.py's KINDS weights; 1.5 points is over three standard deviations at n=10000.
		if math.Abs(got-want) > 0.015 {
			t.Errorf("%s: %.2f %% of lines, want %.2f %% ± 1.5", kindNames[k], 100*got, 100*want)
		}
	}
}

// refang undoes the defanging the generator applies to notes.
func refang(s string) string {
	return strings.NewReplacer("[.]", ".", "hxxp", "http", "hXXp", "http", "[at]", "@", "[AT]", "@").Replace(s)
}

// decodeBlob returns the decoded script of an encoded line: UTF-16LE for PowerShell
// -EncodedCommand lines, UTF-8 for the bash "echo … | base64 -d" lines.
func decodeBlob(t *testing.T, line string) string {
	t.Helper()
	if k, _ := lineKind(line); k == kindLinuxB64 {
		_, rest, ok := strings.Cut(line, `a2="echo `)
		blob, _, ok2 := strings.Cut(rest, " | base64 -d | bash")
		if !ok || !ok2 {
			t.Fatalf("no base64 blob in %q", line)
		}
		b, err := base64.StdEncoding.DecodeString(blob)
		if err != nil {
			t.Fatalf("decode %q: %v", blob, err)
		}
		return string(b)
	}
	cmd, _, ok := strings.Cut(line, `" SubjectUserName=`)
	if !ok {
		t.Fatalf("no PowerShell command line in %q", line)
	}
	blob := cmd[strings.LastIndexByte(cmd, ' ')+1:]
	b, err := base64.StdEncoding.DecodeString(blob)
	if err != nil {
		t.Fatalf("decode %q: %v", blob, err)
	}
	if len(b)%2 != 0 {
		t.Fatalf("decoded blob has odd length %d, not UTF-16", len(b))
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

func TestTruth(t *testing.T) {
	types := map[string]bool{"ipv4": true, "ipv6": true, "domain": true, "url": true, "email": true,
		"md5": true, "sha1": true, "sha256": true, "windows_path": true, "linux_path": true}
	hashLen := map[string]int{"md5": 32, "sha1": 40, "sha256": 64}
	g := New(5)
	seen := map[string]int{}
	encodedByKind := map[kind]int{}
	canonicalised := 0 // IPv6 addresses planted in a non-RFC 5952 form
	for n := 1; n <= 20000; n++ {
		line, truth := g.Line()
		k, _ := lineKind(line)
		if (k == kindNoise) != (len(truth) == 0) {
			t.Fatalf("line %d (%s) plants %d indicators", n, kindNames[k], len(truth))
		}
		var decoded string
		for _, tr := range truth {
			seen[tr.Type]++
			if tr.Line != n {
				t.Fatalf("truth %+v on line %d", tr, n)
			}
			if !types[tr.Type] {
				t.Fatalf("line %d: unknown type %q", n, tr.Type)
			}
			if tr.Encoded {
				if decoded == "" {
					decoded = decodeBlob(t, line)
				}
				encodedByKind[k]++
				if tr.Raw != tr.Value {
					t.Fatalf("line %d: encoded %+v has raw != value", n, tr)
				}
				if !strings.Contains(decoded, tr.Value) {
					t.Fatalf("line %d: encoded %s %q not in decoded text %q", n, tr.Type, tr.Value, decoded)
				}
				continue
			}
			if !strings.Contains(line, tr.Raw) {
				t.Fatalf("line %d: %s raw %q not in %q", n, tr.Type, tr.Raw, line)
			}
			if l, ok := hashLen[tr.Type]; ok {
				if len(tr.Value) != l || tr.Value != strings.ToLower(tr.Raw) || strings.Trim(tr.Value, "0123456789abcdef") != "" {
					t.Fatalf("line %d: bad %s %+v", n, tr.Type, tr)
				}
			} else if tr.Type == "ipv6" {
				if tr.Raw != tr.Value {
					canonicalised++
				}
				continue // checked by checkShapes
			} else if refang(tr.Raw) != tr.Value {
				t.Fatalf("line %d: raw %q does not refang to value %q", n, tr.Raw, tr.Value)
			}
		}
		checkShapes(t, n, truth)
	}
	for typ := range types {
		if seen[typ] == 0 {
			t.Errorf("no %s planted in 20000 lines", typ)
		}
	}
	if canonicalised == 0 {
		t.Error("no IPv6 address planted in a padded or uncompressed form")
	}
	if encodedByKind[kindPowerShellEnc] < 1000 || encodedByKind[kindLinuxB64] < 300 {
		t.Errorf("too few encoded indicators checked: %v", encodedByKind)
	}
}

// checkShapes checks that the planted values are what their types say.
func checkShapes(t *testing.T, n int, truth []Truth) {
	t.Helper()
	for i, tr := range truth {
		switch tr.Type {
		case "ipv4":
			if a, err := netip.ParseAddr(tr.Value); err != nil || !a.Is4() {
				t.Fatalf("line %d: ipv4 %q: %v", n, tr.Value, err)
			}
		case "ipv6":
			a, err := netip.ParseAddr(tr.Raw)
			if err != nil || !a.Is6() || a.String() != tr.Value {
				t.Fatalf("line %d: ipv6 %+v: %v", n, tr, err)
			}
		case "url":
			u, err := url.Parse(tr.Value)
			if err != nil || u.Host == "" {
				t.Fatalf("line %d: url %q: %v", n, tr.Value, err)
			}
			// The URL's host follows it, marked url_host.
			if i+1 >= len(truth) || truth[i+1].Via != ViaURLHost || truth[i+1].Value != u.Hostname() {
				t.Fatalf("line %d: url %q not followed by its host", n, tr.Value)
			}
		case "email":
			_, dom, ok := strings.Cut(tr.Value, "@")
			if !ok || i+1 >= len(truth) || truth[i+1].Via != ViaEmailDomain || truth[i+1].Value != dom {
				t.Fatalf("line %d: email %q not followed by its domain", n, tr.Value)
			}
		case "domain":
			if !strings.Contains(tr.Value, ".") || strings.ContainsAny(tr.Value, " /:@[]") {
				t.Fatalf("line %d: bad domain %q", n, tr.Value)
			}
		case "windows_path":
			if !strings.HasPrefix(tr.Value, `C:\`) {
				t.Fatalf("line %d: bad windows path %q", n, tr.Value)
			}
		case "linux_path":
			if !strings.HasPrefix(tr.Value, "/") || strings.Contains(tr.Value, " ") {
				t.Fatalf("line %d: bad linux path %q", n, tr.Value)
			}
		}
	}
}

func TestLineOwnership(t *testing.T) {
	g := New(9)
	l1, t1 := g.Line()
	for t1 == nil {
		l1, t1 = g.Line()
	}
	keep := append([]Truth(nil), t1...)
	for range 50 {
		g.Line()
	}
	if t1[0] != keep[0] || !strings.Contains(l1, t1[0].Raw) && !t1[0].Encoded {
		t.Fatal("a later Line call changed an earlier result")
	}
}

func BenchmarkWrite(b *testing.B) {
	const size = 16 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, size, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLine(b *testing.B) {
	g := New(1)
	var n int64
	b.ReportAllocs()
	for b.Loop() {
		l, _ := g.Line()
		n += int64(len(l) + 1)
	}
	b.SetBytes(n / int64(b.N))
}
