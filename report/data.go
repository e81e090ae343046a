// Package report turns a stream of records into one self-contained HTML report — an event timeline, process
// trees, a time series with its decomposition and anomalies, a map of IP addresses, an entity graph, a two-field
// heatmap and a sortable, filterable table — that opens offline in any browser: every script, style and the world
// outline are embedded in the file, and the data travels as escaped JSON. Build collects the views' data in one
// pass over the records; Render writes the file; Fragment and Assets give the same views to the web UI.
package report

import (
	"time"
)

// Defaults of the limits in Options.
const (
	// DefaultMaxRecords is how many records Build reads at most; the rest are counted as skipped.
	DefaultMaxRecords = 50000
	// DefaultMaxRows is how many records the table holds at most.
	DefaultMaxRows = 2000
	// DefaultMaxNodes is how many entities the graph shows at most (the most frequent).
	DefaultMaxNodes = 120
	// DefaultMaxTreeEvents is how many process creations the process-tree view takes at most.
	DefaultMaxTreeEvents = 5000
	// DefaultMaxPoints is how many distinct map points are kept at most.
	DefaultMaxPoints = 5000
	// DefaultMaxHeatKeys is how many distinct values each heatmap axis shows; the rarer ones are merged.
	DefaultMaxHeatKeys = 40
	// DefaultMaxCell bounds the bytes of one table cell or label.
	DefaultMaxCell = 400
	// DefaultMaxColumns is how many columns the table shows when Options.Columns is empty.
	DefaultMaxColumns = 10
	// DefaultMaxBuckets is the most buckets an automatic series interval gives.
	DefaultMaxBuckets = 500
	// DefaultAnomalyZ is the robust z-score of a residual that marks an anomaly.
	DefaultAnomalyZ = 3.5
)

// Data is everything the views show; Build fills it from records.
type Data struct {
	// Title heads the report.
	Title string `json:"title"`
	// Generated is when the data was collected.
	Generated time.Time `json:"generated"`
	// Records is how many records were read; Skipped how many more were left out by MaxRecords.
	Records int `json:"records"`
	Skipped int `json:"skipped"`
	// GroupBy names the timeline's lanes: "host" or "type".
	GroupBy string `json:"group_by"`
	// Events are the timeline's marks, in input order.
	Events []Event `json:"events"`
	// Tree is the process forest, parents before children.
	Tree []TreeNode `json:"tree"`
	// TreeTruncated reports that process creations were left out by MaxTreeEvents.
	TreeTruncated bool `json:"tree_truncated"`
	// Series are the time series (event counts per interval).
	Series []Series `json:"series"`
	// SeriesNote says what the series view could not show, e.g. that no decomposition was made.
	SeriesNote string `json:"series_note"`
	// Points are the located IP addresses.
	Points []Point `json:"points"`
	// PointsTruncated reports that points were left out by MaxPoints.
	PointsTruncated bool `json:"points_truncated"`
	// Graph is the entity graph.
	Graph Graph `json:"graph"`
	// Heatmap counts records by two fields.
	Heatmap Heatmap `json:"heatmap"`
	// Table holds the records' rows.
	Table Table `json:"table"`
}

// Event is one mark on the timeline.
type Event struct {
	// Time is in Unix milliseconds.
	Time int64 `json:"t"`
	// Host and Type are the record's host and event type ("" when unknown).
	Host string `json:"host"`
	Type string `json:"type"`
	// Label says in a few words what happened (the process, query or address).
	Label string `json:"label"`
}

// TreeNode is one process of the process-tree view.
type TreeNode struct {
	ID          string `json:"id"`
	Parent      string `json:"parent"` // "" for a root
	Host        string `json:"host"`
	PID         int64  `json:"pid"`
	Image       string `json:"image"`
	CommandLine string `json:"cmdline"`
	User        string `json:"user"`
	// Time is in Unix milliseconds (0 for an inferred parent).
	Time     int64 `json:"t"`
	Inferred bool  `json:"inferred"`
	// Score is the record's cmdline_score (0–100) when it had one.
	Score *float64 `json:"score,omitempty"`
}

// Anomaly marks one point of a series.
type Anomaly struct {
	Index int     `json:"index"`
	Score float64 `json:"score"`
	// Direction is "high" or "low".
	Direction string `json:"direction"`
}

// Series is a regular time series with its decomposition (Trend, Seasonal, Resid: nil when not decomposed).
type Series struct {
	Name      string        `json:"name"`
	Start     time.Time     `json:"start"`
	Step      time.Duration `json:"step"`
	Values    []float64     `json:"values"`
	Trend     []float64     `json:"trend,omitempty"`
	Seasonal  []float64     `json:"seasonal,omitempty"`
	Resid     []float64     `json:"resid,omitempty"`
	Anomalies []Anomaly     `json:"anomalies"`
}

// Point is one located IP address on the map.
type Point struct {
	IP      string  `json:"ip"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	Country string  `json:"country,omitempty"`
	City    string  `json:"city,omitempty"`
	ASN     int64   `json:"asn,omitempty"`
	ASOrg   string  `json:"as_org,omitempty"`
	// Count is how many records mention it.
	Count int `json:"count"`
}

// Graph is the entity graph: entities seen in the records, linked when they occur in the same record.
type Graph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
	// Total is how many distinct entities there were before MaxNodes.
	Total int `json:"total"`
}

// GraphNode is one entity.
type GraphNode struct {
	// Kind is host, account, process, ip or domain.
	Kind  string `json:"kind"`
	Value string `json:"value"`
	Count int    `json:"count"`
}

// GraphEdge links two nodes (indexes into Nodes) seen together Weight times.
type GraphEdge struct {
	Source int `json:"source"`
	Target int `json:"target"`
	Weight int `json:"weight"`
}

// Heatmap counts records by the values of two fields: Cells[y][x].
type Heatmap struct {
	X     string   `json:"x"`
	Y     string   `json:"y"`
	XKeys []string `json:"xkeys"`
	YKeys []string `json:"ykeys"`
	Cells [][]int  `json:"cells"`
}

// Table is the records as rows of text.
type Table struct {
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// Total is how many records there were; Rows holds at most MaxRows of them.
	Total int `json:"total"`
}
