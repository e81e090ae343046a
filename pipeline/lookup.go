package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/ioc"
	"github.com/hunchsec/hunch/record"
)

// Lookup record fields.
const (
	FieldIndicator = "indicator"  // the value looked up
	FieldVerdict   = "verdict"    // combined verdict: unknown, benign, suspicious, malicious
	FieldDecidedBy = "decided_by" // provider credited with the combined verdict
	FieldResults   = "results"    // every provider's full answer (with LookupOptions.Details)
	FieldErrors    = "errors"     // the number of providers that failed for this indicator
)

// DefaultLookupBatch is how many input records Lookup gathers before it asks the providers.
const DefaultLookupBatch = 500

// LookupOptions configures Lookup.
type LookupOptions struct {
	// Engine answers the lookups; nil asks no provider (location fields only, for example).
	Engine *enrich.Engine
	// Lookup narrows each engine call (providers, cache use).
	Lookup enrich.LookupOptions
	// Providers are the names whose summary columns are written, in order (default: the engine's).
	Providers []string
	// Field holds the indicator (default "value", then "indicator", then "_raw"); TypeField its
	// type (default "type"). A record without a valid type has it detected from the value.
	Field, TypeField string
	// Keep enriches the input records in place (fields appended); otherwise each distinct
	// indicator yields one record, in order of first appearance.
	Keep bool
	// MaxUnique bounds the memory of the distinct mode (0: DefaultMaxUnique).
	MaxUnique int
	// Batch is how many records are gathered per engine call (0: DefaultLookupBatch).
	Batch int
	// Details adds FieldResults: each provider's answer with its details and raw reply.
	Details bool
	// Extractor detects types of untyped values (nil: ioc's defaults).
	Extractor *ioc.Extractor
	// Locate, when set, returns extra fields for an indicator (GeoIP for addresses, say);
	// they are appended after the verdict columns.
	Locate func(enrich.Indicator) []record.Field
	// OnResult, when set, sees every provider answer (to count failures, for instance).
	OnResult func(enrich.Result)
}

// ErrNotIndicator is the error field of a value that is no indicator hunch knows.
var ErrNotIndicator = errors.New("not an indicator")

// Lookup enriches a record stream with threat-intelligence verdicts. Records are gathered in
// batches so that each batch's distinct indicators go to the providers together; output order is
// input order. Records without the indicator field pass through unchanged with Keep, and are
// skipped otherwise.
func Lookup(ctx context.Context, in record.Stream, opts LookupOptions) record.Stream {
	ex := opts.Extractor
	if ex == nil {
		var err error
		if ex, err = ioc.NewExtractor(ioc.Options{}); err != nil {
			return failed(err)
		}
	}
	batch := opts.Batch
	if batch <= 0 {
		batch = DefaultLookupBatch
	}
	maxUnique := opts.MaxUnique
	if maxUnique <= 0 {
		maxUnique = DefaultMaxUnique
	}
	providers := opts.Providers
	if providers == nil && opts.Engine != nil {
		providers = opts.Lookup.Providers
		if len(providers) == 0 {
			providers = opts.Engine.Providers()
		}
	}
	return func(yield func(record.Record, error) bool) {
		seen := map[enrich.Indicator]struct{}{}
		type pending struct {
			rec record.Record
			err error
			ind enrich.Indicator
			ok  bool // rec carries an indicator
		}
		buf := make([]pending, 0, batch)
		flush := func() bool {
			var inds []enrich.Indicator
			for _, p := range buf {
				if p.ok {
					inds = append(inds, p.ind)
				}
			}
			var reps []enrich.Report
			if opts.Engine != nil && len(inds) > 0 {
				var err error
				if reps, err = opts.Engine.Lookup(ctx, inds, opts.Lookup); err != nil {
					yield(record.Record{}, err)
					return false
				}
			}
			n := 0
			for _, p := range buf {
				if p.err != nil {
					if !yield(record.Record{}, p.err) {
						return false
					}
					continue
				}
				if !p.ok {
					if opts.Keep && !yield(p.rec, nil) {
						return false
					}
					continue
				}
				rep := enrich.Report{Indicator: p.ind}
				if reps != nil {
					rep = reps[n]
				}
				n++
				var out record.Record
				if opts.Keep {
					out = p.rec
				} else {
					out = record.New(
						record.Field{Name: FieldIndicator, Value: record.String(p.ind.Value)},
						record.Field{Name: FieldType, Value: record.String(string(p.ind.Type))},
					)
					out.Meta = p.rec.Meta
				}
				appendVerdict(&out, rep, providers, opts)
				if !yield(out, nil) {
					return false
				}
			}
			buf = buf[:0]
			return true
		}
		for rec, err := range in {
			if err != nil {
				buf = append(buf, pending{err: err})
			} else {
				ind, ok := indicatorOf(ex, rec, opts.Field, opts.TypeField)
				if ok && !opts.Keep {
					if _, dup := seen[ind]; dup {
						continue
					}
					if len(seen) < maxUnique {
						seen[ind] = struct{}{}
					}
				}
				buf = append(buf, pending{rec: rec, ind: ind, ok: ok})
			}
			if len(buf) >= batch && !flush() {
				return
			}
			if ctx.Err() != nil {
				yield(record.Record{}, ctx.Err())
				return
			}
		}
		flush()
	}
}

