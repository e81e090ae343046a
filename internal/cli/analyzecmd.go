package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/analysis/cmdline"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newAnalyzeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Analyse records: command-line risk",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAnalyzeCmdlineCmd(e))
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
