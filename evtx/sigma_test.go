package evtx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
)

// jsonText renders a value of evtx_dump's JSON as this package renders the same XML value.
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonLeaves flattens evtx_dump JSON below prefix into dotted names, as flatten does.
func jsonLeaves(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch k {
			case "#attributes":
				for ak, av := range e.(map[string]any) {
					if !strings.HasPrefix(ak, "xmlns") {
						jsonLeaves(prefix+"."+ak, av, out)
					}
				}
			case "#text":
				jsonLeaves(prefix, e, out)
			default:
				jsonLeaves(prefix+"."+k, e, out)
			}
		}
	case []any:
		for i, e := range v {
			if _, ok := e.(map[string]any); ok {
				jsonLeaves(prefix+"."+strconv.Itoa(i+1), e, out)
				continue
			}
			out[prefix] += "\n" + jsonText(e)
		}
		out[prefix] = strings.TrimPrefix(out[prefix], "\n")
	default:
		out[prefix] = jsonText(v)
	}
}

// TestSigmaRegressionPairs reads every EVTX file of SigmaHQ's regression data and checks each
// record against the JSON that SigmaHQ made of the same file with another parser (the Rust evtx
// crate's evtx_dump): same records in the same order, and the same System values, EventData
// and UserData fields.
func TestSigmaRegressionPairs(t *testing.T) {
	root := testcorpus.Path(t, "sigma/regression_data")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".evtx") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	records, fields, trimmed, caseOnly, mismatches := 0, 0, 0, 0, map[string]int{}
	for _, p := range files {
		want := readDump(t, strings.TrimSuffix(p, ".evtx")+".json")
		r, err := Open(p, Options{VerifyChecksums: true})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var got []record.Record
		for rec, err := range r.Records(context.Background()) {
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			got = append(got, rec)
		}
		r.Close()
		if len(got) != len(want) {
			t.Errorf("%s: %d records, evtx_dump has %d", p, len(got), len(want))
			continue
		}
		for i, w := range want {
			records++
			for name, wv := range w {
				fields++
				gv, ok := got[i].Get(name)
				if !ok {
					gv, ok = got[i].Get("EventData." + name)
				}
				g := gv.Text()
				if tm, isTime := gv.Time(); isTime {
					// evtx_dump writes microseconds (some files of the set were edited to more)
					if wt, err := time.Parse(time.RFC3339Nano, wv); err == nil && wt.Truncate(time.Microsecond).Equal(tm.Truncate(time.Microsecond)) {
						continue
					}
				}
				if g != wv && strings.TrimRight(g, " ") == wv {
					trimmed++ // evtx_dump drops trailing spaces that Windows keeps
					continue
				}
				if g != wv && strings.EqualFold(g, wv) {
					// One JSON file of the set disagrees with its EVTX file in letter case
					// (ad691d92…: the EVTX bytes hold "Explorer.EXE", the JSON "Explorer.exe").
					caseOnly++
					t.Logf("%s record %d: %s = %q, evtx_dump has %q (letter case only)", filepath.Base(p), i+1, name, g, wv)
					continue
				}
				if !ok || g != wv {
					mismatches[name]++
					if mismatches[name] <= 2 {
						t.Errorf("%s record %d: %s = %q (present %v), evtx_dump has %q", filepath.Base(p), i+1, name, gv.Text(), ok, wv)
					}
				}
			}
		}
	}
	var names []string
	for n := range mismatches {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d files, %d records, %d fields compared, %d differing only by trailing spaces evtx_dump drops, %d only by letter case; mismatching fields: %v",
		len(files), records, fields, trimmed, caseOnly, names)
	if records == 0 {
		t.Fatal("no records compared")
	}
}

// readDump reads evtx_dump's JSON output (concatenated {"Event": …} objects) into the fields
// this package should produce for each record.
func readDump(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.UseNumber()
	var out []map[string]string
	for {
		var doc struct {
			Event struct {
				System    map[string]any
				EventData any
				UserData  any
			}
		}
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		m := map[string]string{}
		sys := map[string]string{}
		jsonLeaves("", doc.Event.System, sys)
		for name, key := range map[string]string{
			"EventID": ".EventID", "Computer": ".Computer", "Channel": ".Channel", "Provider": ".Provider.Name",
			"EventRecordID": ".EventRecordID", "Level": ".Level", "Task": ".Task", "Opcode": ".Opcode",
			"Version": ".Version", "Keywords": ".Keywords", "ProcessID": ".Execution.ProcessID",
			"ThreadID": ".Execution.ThreadID", "UserID": ".Security.UserID", "ProviderGuid": ".Provider.Guid",
			"ActivityID": ".Correlation.ActivityID", "RelatedActivityID": ".Correlation.RelatedActivityID",
		} {
			if v, ok := sys[key]; ok {
				m[name] = v
			}
		}
		if st, ok := sys[".TimeCreated.SystemTime"]; ok {
			tm, err := time.Parse(time.RFC3339Nano, st)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			m["TimeCreated"] = tm.Format(time.RFC3339Nano)
		}
		if ed, ok := doc.Event.EventData.(map[string]any); ok {
			for k, v := range ed {
				if k == "#attributes" {
					continue
				}
				if k == "Data" { // unnamed
					vs, ok := v.([]any)
					if !ok {
						vs = []any{v}
					}
					for i, e := range vs {
						m["Data_"+strconv.Itoa(i+1)] = jsonText(e)
					}
					continue
				}
				leaves := map[string]string{}
				jsonLeaves(k, v, leaves)
				for lk, lv := range leaves {
					m[lk] = lv
				}
			}
		}
		if doc.Event.UserData != nil {
			jsonLeaves("UserData", doc.Event.UserData, m)
		}
		out = append(out, m)
	}
}
