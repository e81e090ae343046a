// Package proctree builds process trees from process-creation events: Sysmon event 1 (linked
// by ProcessGuid and ParentProcessGuid), Security event 4688 and auditd EXECVE events (linked
// by host and process id in time order, so a reused pid starts a new process). A parent never
// seen becomes an inferred node, so every process has its place in a tree; the trees' roots
// are the processes (or inferred parents) with no parent. Trees render as indented text.
package proctree

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hunchsec/hunch/record"
)

// Event is one process creation.
type Event struct {
	Host        string
	GUID        string // Sysmon ProcessGuid; empty for 4688 and auditd
	ParentGUID  string
	PID, PPID   int64
	Image       string
	ParentImage string
	CommandLine string
	User        string
	Time        time.Time
	Kind        string // sysmon1, 4688 or execve
}

// FromRecord reads a process-creation event from a record as package evtx, the JSON logs of
// Windows event forwarders, or package siem/files (auditd) name their fields. ok is false
// for any other record.
func FromRecord(r record.Record) (Event, bool) {
	get := r.FirstText
	id := get("EventID")
	ev := Event{Host: get("Computer", "Hostname", "host", "node")}
	ev.Time, _ = recordTime(r)
	switch {
	case id == "1" && get("ProcessGuid") != "":
		ev.Kind = "sysmon1"
		ev.GUID, ev.ParentGUID = normGUID(get("ProcessGuid")), normGUID(get("ParentProcessGuid"))
		ev.PID, _ = parseID(get("ProcessId"))
		ev.PPID, _ = parseID(get("ParentProcessId"))
		ev.Image, ev.ParentImage = get("Image"), get("ParentImage")
		ev.CommandLine, ev.User = get("CommandLine"), get("User")
		return ev, true
	case id == "4688":
		var err1, err2 error
		ev.Kind = "4688"
		ev.PID, err1 = parseID(get("NewProcessId"))
		ev.PPID, err2 = parseID(get("ProcessId"))
		if err1 != nil || err2 != nil {
			return Event{}, false
		}
		ev.Image, ev.ParentImage = get("NewProcessName"), get("ParentProcessName")
		ev.CommandLine = get("CommandLine")
		ev.User = get("SubjectUserName")
		if d := get("SubjectDomainName"); d != "" && ev.User != "" {
			ev.User = d + `\` + ev.User
		}
		return ev, true
	case strings.Contains(get("type", "record_type"), "EXECVE") || get("cmdline") != "" && get("pid") != "" && get("ppid") != "":
		var err1, err2 error
		ev.Kind = "execve"
		ev.PID, err1 = parseID(get("pid"))
		ev.PPID, err2 = parseID(get("ppid"))
		if err1 != nil || err2 != nil {
			return Event{}, false
		}
		ev.Image, ev.CommandLine, ev.User = get("exe"), get("cmdline"), get("auid", "uid")
		return ev, true
	}
	return Event{}, false
}

// parseID reads a process id written in decimal or as 0x hex.
func parseID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		return strconv.ParseInt(h, 16, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

func normGUID(s string) string { return strings.ToUpper(strings.Trim(s, "{}")) }

func recordTime(r record.Record) (time.Time, bool) {
	for _, n := range []string{"TimeCreated", "UtcTime", "@timestamp", "_time", "time", "timestamp"} {
		v, ok := r.Get(n)
		if !ok {
			continue
		}
		if t, ok := v.Time(); ok {
			return t, true
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, v.Text()); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// Node is one process in a tree.
type Node struct {
	Event
	ID       string // host|guid, or host|pid|n for pid-linked processes
	Inferred bool   // a parent known only from its children's events
	Parent   *Node
	Children []*Node
}

// Forest is every tree built from a set of events.
type Forest struct {
	Roots []*Node
	Nodes []*Node // in creation order, inferred parents where first needed
}

// Edges is the number of parent → child links.
func (f *Forest) Edges() int {
	n := 0
	for _, nd := range f.Nodes {
		n += len(nd.Children)
	}
	return n
}

// Build links the events into trees. Events are taken in time order (stable for equal times).
func Build(events []Event) *Forest {
	evs := append([]Event(nil), events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time.Before(evs[j].Time) })
	f := &Forest{}
	byGUID := map[string]*Node{}  // host|guid → node
	byPID := map[string]*Node{}   // host|pid → the latest process with that pid
	instances := map[string]int{} // host|pid → processes seen with it, for unique ids
	newNode := func(e Event, id string, inferred bool) *Node {
		n := &Node{Event: e, ID: id, Inferred: inferred}
		f.Nodes = append(f.Nodes, n)
		return n
	}
	pidID := func(host string, pid int64) string {
		k := host + "|" + strconv.FormatInt(pid, 10)
		instances[k]++
		return fmt.Sprintf("%s|%d", k, instances[k])
	}
	for _, e := range evs {
		var n, parent *Node
		if e.GUID != "" {
			key := e.Host + "|" + e.GUID
			if existing, ok := byGUID[key]; ok && existing.Inferred {
				// The process was known as a parent first: it now has its own event.
				existing.Event, existing.Inferred = e, false
				n = existing
			} else {
				n = newNode(e, key, false)
				byGUID[key] = n
			}
			if e.ParentGUID != "" {
				pkey := e.Host + "|" + e.ParentGUID
				parent = byGUID[pkey]
				if parent == nil {
					parent = newNode(Event{Host: e.Host, GUID: e.ParentGUID, PID: e.PPID, Image: e.ParentImage, Time: e.Time, Kind: e.Kind}, pkey, true)
					byGUID[pkey] = parent
				}
			}
		} else {
			pkey := e.Host + "|" + strconv.FormatInt(e.PPID, 10)
			parent = byPID[pkey]
			if parent == nil {
				parent = newNode(Event{Host: e.Host, PID: e.PPID, Image: e.ParentImage, Time: e.Time, Kind: e.Kind}, pidID(e.Host, e.PPID), true)
				byPID[pkey] = parent
			}
			n = newNode(e, pidID(e.Host, e.PID), false)
			byPID[e.Host+"|"+strconv.FormatInt(e.PID, 10)] = n // a reused pid now names this process
		}
		if parent != nil && parent != n && n.Parent == nil {
			n.Parent = parent
			parent.Children = append(parent.Children, n)
		}
	}
	for _, n := range f.Nodes {
		if n.Parent == nil {
			f.Roots = append(f.Roots, n)
		}
	}
	return f
}

// Lineage returns n's ancestors, root first, then n.
func Lineage(n *Node) []*Node {
	var out []*Node
	for p := n; p != nil; p = p.Parent {
		out = append(out, p)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Text renders the trees as indented lines: image base name, pid, and the command line cut to
// width bytes (0: whole); inferred parents are marked.
func (f *Forest) Text(width int) string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		name := n.Image
		if i := strings.LastIndexAny(name, `\/`); i >= 0 {
			name = name[i+1:]
		}
		if name == "" {
			name = "?"
		}
		fmt.Fprintf(&b, "%s (%d)", name, n.PID)
		if n.Inferred {
			b.WriteString(" [inferred]")
		}
		if cl := n.CommandLine; cl != "" {
			if width > 0 && len(cl) > width {
				cl = cl[:width] + "…"
			}
			b.WriteString("  " + cl)
		}
		b.WriteByte('\n')
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	for _, r := range f.Roots {
		walk(r, 0)
	}
	return b.String()
}

// Depth is the number of ancestors of n.
func (n *Node) Depth() int {
	d := 0
	for p := n.Parent; p != nil; p = p.Parent {
		d++
	}
	return d
}

// Record is n as a record: id, parent_id, depth, inferred, kind, host, pid, ppid, image,
// command_line, user, time.
func (n *Node) Record() record.Record {
	parent := ""
	if n.Parent != nil {
		parent = n.Parent.ID
	}
	r := record.New(
		record.Field{Name: "id", Value: record.String(n.ID)},
		record.Field{Name: "parent_id", Value: record.String(parent)},
		record.Field{Name: "depth", Value: record.Int(int64(n.Depth()))},
		record.Field{Name: "inferred", Value: record.Bool(n.Inferred)},
		record.Field{Name: "kind", Value: record.String(n.Kind)},
		record.Field{Name: "host", Value: record.String(n.Host)},
		record.Field{Name: "pid", Value: record.Int(n.PID)},
		record.Field{Name: "ppid", Value: record.Int(n.PPID)},
		record.Field{Name: "image", Value: record.String(n.Image)},
		record.Field{Name: "command_line", Value: record.String(n.CommandLine)},
		record.Field{Name: "user", Value: record.String(n.User)},
	)
	if !n.Time.IsZero() {
		r.Append("time", record.Time(n.Time))
	}
	return r
}

// Walk visits every node of the forest depth first, parents before children, roots in order.
func (f *Forest) Walk(fn func(*Node) bool) {
	var walk func(n *Node) bool
	walk = func(n *Node) bool {
		if !fn(n) {
			return false
		}
		for _, c := range n.Children {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	for _, r := range f.Roots {
		if !walk(r) {
			return
		}
	}
}
