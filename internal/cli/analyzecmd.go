package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/analysis/cmdline"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newAnalyzeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Analyse records: command-line risk, lookalike and generated domains",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAnalyzeCmdlineCmd(e), newAnalyzeDomainsCmd(e))
	return cmd
}

func newAnalyzeCmdlineCmd(e *env) *cobra.Command {
	var (
		in       inputFlags
		field    string
		minScore int
	)
	cmd := &cobra.Command{
		Use:   "cmdline [FILE...]",
		Short: "Score command lines for encoded commands, download cradles, LOLBins, obfuscation and AMSI bypasses",
		Long: `cmdline scores the command line of each record (0–100) and appends cmdline_score,
cmdline_rules and cmdline_reasons. Rules: ` + strings.Join(cmdline.Rules(), ", ") + `.
The score is the sum of the weights of the rules that fired, capped at 100. Decode first
(hunch unpack ... -f CommandLine, then -f full_decoded here) to score what an encoded command hides.`,
		Example: `  hunch analyze cmdline --min-score 30 events.ndjson
  hunch query run files.process_by_host -p host=WS01 --files 'logs/*.evtx' | hunch analyze cmdline -o table --columns Computer,cmdline_score,cmdline_rules,CommandLine`,
		RunE: func(_ *cobra.Command, files []string) error {
			if minScore < 0 || minScore > cmdline.MaxScore {
				return usagef("--min-score %d: want 0–%d", minScore, cmdline.MaxScore)
			}
			return e.transform(&in, files, func(s record.Stream) record.Stream {
				return pipeline.CmdlineRisk(e.ctx, s, pipeline.CmdlineOptions{Field: field, MinScore: minScore})
			})
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&field, "field", "f", "CommandLine", "field holding the command line (dotted names reach into objects)")
	fl.IntVar(&minScore, "min-score", 0, "drop records scoring below this")
	return cmd
}

func newAnalyzeDomainsCmd(e *env) *cobra.Command {
	var (
		in        inputFlags
		field     string
		watch     []string
		watchFile string
		flagged   bool
		minDGA    float64
	)
	cmd := &cobra.Command{
		Use:   "domains [FILE...]",
		Short: "Flag lookalikes of watched domains (homoglyphs, typos, suffix swaps, embedded names) and generated-looking names",
		Long: `domains checks the domain in each record against the watched domains (--watch, --watch-file:
one per line) and appends lookalike_of, lookalike_kind (tld_swap, homoglyph, typo, embedded),
lookalike_reason and dga_score (0–1: few vowels, long consonant runs, digits among letters).
A watched domain and its subdomains are never flagged.`,
		Example: `  hunch extract --types domain --unique global proxy.log | hunch analyze domains --watch example.com,examplebank.com --flagged`,
		RunE: func(_ *cobra.Command, files []string) error {
			if watchFile != "" {
				data, err := os.ReadFile(watchFile)
				if err != nil {
					return fmt.Errorf("--watch-file: %w", err)
				}
				for _, l := range strings.Split(string(data), "\n") {
					if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
						watch = append(watch, l)
					}
				}
			}
			if minDGA < 0 || minDGA > 1 {
				return usagef("--min-dga %v: want 0–1", minDGA)
			}
			return e.transform(&in, files, func(s record.Stream) record.Stream {
				return pipeline.DomainRisk(e.ctx, s, pipeline.DomainOptions{Field: field, Watch: watch, OnlyFlags: flagged, MinDGA: minDGA})
			})
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&field, "field", "f", "value", "field holding the domain")
	fl.StringSliceVar(&watch, "watch", nil, "watched domains, comma-separated (repeatable)")
	fl.StringVar(&watchFile, "watch-file", "", "file of watched domains, one per line (# comments)")
	fl.BoolVar(&flagged, "flagged", false, "only records that are lookalikes or score at least --min-dga")
	fl.Float64Var(&minDGA, "min-dga", 0.5, "DGA score that --flagged keeps")
	return cmd
}
