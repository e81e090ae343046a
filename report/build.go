package report

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hunchsec/hunch/analysis/proctree"
	"github.com/hunchsec/hunch/analysis/timeseries"
	"github.com/hunchsec/hunch/enrich/geoip"
	"github.com/hunchsec/hunch/record"
)

// Entity kinds of the graph, the keys of Options.Entities.
const (
	KindHost    = "host"
	KindAccount = "account"
	KindProcess = "process"
	KindIP      = "ip"
	KindDomain  = "domain"
)

// DefaultEntities are the fields each entity kind is read from: Sysmon, Security 4688, ECS (dotted paths into
// nested objects work) and Zeek names.
func DefaultEntities() map[string][]string {
	return map[string][]string{
		KindHost:    {"Computer", "host.name", "hostname", "Hostname", "ComputerName", "host"},
		KindAccount: {"User", "SubjectUserName", "TargetUserName", "user.name", "user", "username", "AccountName"},
		KindProcess: {"Image", "NewProcessName", "ParentImage", "ParentProcessName", "process.executable", "process.parent.executable", "exe"},
		KindIP:      {"SourceIp", "DestinationIp", "IpAddress", "source.ip", "destination.ip", "id.orig_h", "id.resp_h", "src_ip", "dst_ip", "client_ip", "ip"},
		KindDomain:  {"QueryName", "DestinationHostname", "dns.question.name", "url.domain", "query", "domain"},
	}
}

// Fields the timeline reads time, host and event type from, in order of preference.
var (
	timeFields = []string{"@timestamp", "UtcTime", "TimeCreated", "timestamp", "EventTime", "ts", "_time", "time", "date"}
	typeFields = []string{"EventID", "event.code", "event.action", "event_type", "_path", "type"}
)

// Options tune Build and Render; the zero value works.
type Options struct {
	// Title heads the report; "" means "hunch report".
	Title string
	// GroupBy chooses the timeline's lanes: "host" (default) or "type".
	GroupBy string
	// HeatmapX and HeatmapY are the heatmap's fields: a record field, or host, type (the record's host and event
	// type as the timeline reads them), hour, weekday or date (of its time). Empty means hour (columns) × host
	// (rows).
	HeatmapX, HeatmapY string
	// Columns are the table's columns; empty means the first DefaultMaxColumns field names seen.
	Columns []string
	// Entities overrides the fields an entity kind is read from (keys: host, account, process, ip, domain).
	Entities map[string][]string
	// GeoIP, when set, locates the IP addresses of the records that carry no coordinates.
	GeoIP *geoip.DB
	// Interval is the series' bucket width; 0 picks one giving at most DefaultMaxBuckets buckets.
	Interval time.Duration
	// Decompose splits the counts (one per step) into trend, seasonal and residual parts (e.g. STL); nil shows
	// the counts alone.
	Decompose func(values []float64, step time.Duration) (trend, seasonal, resid []float64, err error)
	// AnomalyZ is the robust z-score of a residual marking an anomaly; 0 means DefaultAnomalyZ.
	AnomalyZ float64
	// Limits; zero means the default of the same name.
	MaxRecords, MaxRows, MaxNodes, MaxTreeEvents, MaxPoints, MaxHeatKeys int
	// Now stamps Data.Generated; nil means time.Now.
	Now func() time.Time
}

