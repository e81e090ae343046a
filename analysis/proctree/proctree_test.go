package proctree

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hunchsec/hunch/evtx"
	"github.com/hunchsec/hunch/internal/testcorpus"
	"github.com/hunchsec/hunch/record"
)

func eventsOf(t *testing.T, path string) []Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	var out []Event
	for r, err := range evtx.Read(context.Background(), f, st.Size(), path, evtx.Options{}) {
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := FromRecord(r); ok {
			out = append(out, e)
		}
	}
	return out
}

// TestCorpusTrees builds the trees of two corpus files. The expected counts were worked out
// apart from this package, by a plain pass over the files' events: Sysmon, 40 processes whose
// parents are 2 GUIDs, one of them never created in the file; Security 4688, 26 processes
// linked by pid in time order, 6 of whose parent pids were never created in the file.
func TestCorpusTrees(t *testing.T) {
	for _, tt := range []struct {
		file                        string
		events, nodes, edges, roots int
		inferred                    int
	}{
		{"logs/evtx/EVTX-ATTACK-SAMPLES__discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx", 40, 41, 40, 1, 1},
		{"logs/evtx/DeepBlueCLI__powersploit-security.evtx", 26, 32, 26, 6, 6},
	} {
		evs := eventsOf(t, testcorpus.Path(t, tt.file))
		f := Build(evs)
		inferred := 0
		for _, n := range f.Nodes {
			if n.Inferred {
				inferred++
			}
		}
		if len(evs) != tt.events || len(f.Nodes) != tt.nodes || f.Edges() != tt.edges || len(f.Roots) != tt.roots || inferred != tt.inferred {
			t.Errorf("%s: %d events, %d nodes, %d edges, %d roots, %d inferred; want %d, %d, %d, %d, %d",
				tt.file, len(evs), len(f.Nodes), f.Edges(), len(f.Roots), inferred, tt.events, tt.nodes, tt.edges, tt.roots, tt.inferred)
		}
	}
}

func rec(fields ...any) record.Record {
	var r record.Record
	for i := 0; i+1 < len(fields); i += 2 {
		switch v := fields[i+1].(type) {
		case string:
			r.Append(fields[i].(string), record.String(v))
		case int:
			r.Append(fields[i].(string), record.Int(int64(v)))
		case time.Time:
			r.Append(fields[i].(string), record.Time(v))
		}
	}
	return r
}

func TestPIDReuseAndOrphans(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	recs := []record.Record{
		// explorer (0x100, parent never seen) starts cmd (0x200), which starts whoami.
		rec("EventID", 4688, "Computer", "WS1", "TimeCreated", at(0), "NewProcessId", "0x100", "ProcessId", "0x4", "NewProcessName", `C:\Windows\explorer.exe`),
		rec("EventID", 4688, "Computer", "WS1", "TimeCreated", at(1), "NewProcessId", "0x200", "ProcessId", "0x100", "NewProcessName", `C:\Windows\System32\cmd.exe`),
		rec("EventID", 4688, "Computer", "WS1", "TimeCreated", at(2), "NewProcessId", "0x300", "ProcessId", "0x200", "NewProcessName", `C:\Windows\System32\whoami.exe`, "CommandLine", "whoami /all"),
		// pid 0x200 is reused by a new powershell, started by explorer; its child hangs under it, not under cmd.
		rec("EventID", 4688, "Computer", "WS1", "TimeCreated", at(10), "NewProcessId", "0x200", "ProcessId", "0x100", "NewProcessName", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`),
		rec("EventID", 4688, "Computer", "WS1", "TimeCreated", at(11), "NewProcessId", "0x400", "ProcessId", "0x200", "NewProcessName", `C:\Windows\System32\net.exe`),
		// The same pid on another host is another process.
		rec("EventID", 4688, "Computer", "WS2", "TimeCreated", at(3), "NewProcessId", "0x300", "ProcessId", "0x200", "NewProcessName", `C:\Windows\System32\notepad.exe`),
		// Not a process creation.
		rec("EventID", 4624, "Computer", "WS1", "TimeCreated", at(4)),
	}
	var evs []Event
	for _, r := range recs {
		if e, ok := FromRecord(r); ok {
			evs = append(evs, e)
		}
	}
	if len(evs) != 6 {
		t.Fatalf("%d events", len(evs))
	}
	f := Build(evs)
	got := f.Text(0)
	want := `? (4) [inferred]
  explorer.exe (256)
    cmd.exe (512)
      whoami.exe (768)  whoami /all
    powershell.exe (512)
      net.exe (1024)
? (512) [inferred]
  notepad.exe (768)
`
	if got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	var net *Node
	for _, n := range f.Nodes {
		if strings.HasSuffix(n.Image, "net.exe") {
			net = n
		}
	}
	var line []string
	for _, n := range Lineage(net) {
		line = append(line, n.ID)
	}
	if strings.Join(line, " > ") != "WS1|4|1 > WS1|256|1 > WS1|512|2 > WS1|1024|1" {
		t.Errorf("lineage %v", line)
	}
}

func TestSysmonParentSeenLater(t *testing.T) {
	recs := []record.Record{
		// The child's event arrives before its parent's (clock skew): the parent is inferred, then filled in.
		rec("EventID", 1, "Computer", "WS1", "UtcTime", "2026-11-23 08:00:01.000", "ProcessGuid", "{B}", "ParentProcessGuid", "{A}", "ProcessId", 20, "ParentProcessId", 10, "Image", `C:\x\child.exe`, "ParentImage", `C:\x\parent.exe`),
		rec("EventID", 1, "Computer", "WS1", "UtcTime", "2026-11-23 08:00:02.000", "ProcessGuid", "{a}", "ParentProcessGuid", "{R}", "ProcessId", 10, "ParentProcessId", 1, "Image", `C:\x\parent.exe`, "ParentImage", `C:\x\init.exe`),
	}
	var evs []Event
	for _, r := range recs {
		e, ok := FromRecord(r)
		if !ok {
			t.Fatalf("not read: %v", r)
		}
		evs = append(evs, e)
	}
	f := Build(evs)
	if got := f.Text(0); got != "init.exe (1) [inferred]\n  parent.exe (10)\n    child.exe (20)\n" {
		t.Errorf("tree:\n%s", got)
	}
	if len(f.Nodes) != 3 || f.Edges() != 2 {
		t.Errorf("%d nodes, %d edges", len(f.Nodes), f.Edges())
	}
}

func FuzzFromRecord(f *testing.F) {
	f.Add("1", "{A}", "{B}", "12", "0x10")
	f.Add("4688", "", "", "0x1a2c", "0x4")
	f.Add("4688", "", "", "zz", "-1")
	f.Fuzz(func(t *testing.T, id, guid, pguid, pid, ppid string) {
		r := rec("EventID", id, "ProcessGuid", guid, "ParentProcessGuid", pguid, "ProcessId", pid, "NewProcessId", pid, "ParentProcessId", ppid)
		if e, ok := FromRecord(r); ok {
			Build([]Event{e, e}).Text(10)
		}
	})
}

func BenchmarkBuild(b *testing.B) {
	const n = 1_000_000
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Host: "WS" + string(rune('A'+i%8)), PID: int64(1000 + i%50000), PPID: int64(1000 + (i/3)%50000), Image: `C:\x\p.exe`, Time: t0.Add(time.Duration(i) * time.Millisecond), Kind: "4688"}
	}
	b.ResetTimer()
	for range b.N {
		Build(evs)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}
