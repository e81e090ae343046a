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
			var res cmdline.Result
			if v, ok := lookup(rec, field); ok {
				res = a.Analyze(v.Text())
			}
			if res.Score < opts.MinScore {
				continue
			}
			rules := make([]string, len(res.Findings))
			reasons := make([]string, len(res.Findings))
			for i, f := range res.Findings {
				rules[i], reasons[i] = f.Rule, f.Reason
			}
			rec.Set(FieldCmdlineScore, record.Int(int64(res.Score)))
			rec.Set(FieldCmdlineRules, record.Strings(rules...))
			rec.Set(FieldCmdlineReasons, record.Strings(reasons...))
			if !yield(rec, nil) {
				return
			}
		}
	}
}