func orInt(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// lookup finds a field by name, then, for a dotted name, by walking nested objects.
func lookup(r record.Record, name string) (record.Value, bool) {
	if v, ok := r.Get(name); ok && !v.IsNull() {
		return v, true
	}
	head, rest, dotted := strings.Cut(name, ".")
	if !dotted {
		return record.Value{}, false
	}
	for {
		if v, ok := r.Get(head); ok {
			if o, ok := v.Object(); ok {
				if v, ok := lookup(o, rest); ok {
					return v, true
				}
			}
		}
		h, rr, more := strings.Cut(rest, ".")
		if !more {
			return record.Value{}, false
		}
		head, rest = head+"."+h, rr
	}
}

// text is the first non-empty text of the fields.
func text(r record.Record, names ...string) string {
	for _, n := range names {
		if v, ok := lookup(r, n); ok {
			if s := v.Text(); s != "" {
				return s
			}
		}
	}
	return ""
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999", "2006-01-02"}

// recordTime reads the record's time from the first time field that parses.
func recordTime(r record.Record) (time.Time, bool) {
	for _, n := range timeFields {
		v, ok := lookup(r, n)
		if !ok {
			continue
		}
		if t, ok := v.Time(); ok {
			return t, true
		}
		if f, ok := v.Float(); ok && f > 0 {
			if f > 1e11 { // milliseconds
				return time.UnixMilli(int64(f)).UTC(), true
			}
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
		}
		s, ok := v.Str()
		if !ok {
			continue
		}
		s = strings.TrimSpace(s)
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC(), true
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
		}
	}
	return time.Time{}, false
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// baseName is the last element of a Windows or Unix path.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 && i < len(p)-1 {
		return p[i+1:]
	}
	return p
}

// builder holds Build's state.
type builder struct {
	opts     Options
	entities map[string][]string
	kinds    []string
	data     Data
	times    []time.Time
	heat     map[[2]string]int
	heatX    map[string]int
	heatY    map[string]int
	procs    []proctree.Event
	scores   map[string]float64
	points   map[string]*Point
	geoCache map[string]*Point
	nodes    map[[2]string]int // kind, value → index into nodeList
	nodeList []GraphNode
	edges    map[[2]int]int
	autoCols bool
	colSeen  map[string]bool
}

// Build reads the records of stream, at most opts.MaxRecords of them, into the views' data in one pass.
// A malformed record (record.IsParseError) is skipped; any other stream error ends Build with it.
func Build(stream record.Stream, opts Options) (Data, error) {
	b := &builder{opts: opts, heat: map[[2]string]int{}, heatX: map[string]int{}, heatY: map[string]int{},
		scores: map[string]float64{}, points: map[string]*Point{}, geoCache: map[string]*Point{},
		nodes: map[[2]string]int{}, edges: map[[2]int]int{}, colSeen: map[string]bool{}}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	b.data.Title = opts.Title
	if b.data.Title == "" {
		b.data.Title = "hunch report"
	}
	b.data.Generated = now().UTC()
	switch opts.GroupBy {
	case "", "host":
		b.data.GroupBy = "host"
	case "type":
		b.data.GroupBy = "type"
	default:
		return Data{}, fmt.Errorf("group-by %q: want host or type", opts.GroupBy)
	}
	b.entities = DefaultEntities()
	for k, v := range opts.Entities {
		if _, ok := b.entities[k]; !ok {
			return Data{}, fmt.Errorf("entity kind %q: want host, account, process, ip or domain", k)
		}
		b.entities[k] = v
	}
	b.kinds = []string{KindHost, KindAccount, KindProcess, KindIP, KindDomain}
	if b.opts.HeatmapX == "" {
		b.opts.HeatmapX = "hour"
	}
	if b.opts.HeatmapY == "" {
		b.opts.HeatmapY = "host"
	}
	b.data.Table.Columns = slices.Clone(opts.Columns)
	b.autoCols = len(opts.Columns) == 0
	maxRecords := orInt(opts.MaxRecords, DefaultMaxRecords)
	for r, err := range stream {
		if err != nil {
			if record.IsParseError(err) {
				continue
			}
			return Data{}, err
		}
		if b.data.Records >= maxRecords {
			b.data.Skipped++
			continue
		}
		b.data.Records++
		if err := b.add(r); err != nil {
			return Data{}, err
		}
	}
	if err := b.finish(); err != nil {
		return Data{}, err
	}
	return b.data, nil
}