func appendVerdict(out *record.Record, rep enrich.Report, providers []string, opts LookupOptions) {
	out.Append(FieldVerdict, record.String(rep.Verdict.String()))
	out.Append(FieldDecidedBy, record.String(rep.DecidedBy))
	errs := 0
	for _, name := range providers {
		summary := ""
		for _, r := range rep.Results {
			if r.Provider != name {
				continue
			}
			switch {
			case r.Err != nil:
				summary = "error: " + r.Err.Error()
				errs++
			case r.Verdict == enrich.Unknown && r.Summary != "":
				summary = r.Summary
			default:
				summary = r.Verdict.String()
				if r.Summary != "" {
					summary += ": " + r.Summary
				}
			}
		}
		out.Append(name, record.String(summary))
	}
	if opts.Locate != nil {
		for _, f := range opts.Locate(rep.Indicator) {
			out.Append(f.Name, f.Value)
		}
	}
	if errs > 0 {
		out.Append(FieldErrors, record.Int(int64(errs)))
	}
	if opts.OnResult != nil {
		for _, r := range rep.Results {
			opts.OnResult(r)
		}
	}
	if opts.Details {
		vs := make([]record.Value, 0, len(rep.Results))
		for _, r := range rep.Results {
			vs = append(vs, resultValue(r))
		}
		out.Append(FieldResults, record.List(vs...))
	}
}

// resultValue renders one provider answer as a nested object.
func resultValue(r enrich.Result) record.Value {
	rec := record.New(
		record.Field{Name: "provider", Value: record.String(r.Provider)},
		record.Field{Name: FieldVerdict, Value: record.String(r.Verdict.String())},
		record.Field{Name: "reliability", Value: record.String(r.Reliability.String())},
		record.Field{Name: "summary", Value: record.String(r.Summary)},
		record.Field{Name: "reference", Value: record.String(r.Reference)},
		record.Field{Name: "time", Value: record.Time(r.Time)},
		record.Field{Name: "cached", Value: record.Bool(r.Cached)},
	)
	if r.Err != nil {
		rec.Append("error", record.String(r.Err.Error()))
	}
	if len(r.Details) > 0 {
		rec.Append("details", valueOf(r.Details, 0))
	}
	if len(r.Raw) > 0 {
		var raw any
		dec := json.NewDecoder(strings.NewReader(string(r.Raw)))
		dec.UseNumber()
		if err := dec.Decode(&raw); err == nil {
			rec.Append("raw", valueOf(raw, 0))
		} else {
			rec.Append("raw", record.String(string(r.Raw)))
		}
	}
	return record.Object(rec)
}

// maxValueDepth bounds the nesting valueOf follows (raw replies come from the network).
const maxValueDepth = 64

