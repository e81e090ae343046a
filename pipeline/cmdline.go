package pipeline

import (
	"context"

	"github.com/hunchsec/hunch/analysis/cmdline"
	"github.com/hunchsec/hunch/record"
)

// Fields CmdlineRisk adds to each record.
const (
	FieldCmdlineScore   = "cmdline_score"   // 0–100
	FieldCmdlineRules   = "cmdline_rules"   // the rules that fired
	FieldCmdlineReasons = "cmdline_reasons" // why each matters, in the same order
)

// CmdlineOptions configures CmdlineRisk.
type CmdlineOptions struct {
	Field    string // the field holding the command line; default CommandLine
	MinScore int    // records scoring below this are dropped (0 keeps all)
}

// CmdlineRisk scores the command line of every record of in (package analysis/cmdline) and
// appends the score, the rules that fired and their reasons. A record without the field
// scores 0. Errors in the input stream are passed through in their place.
func CmdlineRisk(ctx context.Context, in record.Stream, opts CmdlineOptions) record.Stream {
	field := opts.Field
	if field == "" {
		field = "CommandLine"
	}
	a := cmdline.New()
	return mapRecords(ctx, in, func(rec record.Record) (record.Record, bool) {
		var res cmdline.Result
		if v, ok := lookup(rec, field); ok {
			res = a.Analyze(v.Text())
		}
		if res.Score < opts.MinScore {
			return rec, false
		}
		rules := make([]string, len(res.Findings))
		reasons := make([]string, len(res.Findings))
		for i, f := range res.Findings {
			rules[i], reasons[i] = f.Rule, f.Reason
		}
		rec.Set(FieldCmdlineScore, record.Int(int64(res.Score)))
		rec.Set(FieldCmdlineRules, record.Strings(rules...))
		rec.Set(FieldCmdlineReasons, record.Strings(reasons...))
		return rec, true
	})
}

// mapRecords applies fn to every record of in, yielding what it keeps; errors in the input
// are passed through in their place, and a cancelled ctx ends the stream with its error.
func mapRecords(ctx context.Context, in record.Stream, fn func(record.Record) (record.Record, bool)) record.Stream {
	return func(yield func(record.Record, error) bool) {
		for rec, err := range in {
			if err != nil {
				if !yield(rec, err) {
					return
				}
				continue
			}
			if canceled(ctx) {
				yield(record.Record{}, ctx.Err())
				return
			}
			if out, keep := fn(rec); keep && !yield(out, nil) {
				return
			}
		}
	}
}

// Fields DomainRisk adds to each record.
const (
	FieldLookalikeOf     = "lookalike_of"     // the watched domain imitated, or empty
	FieldLookalikeKind   = "lookalike_kind"   // tld_swap, homoglyph, typo, embedded
	FieldLookalikeReason = "lookalike_reason" // in words
	FieldDGAScore        = "dga_score"        // 0–1
)

// DomainOptions configures DomainRisk.
type DomainOptions struct {
	Field     string   // the field holding the domain (or URL host); default value
	Watch     []string // watched domains; lookalikes of them are flagged
	OnlyFlags bool     // drop records that are neither lookalikes nor score DGA ≥ MinDGA
	MinDGA    float64  // with OnlyFlags, the DGA score that keeps a record; default 0.5
}

// DomainRisk checks the domain of every record of in against a watch list of domains
// (package analysis/cmdline) and rates how machine-generated it looks, appending the
// lookalike and DGA fields. Errors in the input stream are passed through in their place.
func DomainRisk(ctx context.Context, in record.Stream, opts DomainOptions) record.Stream {
	field := opts.Field
	if field == "" {
		field = "value"
	}
	minDGA := opts.MinDGA
	if minDGA == 0 {
		minDGA = 0.5
	}
	w := cmdline.NewWatchlist(opts.Watch)
	return mapRecords(ctx, in, func(rec record.Record) (record.Record, bool) {
		var (
			l   cmdline.Lookalike
			ok  bool
			dga float64
		)
		if v, found := lookup(rec, field); found {
			d := v.Text()
			l, ok = w.Check(d)
			dga = cmdline.DGAScore(d)
		}
		if opts.OnlyFlags && !ok && dga < minDGA {
			return rec, false
		}
		rec.Set(FieldLookalikeOf, record.String(l.Watched))
		rec.Set(FieldLookalikeKind, record.String(l.Kind))
		rec.Set(FieldLookalikeReason, record.String(l.Reason))
		rec.Set(FieldDGAScore, record.Float(dga))
		return rec, true
	})
}