func (b *builder) add(r record.Record) error {
	t, hasTime := recordTime(r)
	host := text(r, b.entities[KindHost]...)
	typ := text(r, typeFields...)
	if hasTime {
		b.times = append(b.times, t)
		label := text(r, "Image", "NewProcessName", "process.executable", "QueryName", "query", "DestinationIp", "id.resp_h", "message", "msg")
		if strings.ContainsAny(label, `\/`) {
			label = baseName(label)
		}
		b.data.Events = append(b.data.Events, Event{Time: t.UnixMilli(), Host: clip(host, DefaultMaxCell), Type: clip(typ, 100), Label: clip(label, 200)})
	}
	// Heatmap.
	x, okx := b.heatKey(r, b.opts.HeatmapX, t, hasTime, host, typ)
	y, oky := b.heatKey(r, b.opts.HeatmapY, t, hasTime, host, typ)
	if okx && oky {
		b.heat[[2]string{x, y}]++
		b.heatX[x]++
		b.heatY[y]++
	}
	// Process tree.
	if ev, ok := proctree.FromRecord(r); ok {
		if len(b.procs) < orInt(b.opts.MaxTreeEvents, DefaultMaxTreeEvents) {
			b.procs = append(b.procs, ev)
			if v, ok := r.Get("cmdline_score"); ok {
				if f, ok := v.Float(); ok {
					b.scores[procKey(ev)] = f
				}
			}
		} else {
			b.data.TreeTruncated = true
		}
	}
	// Entities and their co-occurrence.
	var seen []int
	for _, kind := range b.kinds {
		for _, f := range b.entities[kind] {
			v, ok := lookup(r, f)
			if !ok {
				continue
			}
			for _, s := range v.Texts() {
				s = strings.TrimSpace(s)
				if s == "" || s == "-" {
					continue
				}
				if kind == KindIP {
					if _, err := netip.ParseAddr(s); err != nil {
						continue
					}
				}
				if kind == KindProcess {
					s = strings.ToLower(baseName(s))
				}
				key := [2]string{kind, clip(s, DefaultMaxCell)}
				i, ok := b.nodes[key]
				if !ok {
					i = len(b.nodeList)
					b.nodes[key] = i
					b.nodeList = append(b.nodeList, GraphNode{Kind: kind, Value: key[1]})
				}
				if !slices.Contains(seen, i) {
					seen = append(seen, i)
					b.nodeList[i].Count++
				}
			}
		}
	}
	for i := range seen {
		for j := i + 1; j < len(seen); j++ {
			a, c := seen[i], seen[j]
			if a > c {
				a, c = c, a
			}
			b.edges[[2]int{a, c}]++
		}
	}
	if err := b.locate(r); err != nil {
		return err
	}
	// Table.
	if b.autoCols {
		for _, n := range r.Names() {
			if len(b.data.Table.Columns) >= DefaultMaxColumns {
				break
			}
			if !b.colSeen[n] {
				b.colSeen[n] = true
				b.data.Table.Columns = append(b.data.Table.Columns, n)
			}
		}
	}
	b.data.Table.Total++
	if len(b.data.Table.Rows) < orInt(b.opts.MaxRows, DefaultMaxRows) {
		b.data.Table.Rows = append(b.data.Table.Rows, b.row(r))
	}
	return nil
}

// row renders the record's cells. With automatic columns the row has room for every column there may come to be
// (a column first seen later is one this record lacks); finish cuts the rows to the final columns.
func (b *builder) row(r record.Record) []string {
	n := len(b.data.Table.Columns)
	if b.autoCols {
		n = DefaultMaxColumns
	}
	row := make([]string, n)
	for i, c := range b.data.Table.Columns {
		if v, ok := lookup(r, c); ok {
			row[i] = clip(v.Text(), DefaultMaxCell)
		}
	}
	return row
}

func procKey(ev proctree.Event) string {
	return ev.Host + "|" + ev.GUID + "|" + strconv.FormatInt(ev.PID, 10) + "|" + strconv.FormatInt(ev.Time.UnixNano(), 10) + "|" + ev.CommandLine
}

var weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// heatKey is the value of a heatmap axis for the record.
func (b *builder) heatKey(r record.Record, field string, t time.Time, hasTime bool, host, typ string) (string, bool) {
	if v, ok := lookup(r, field); ok {
		s := v.Text()
		return clip(s, 100), s != ""
	}
	switch field {
	case "host":
		return clip(host, 100), host != ""
	case "type":
		return clip(typ, 100), typ != ""
	case "hour":
		return fmt.Sprintf("%02d", t.Hour()), hasTime
	case "weekday":
		return fmt.Sprintf("%d %s", t.Weekday(), weekdays[t.Weekday()]), hasTime
	case "date":
		return t.Format(time.DateOnly), hasTime
	}
	return "", false
}