// valueOf converts decoded JSON and the plain Go values providers put in Details to a record
// value. Object keys are sorted, so output is stable.
func valueOf(v any, depth int) record.Value {
	if depth > maxValueDepth {
		return record.String("…")
	}
	switch x := v.(type) {
	case nil:
		return record.Null()
	case string:
		return record.String(x)
	case bool:
		return record.Bool(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return record.Int(n)
		}
		f, _ := x.Float64()
		return record.Float(f)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return record.Int(int64(x))
		}
		return record.Float(x)
	case float32:
		return record.Float(float64(x))
	case int:
		return record.Int(int64(x))
	case int64:
		return record.Int(x)
	case int32:
		return record.Int(int64(x))
	case uint:
		return record.Int(int64(x))
	case uint32:
		return record.Int(int64(x))
	case uint64:
		return record.Int(int64(x))
	case time.Time:
		return record.Time(x)
	case []string:
		return record.Strings(x...)
	case []any:
		vs := make([]record.Value, len(x))
		for i, e := range x {
			vs[i] = valueOf(e, depth+1)
		}
		return record.List(vs...)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var r record.Record
		r.Grow(len(keys))
		for _, k := range keys {
			r.Append(k, valueOf(x[k], depth+1))
		}
		return record.Object(r)
	case json.RawMessage:
		var a any
		dec := json.NewDecoder(strings.NewReader(string(x)))
		dec.UseNumber()
		if dec.Decode(&a) == nil {
			return valueOf(a, depth+1)
		}
		return record.String(string(x))
	case fmt.Stringer:
		return record.String(x.String())
	}
	// Anything else (a provider's own struct): through JSON.
	b, err := json.Marshal(v)
	if err != nil {
		return record.String(fmt.Sprint(v))
	}
	return valueOf(json.RawMessage(b), depth+1)
}

// indicatorOf finds the indicator of a record.
func indicatorOf(ex *ioc.Extractor, rec record.Record, field, typeField string) (enrich.Indicator, bool) {
	var val string
	if field != "" {
		v, ok := lookup(rec, field)
		if !ok {
			return enrich.Indicator{}, false
		}
		val = v.Text()
	} else {
		for _, f := range []string{FieldValue, FieldIndicator, "_raw"} {
			if v, ok := rec.Get(f); ok {
				val = v.Text()
				break
			}
		}
	}
	val = strings.TrimSpace(val)
	if val == "" {
		return enrich.Indicator{}, false
	}
	if typeField == "" {
		typeField = FieldType
	}
	if tv, ok := rec.Get(typeField); ok {
		if t, err := ioc.ParseType(tv.Text()); err == nil {
			return enrich.Indicator{Type: t, Value: val}, true
		}
	}
	t, canon, ok := Classify(ex, val)
	if !ok {
		return enrich.Indicator{Value: val}, true
	}
	return enrich.Indicator{Type: t, Value: canon}, true
}

// classifyOrder ranks types when a value matches several wholly (a URL contains its host).
var classifyOrder = []ioc.Type{ioc.URL, ioc.Email, ioc.IPv4, ioc.IPv6, ioc.SHA512, ioc.SHA256, ioc.SHA1, ioc.MD5,
	ioc.CVE, ioc.AttackTechnique, ioc.RegistryKey, ioc.WindowsPath, ioc.LinuxPath, ioc.Domain}

// Classify returns the type and canonical (refanged) form of s when s as a whole is one
// indicator: "hxxps://evil[.]example/x" is a url, "8.8.8.8" an ipv4, "evil.example" a domain.
func Classify(ex *ioc.Extractor, s string) (ioc.Type, string, bool) {
	s = strings.TrimSpace(s)
	best, rank := ioc.Match{}, len(classifyOrder)
	for _, m := range ex.Extract(s) {
		if m.Start != 0 || m.End != len(s) {
			continue
		}
		r := slices.Index(classifyOrder, m.Type)
		if r < 0 {
			r = len(classifyOrder) - 1 // custom types rank with domains
		}
		if r < rank {
			best, rank = m, r
		}
	}
	if rank == len(classifyOrder) {
		return "", "", false
	}
	return best.Type, best.Value, true
}
