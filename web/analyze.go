package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/evtx"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/report"
	"github.com/hunchsec/hunch/store"
)

// analyzeView is the analysis page: the upload form, the events to pick from and, once something was analysed,
// the report's views (the same as `hunch report` writes, with its script and style served from
// /ui/static/report/ so that the page keeps the UI's CSP).
type analyzeView struct {
	Events  []*misp.Event
	Max     string
	GroupBy string
	Heatmap string
	// Source says what the views show; Views is report.Fragment's markup ("" before any analysis).
	Source string
	Views  template.HTML
}

// analyzeOptions reads the view options of the form or query; a wrong value is a message for the user.
func analyzeOptions(r *http.Request, maxRecords int) (report.Options, string) {
	opts := report.Options{MaxRecords: maxRecords, GroupBy: r.FormValue("group_by"), Decompose: report.STL(true, 0), AnomalyZ: 5}
	if opts.GroupBy == "" {
		opts.GroupBy = "host"
	}
	if opts.GroupBy != "host" && opts.GroupBy != "type" {
		return opts, "Timeline lanes are by host or by event type."
	}
	if hm := strings.TrimSpace(r.FormValue("heatmap")); hm != "" {
		x, y, ok := strings.Cut(hm, ",")
		x, y = strings.TrimSpace(x), strings.TrimSpace(y)
		if !ok || x == "" || y == "" || strings.Contains(y, ",") {
			return opts, "The heatmap takes two fields, X,Y (for example hour,host)."
		}
		opts.HeatmapX, opts.HeatmapY = x, y
	}
	return opts, ""
}

// analyzePage shows the form, and the views of an intel event when ?event= names one.
func (h *handler) analyzePage(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	ref := r.URL.Query().Get("event")
	if ref == "" {
		h.showAnalyze(w, r, rc, http.StatusOK, analyzeView{})
		return
	}
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil && !misp.ValidUUID(ref) {
		rc.err = "Pick an event from the list."
		h.showAnalyze(w, r, rc, http.StatusBadRequest, analyzeView{})
		return
	}
	opts, msg := analyzeOptions(r, h.d.AnalyzeMaxRecords)
	if msg != "" {
		rc.err = msg
		h.showAnalyze(w, r, rc, http.StatusBadRequest, analyzeView{})
		return
	}
	e, err := h.svc.ViewEvent(r.Context(), rc.acl, ref, intel.EventViewOptions{})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	opts.Title = "Event " + strconv.FormatInt(int64(e.ID), 10) + ": " + e.Info
	opts.Entities = eventEntities()
	h.analyze(w, r, rc, eventRecords(e), opts, fmt.Sprintf("The attributes of event %d, %s.", e.ID, e.Info))
}

// eventEntities reads an event's attribute records: the event as the host, values by their kind.
func eventEntities() map[string][]string {
	return map[string][]string{"host": {"event"}, "account": {"account"}, "process": {"filename"}, "ip": {"ip"}, "domain": {"domain"}}
}

// eventRecords makes one record of each attribute of e, objects' attributes included: time, type, category,
// value, to_ids, the object it belongs to, and the value again under ip, domain, account or filename by type.
func eventRecords(e *misp.Event) record.Stream {
	return func(yield func(record.Record, error) bool) {
		one := func(a misp.Attribute, object string) bool {
			r := record.New(
				record.Field{Name: "timestamp", Value: record.Time(a.Timestamp.Time())},
				record.Field{Name: "event", Value: record.String(e.Info)},
				record.Field{Name: "type", Value: record.String(a.Type)},
				record.Field{Name: "category", Value: record.String(a.Category)},
				record.Field{Name: "value", Value: record.String(a.Value)},
				record.Field{Name: "to_ids", Value: record.Bool(a.ToIDS.Bool())},
				record.Field{Name: "object", Value: record.String(object)},
				record.Field{Name: "comment", Value: record.String(a.Comment)},
			)
			base, _, _ := strings.Cut(a.Type, "|")
			first, _, _ := strings.Cut(a.Value, "|")
			switch base {
			case "ip-src", "ip-dst":
				r.Append("ip", record.String(first))
			case "domain", "hostname":
				r.Append("domain", record.String(first))
			case "email-src", "email-dst", "target-user", "github-username", "twitter-id":
				r.Append("account", record.String(first))
			case "filename":
				r.Append("filename", record.String(first))
			}
			return yield(r, nil)
		}
		for _, a := range e.Attribute {
			if !one(a, "") {
				return
			}
		}
		for _, o := range e.Object {
			for _, a := range o.Attribute {
				if !one(a, o.Name) {
					return
				}
			}
		}
	}
}