// locate adds the record's coordinates to the map: lat/lon fields (plain, or prefixed as src_ip_lat with the
// address in src_ip), else the GeoIP database's answer for its IP fields.
func (b *builder) locate(r record.Record) error {
	located := map[string]bool{}
	maxPoints := orInt(b.opts.MaxPoints, DefaultMaxPoints)
	add := func(p Point) {
		key := p.IP + "|" + strconv.FormatFloat(p.Lat, 'f', 3, 64) + "|" + strconv.FormatFloat(p.Lon, 'f', 3, 64)
		if q, ok := b.points[key]; ok {
			q.Count++
			return
		}
		if len(b.points) >= maxPoints {
			b.data.PointsTruncated = true
			return
		}
		p.Count = 1
		b.points[key] = &p
	}
	for _, n := range r.Names() {
		var prefix string
		switch {
		case n == "lat" || n == "latitude":
		case strings.HasSuffix(n, "_lat"):
			prefix = strings.TrimSuffix(n, "_lat")
		case strings.HasSuffix(n, "_latitude"):
			prefix = strings.TrimSuffix(n, "_latitude")
		default:
			continue
		}
		lonName := strings.TrimSuffix(strings.TrimSuffix(n, "lat"), "latitude")
		lat, ok1 := num(r, n)
		lon, ok2 := num(r, lonName+"lon")
		if !ok2 {
			lon, ok2 = num(r, lonName+"longitude")
		}
		if !ok1 || !ok2 || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			continue
		}
		pre := ""
		ipField := "ip"
		if prefix != "" {
			pre, ipField = prefix+"_", prefix
		}
		ip := text(r, ipField)
		asn, _ := num(r, pre+"asn")
		add(Point{IP: clip(ip, 100), Lat: lat, Lon: lon, Country: clip(text(r, pre+"country"), 100), City: clip(text(r, pre+"city"), 100),
			ASN: int64(asn), ASOrg: clip(text(r, pre+"as_org"), 200)})
		located[ip] = true
	}
	if b.opts.GeoIP == nil {
		return nil
	}
	for _, f := range b.entities[KindIP] {
		v, ok := lookup(r, f)
		if !ok {
			continue
		}
		for _, s := range v.Texts() {
			s = strings.TrimSpace(s)
			if located[s] {
				continue
			}
			located[s] = true
			p, ok := b.geoCache[s]
			if !ok {
				loc, err := b.opts.GeoIP.LookupString(s)
				if err != nil && !errors.Is(err, geoip.ErrNotIP) {
					return fmt.Errorf("geoip lookup of %s: %w", s, err)
				}
				if err == nil && loc.Found && loc.HasCoordinates {
					p = &Point{IP: s, Lat: loc.Latitude, Lon: loc.Longitude, Country: loc.Country, City: loc.City, ASN: int64(loc.ASN), ASOrg: loc.ASOrg}
				}
				if len(b.geoCache) < 100000 {
					b.geoCache[s] = p
				}
			}
			if p != nil {
				add(*p)
			}
		}
	}
	return nil
}

func num(r record.Record, name string) (float64, bool) {
	v, ok := lookup(r, name)
	if !ok {
		return 0, false
	}
	if f, ok := v.Float(); ok {
		return f, true
	}
	if s, ok := v.Str(); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return f, err == nil
	}
	return 0, false
}

