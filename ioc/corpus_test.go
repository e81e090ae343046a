package ioc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

// peerCase is one record of ../shared/corpus/ioc/iocextract_cases.jsonl (InQuest
// python-iocextract's test vectors).
type peerCase struct {
	Source         string              `json:"source"`
	Input          string              `json:"input"`
	Op             string              `json:"op"`
	Options        map[string]any      `json:"options"`
	Scope          []string            `json:"scope"`
	Expect         map[string][]string `json:"expect"`
	ExpectRefanged map[string][]string `json:"expect_refanged"`
	ExpectContains map[string][]string `json:"expect_contains"`
	ExpectAbsent   []string            `json:"expect_absent"`
}

func readPeerCases(t *testing.T) []peerCase {
	t.Helper()
	f, err := os.Open(testcorpus.Path(t, "ioc/iocextract_cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []peerCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c peerCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// disagreement is one line of testdata/iocextract_disagreements.jsonl: a record where the
// peer is wrong, what hunch reports instead, and why.
type disagreement struct {
	Source string   `json:"source"` // the corpus record
	Type   string   `json:"type"`   // the peer type compared
	Hunch  []string `json:"hunch"`  // what hunch reports (sorted, distinct)
	Reason string   `json:"reason"` // why the peer is wrong
}

func readDisagreements(t *testing.T) map[string]disagreement {
	t.Helper()
	b, err := os.ReadFile("testdata/iocextract_disagreements.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]disagreement{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var d disagreement
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("disagreements line %d: %v", i+1, err)
		}
		if d.Reason == "" {
			t.Fatalf("disagreements line %d: no reason", i+1)
		}
		out[d.Source+"\x00"+d.Type] = d
	}
	return out
}

// peerTypes maps the peer's type names to hunch types. The peer's "yara" (YARA rules) is
// not an indicator type hunch extracts, so records scoped to it are left out.
var peerTypes = map[string]Type{"url": URL, "ipv4": IPv4, "ipv6": IPv6, "email": Email,
	"md5": MD5, "sha1": SHA1, "sha256": SHA256, "sha512": SHA512}

// canonPeer puts a peer value through hunch's canonicalisation, so that only real
// differences count: hashes lower-case, IPv6 in RFC 5952 form, URL scheme and host
// lower-case (the peer keeps the case it was given), an e-mail domain lower-case.
func canonPeer(t Type, v string) string {
	switch t {
	case MD5, SHA1, SHA256, SHA512:
		return strings.ToLower(v)
	case IPv6:
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String()
		}
	case Email:
		if i := strings.LastIndexByte(v, '@'); i >= 0 {
			return v[:i+1] + strings.ToLower(v[i+1:])
		}
	case URL:
		i := strings.Index(v, "://")
		if i < 0 {
			return v
		}
		rest := v[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		auth := rest[:end]
		at := strings.LastIndexByte(auth, '@')
		return strings.ToLower(v[:i]) + "://" + auth[:at+1] + strings.ToLower(auth[at+1:]) + rest[end:]
	}
	return v
}

// customFromPeer turns the peer's regex_list into custom types. The peer reports the first
// capture group of each match, so that group becomes hunch's "ioc" group.
func customFromPeer(opts map[string]any) []Custom {
	list, _ := opts["regex_list"].([]any)
	var out []Custom
	for i, r := range list {
		p := r.(string)
		if k := strings.IndexByte(p, '('); k >= 0 && !strings.HasPrefix(p[k:], "(?") {
			p = p[:k] + "(?P<ioc>" + p[k+1:]
		}
		out = append(out, Custom{Name: fmt.Sprintf("custom%d", i), Pattern: p})
	}
	return out
}

func sortedSet(v []string) []string {
	v = slices.Clone(v)
	sort.Strings(v)
	return slices.Compact(v)
}

// hunchValues runs hunch on a record and returns its values per peer type name.
func hunchValues(t *testing.T, c peerCase) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if c.Op == "extract_custom_iocs" {
		cs := customFromPeer(c.Options)
		if len(cs) == 0 {
			return out
		}
		var names []Type
		for _, ct := range cs {
			names = append(names, Type(ct.Name))
		}
		e, err := NewExtractor(Options{Custom: cs, Types: names})
		if err != nil {
			t.Fatalf("%s: %v", c.Source, err)
		}
		for _, m := range e.Extract(c.Input) {
			out["custom"] = append(out["custom"], m.Value)
		}
		return out
	}
	for _, m := range Extract(c.Input) {
		for name, ty := range peerTypes {
			if m.Type == ty {
				out[name] = append(out[name], m.Value)
			}
		}
	}
	return out
}

// TestIocextractCorpus compares hunch with python-iocextract's own test vectors. A record
// agrees on a type in its scope when hunch's set of values of that type equals the
// peer's set (expect_refanged where present, else expect) after canonicalisation
// (canonPeer). Types outside a record's scope are not compared. Records listed in
// testdata/iocextract_disagreements.jsonl are peer errors: they count as agreement, and
// hunch must produce exactly what the file says.
func TestIocextractCorpus(t *testing.T) {
	cases := readPeerCases(t)
	dis := readDisagreements(t)
	usedDis := map[string]bool{}
	agree, total := map[string]int{}, map[string]int{}
	var dump []string
	for i, c := range cases {
		if i == 0 {
			continue // the whole-file corpus record, tested by TestIocextractCorpusRecord0
		}
		hv := hunchValues(t, c)
		for _, st := range c.Scope {
			if st == "yara" {
				continue
			}
			peer := c.Expect[st]
			if c.ExpectRefanged != nil {
				peer = c.ExpectRefanged[st]
			}
			ty := peerTypes[st]
			var pc []string
			for _, v := range peer {
				pc = append(pc, canonPeer(ty, v))
			}
			pc = sortedSet(pc)
			hs := sortedSet(hv[st])
			total[st]++
			key := c.Source + "\x00" + st
			if d, ok := dis[key]; ok {
				usedDis[key] = true
				if !slices.Equal(hs, sortedSet(d.Hunch)) {
					t.Errorf("%s (%s): disagreements file says hunch gives %q, hunch gives %q", c.Source, st, d.Hunch, hs)
				}
				if slices.Equal(hs, pc) {
					t.Errorf("%s (%s): listed as a disagreement but hunch agrees with the peer", c.Source, st)
				}
				agree[st]++
				continue
			}
			if slices.Equal(hs, pc) {
				agree[st]++
				continue
			}
			if d, _ := json.Marshal(map[string]any{"source": c.Source, "input": c.Input, "type": st, "peer": pc, "hunch": hs}); d != nil {
				dump = append(dump, string(d))
			}
		}
	}
	for k := range dis {
		if !usedDis[k] {
			t.Errorf("disagreements entry %q matches no corpus record", k)
		}
	}
	if p := os.Getenv("HUNCH_IOC_DUMP"); p != "" {
		if err := os.WriteFile(p, []byte(strings.Join(dump, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	sumA, sumT := 0, 0
	for k := range total {
		names = append(names, k)
		sumA += agree[k]
		sumT += total[k]
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%-7s agreement %5d/%5d = %.2f%%", k, agree[k], total[k], 100*float64(agree[k])/float64(total[k]))
	}
	overall := 100 * float64(sumA) / float64(sumT)
	t.Logf("overall agreement %d/%d = %.2f%% (yara records excluded: hunch does not extract YARA rules)", sumA, sumT, overall)
	t.Logf("of these, %d agree outright and %d are listed peer errors (testdata/iocextract_disagreements.jsonl)", sumA-len(usedDis), len(usedDis))
	if overall < 97 {
		t.Errorf("overall agreement %.2f%% below 97%%", overall)
	}
}