// analyzeUpload reads an uploaded records file — NDJSON, CSV, JSON, text or EVTX, as the CLI reads them — and
// shows its views.
func (h *handler) analyzeUpload(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	opts, msg := analyzeOptions(r, h.d.AnalyzeMaxRecords)
	if msg != "" {
		rc.err = msg
		h.showAnalyze(w, r, rc, http.StatusBadRequest, analyzeView{})
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		rc.err = "Choose a records file to analyse."
		h.showAnalyze(w, r, rc, http.StatusBadRequest, analyzeView{})
		return
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, h.d.MaxUploadBytes+1))
	if err != nil {
		h.fail(w, r, rc, fmt.Errorf("read upload: %w", err))
		return
	}
	if int64(len(body)) > h.d.MaxUploadBytes {
		rc.err = "The file is larger than " + byteCount(h.d.MaxUploadBytes) + "."
		h.showAnalyze(w, r, rc, http.StatusRequestEntityTooLarge, analyzeView{})
		return
	}
	name := filepath.Base(hdr.Filename)
	opts.Title = name
	h.analyze(w, r, rc, uploadRecords(r, name, body), opts, "The records of "+name+".")
}

// uploadRecords streams the records of an uploaded file: EVTX by its name or signature, else record.Read's
// formats, detected from the name and the first bytes.
func uploadRecords(r *http.Request, name string, body []byte) record.Stream {
	if strings.EqualFold(filepath.Ext(name), ".evtx") || bytes.HasPrefix(body, []byte(evtx.Signature)) {
		return evtx.Read(r.Context(), bytes.NewReader(body), int64(len(body)), name, evtx.Options{})
	}
	return record.Read(r.Context(), bytes.NewReader(body), name, record.ReadOptions{})
}

// analyze builds the views of in and shows them; malformed records are skipped and counted.
func (h *handler) analyze(w http.ResponseWriter, r *http.Request, rc *reqCtx, in record.Stream, opts report.Options, source string) {
	malformed := 0
	counted := func(yield func(record.Record, error) bool) {
		for rec, err := range in {
			if err != nil && record.IsParseError(err) {
				malformed++
				continue
			}
			if !yield(rec, err) {
				return
			}
		}
	}
	v := analyzeView{GroupBy: opts.GroupBy}
	if opts.HeatmapX != "" {
		v.Heatmap = opts.HeatmapX + "," + opts.HeatmapY
	}
	data, err := report.Build(counted, opts)
	if err != nil {
		rc.err = "The records could not be read: " + err.Error()
		h.showAnalyze(w, r, rc, http.StatusBadRequest, v)
		return
	}
	if data.Records == 0 {
		rc.err = "The file holds no records."
		h.showAnalyze(w, r, rc, http.StatusBadRequest, v)
		return
	}
	views, err := report.Fragment(data)
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	var notes []string
	if malformed > 0 {
		notes = append(notes, fmt.Sprintf("%d malformed record(s) skipped", malformed))
	}
	if data.Skipped > 0 {
		notes = append(notes, fmt.Sprintf("only the first %d records are shown, %d more were left out", data.Records, data.Skipped))
	}
	if len(notes) > 0 {
		rc.notice = strings.Join(notes, "; ") + "."
	}
	v.Source, v.Views = source, views
	h.showAnalyze(w, r, rc, http.StatusOK, v)
}

func (h *handler) showAnalyze(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, v analyzeView) {
	list, _, err := h.svc.IndexEvents(r.Context(), rc.acl, intel.EventIndexQuery{Sort: "id", Desc: true,
		Filter: store.EventFilter{Limit: 100, Page: 1}})
	if err != nil {
		h.fail(w, r, rc, err)
		return
	}
	v.Events, v.Max = list, byteCount(h.d.MaxUploadBytes)
	if v.GroupBy == "" {
		v.GroupBy = "host"
	}
	h.render(w, r, rc, status, "analyze", "Analyze", v)
}