func (b *builder) finish() error {
	d := &b.data
	if b.autoCols {
		for i := range d.Table.Rows {
			d.Table.Rows[i] = d.Table.Rows[i][:len(d.Table.Columns)]
		}
	}
	// Process forest.
	f := proctree.Build(b.procs)
	f.Walk(func(n *proctree.Node) bool {
		tn := TreeNode{ID: n.ID, Host: n.Host, PID: n.PID, Image: n.Image, CommandLine: clip(n.CommandLine, 2000),
			User: n.User, Inferred: n.Inferred}
		if n.Parent != nil {
			tn.Parent = n.Parent.ID
		}
		if !n.Time.IsZero() && !n.Inferred { // an inferred parent's time is only its first child's
			tn.Time = n.Time.UnixMilli()
		}
		if s, ok := b.scores[procKey(n.Event)]; ok && !n.Inferred {
			tn.Score = &s
		}
		d.Tree = append(d.Tree, tn)
		return true
	})
	// Map points, most mentioned first.
	for _, p := range b.points {
		d.Points = append(d.Points, *p)
	}
	sort.Slice(d.Points, func(i, j int) bool {
		if d.Points[i].Count != d.Points[j].Count {
			return d.Points[i].Count > d.Points[j].Count
		}
		return d.Points[i].IP < d.Points[j].IP
	})
	b.graph()
	b.heatmap()
	return b.series()
}

// graph keeps the MaxNodes most frequent entities and the edges between them.
func (b *builder) graph() {
	g := &b.data.Graph
	g.Total = len(b.nodeList)
	order := make([]int, len(b.nodeList))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return b.nodeList[order[i]].Count > b.nodeList[order[j]].Count })
	if max := orInt(b.opts.MaxNodes, DefaultMaxNodes); len(order) > max {
		order = order[:max]
	}
	index := map[int]int{}
	g.Nodes = []GraphNode{}
	for _, o := range order {
		index[o] = len(g.Nodes)
		g.Nodes = append(g.Nodes, b.nodeList[o])
	}
	g.Edges = []GraphEdge{}
	for k, w := range b.edges {
		s, ok1 := index[k[0]]
		t, ok2 := index[k[1]]
		if ok1 && ok2 {
			g.Edges = append(g.Edges, GraphEdge{Source: s, Target: t, Weight: w})
		}
	}
	sort.Slice(g.Edges, func(i, j int) bool {
		if g.Edges[i].Source != g.Edges[j].Source {
			return g.Edges[i].Source < g.Edges[j].Source
		}
		return g.Edges[i].Target < g.Edges[j].Target
	})
}

// heatmap orders each axis (hours and dates in order, other values by frequency) and merges the rare values.
func (b *builder) heatmap() {
	h := &b.data.Heatmap
	h.X, h.Y = b.opts.HeatmapX, b.opts.HeatmapY
	max := orInt(b.opts.MaxHeatKeys, DefaultMaxHeatKeys)
	axis := func(field string, counts map[string]int) ([]string, map[string]int) {
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if counts[keys[i]] != counts[keys[j]] {
				return counts[keys[i]] > counts[keys[j]]
			}
			return keys[i] < keys[j]
		})
		other := false
		if len(keys) > max {
			keys, other = keys[:max-1], true
		}
		switch field {
		case "hour", "weekday", "date":
			sort.Strings(keys)
		}
		if field == "hour" { // every hour of the day, so the axis reads as a clock
			keys = keys[:0]
			for i := range 24 {
				keys = append(keys, fmt.Sprintf("%02d", i))
			}
			other = false
		}
		if other {
			keys = append(keys, "(other)")
		}
		idx := map[string]int{}
		for i, k := range keys {
			idx[k] = i
		}
		return keys, idx
	}
	var xi, yi map[string]int
	h.XKeys, xi = axis(h.X, b.heatX)
	h.YKeys, yi = axis(h.Y, b.heatY)
	h.Cells = make([][]int, len(h.YKeys))
	for i := range h.Cells {
		h.Cells[i] = make([]int, len(h.XKeys))
	}
	if len(b.heat) == 0 {
		h.XKeys, h.YKeys, h.Cells = []string{}, []string{}, [][]int{}
		return
	}
	find := func(idx map[string]int, keys []string, k string) int {
		if i, ok := idx[k]; ok {
			return i
		}
		return len(keys) - 1 // (other)
	}
	for k, n := range b.heat {
		h.Cells[find(yi, h.YKeys, k[1])][find(xi, h.XKeys, k[0])] += n
	}
}

// intervals are the candidate automatic series intervals.
var intervals = []time.Duration{time.Second, 10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute,
	30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// series counts the timed records per interval, and decomposes the counts and marks anomalies when it can.
func (b *builder) series() error {
	d := &b.data
	if len(b.times) == 0 {
		d.SeriesNote = "No record has a time: there is no series to show."
		return nil
	}
	lo, hi := b.times[0], b.times[0]
	for _, t := range b.times {
		if t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	step := b.opts.Interval
	if step <= 0 {
		// The shortest interval giving at most DefaultMaxBuckets buckets that are not mostly empty: at least
		// three records a bucket on average, unless there are few buckets anyway.
		step = intervals[len(intervals)-1]
		for _, c := range intervals {
			buckets := int(hi.Sub(lo)/c) + 1
			if buckets <= DefaultMaxBuckets && (len(b.times) >= 3*buckets || buckets <= 60) {
				step = c
				break
			}
		}
	}
	start := lo.Truncate(step)
	n := int(hi.Sub(start)/step) + 1
	if n > 100000 {
		return fmt.Errorf("series interval %v gives %d buckets, more than 100000: choose a longer one", step, n)
	}
	s := Series{Name: "events per " + durText(step), Start: start, Step: step,
		Values: make([]float64, n), Anomalies: []Anomaly{}}
	for _, t := range b.times {
		s.Values[int(t.Sub(start)/step)]++
	}
	switch {
	case b.opts.Decompose == nil:
		d.SeriesNote = "Counts only: no decomposition was configured, so no trend, seasonal part or anomalies are shown."
	default:
		trend, seasonal, resid, err := b.opts.Decompose(s.Values, step)
		if err != nil {
			d.SeriesNote = "Counts only: the decomposition failed: " + err.Error()
			break
		}
		if len(trend) != n || len(seasonal) != n || len(resid) != n {
			return fmt.Errorf("decompose returned %d/%d/%d values for %d counts", len(trend), len(seasonal), len(resid), n)
		}
		s.Trend, s.Seasonal, s.Resid = trend, seasonal, resid
		z := b.opts.AnomalyZ
		if z <= 0 {
			z = DefaultAnomalyZ
		}
		s.Anomalies = Anomalies(resid, z)
	}
	d.Series = []Series{s}
	return nil
}

// DefaultSeasonal is the seasonal smoother STL uses in reports: 13 cycles rather than statsmodels' 7, so one
// burst cannot become "the season" at its hour once robustness weights drop its neighbours.
const DefaultSeasonal = 13

// STL returns the Decompose hook the CLI and the server use: STL from package analysis/timeseries (robust or
// not) with the period timeseries.PeriodFor gives the step and a seasonal smoother of seasonal cycles
// (0: DefaultSeasonal). Steps with no daily or weekly period are refused, and the view shows the counts alone.
func STL(robust bool, seasonal int) func(values []float64, step time.Duration) (trend, seasonal, resid []float64, err error) {
	if seasonal <= 0 {
		seasonal = DefaultSeasonal
	}
	return func(values []float64, step time.Duration) ([]float64, []float64, []float64, error) {
		period := timeseries.PeriodFor(step)
		if period < 2 {
			return nil, nil, nil, fmt.Errorf("no daily or weekly period for %s buckets (choose an interval that divides a day)", durText(step))
		}
		o := timeseries.DefaultOptions(period, robust)
		o.Seasonal = seasonal
		r, err := timeseries.Decompose(values, o)
		return r.Trend, r.Seasonal, r.Resid, err
	}
}

// Anomalies marks the residuals whose robust z-score is at least z in size, scored as package
// analysis/timeseries scores them ((r−median)/(1.4826·MAD), the mean absolute deviation ×1.2533 standing in
// for a zero MAD); nothing is marked when the residuals do not vary or z is not positive.
func Anomalies(resid []float64, z float64) []Anomaly {
	out := []Anomaly{}
	found, err := timeseries.Score(resid, z)
	if err != nil {
		return out
	}
	for _, a := range found {
		out = append(out, Anomaly{Index: a.Index, Score: a.Score, Direction: string(a.Direction)})
	}
	return out
}

// durText writes d without its zero minutes and seconds: 5m, 1h, 24h, 10s, 1h30m.
func durText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
