package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/analysis/cmdline"
	"github.com/hunchsec/hunch/analysis/proctree"
	"github.com/hunchsec/hunch/analysis/session"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
)

func newAnalyzeCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Analyse records: command-line risk, lookalike and generated domains, sessions, process trees, outliers, time series, clusters",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newAnalyzeCmdlineCmd(e), newAnalyzeDomainsCmd(e), newAnalyzeSessionsCmd(e), newAnalyzeProctreeCmd(e), newAnalyzeOutlierCmd(e), newAnalyzeTimeseriesCmd(e), newAnalyzeClusterCmd(e),
		newAnalyzeLinuxSessionsCmd(e))
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

func newAnalyzeSessionsCmd(e *env) *cobra.Command {
	var (
		in        inputFlags
		o         pipeline.SessionOptions
		level     string
		maxEvents int
	)
	cmd := &cobra.Command{
		Use:   "sessions [FILE...]",
		Short: "Rank sessions of commands by how unusual they are (Markov model, rarest window)",
		Long: `sessions cuts the events into sessions per --key (a pause longer than --gap, or a session
longer than --max-duration, starts a new one), learns a first-order Markov model of all sessions'
commands and writes one record per session, rarest first: rank, key, start, end, events,
rarest_window (the --window commands the model finds least likely), rarest_window_likelihood
and geometric_mean (the whole session's likelihood per step).

--level cmds looks at the program names only; params also at which flags were given (each
flag a Bernoulli given the program); values also at flag values that repeat (categorical).
Every event is held until the end: --max-events bounds them.`,
		Example: `  hunch analyze sessions --key User,Computer --level params sysmon.ndjson
  hunch query run files.process_by_account -p user='CORP\alice' --files 'logs/*.evtx' | hunch analyze sessions --window 3`,
		RunE: func(_ *cobra.Command, files []string) error {
			switch level {
			case "cmds":
				o.Level = session.CmdsOnly
			case "params":
				o.Level = session.CmdsParams
			case "values":
				o.Level = session.CmdsParamsValues
			default:
				return usagef("--level %q: want cmds, params or values", level)
			}
			if o.Window < 1 {
				return usagef("--window must be at least 1")
			}
			if maxEvents < 1 {
				return usagef("--max-events must be at least 1")
			}
			o.MaxEvents = maxEvents
			return e.transform(&in, files, func(s record.Stream) record.Stream {
				return pipeline.Sessions(e.ctx, s, o)
			})
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&o.KeyFields, "key", []string{"User"}, "fields that say whose session an event is (comma-separated)")
	fl.StringVar(&o.TimeField, "time", "", "time field (default: TimeCreated, UtcTime, @timestamp, _time or timestamp)")
	fl.StringVar(&o.CmdField, "cmd", "CommandLine", "field holding the command line")
	fl.StringVar(&level, "level", "params", "model level: cmds, params or values")
	fl.IntVar(&o.Window, "window", 2, "length of the rarest window")
	fl.DurationVar(&o.Sessionize.MaxGap, "gap", 30*time.Minute, "a longer pause starts a new session")
	fl.DurationVar(&o.Sessionize.MaxDuration, "max-duration", 0, "cut sessions longer than this (0: no limit)")
	fl.IntVar(&maxEvents, "max-events", pipeline.DefaultMaxSessionEvents, "most events held in memory")
	return cmd
}

func newAnalyzeProctreeCmd(e *env) *cobra.Command {
	var (
		in   inputFlags
		text bool
		host string
		want string
		cut  int
	)
	cmd := &cobra.Command{
		Use:   "proctree [FILE...]",
		Short: "Process trees from Sysmon 1, Security 4688 and auditd EXECVE events",
		Long: `proctree links process-creation events into trees — Sysmon 1 by ProcessGuid, 4688 and auditd
by host and pid in time order (a reused pid starts a new process) — and writes one record per
process, depth first: id, parent_id, depth, inferred (a parent known only from its children),
kind, host, pid, ppid, image, command_line, user, time. --text prints the trees indented instead.
--host keeps one host's trees; --process keeps the trees holding a process whose image or
command line contains the text.`,
		Example: `  hunch analyze proctree --text Security.evtx
  hunch analyze proctree --process powershell -o table --columns depth,image,command_line sysmon.evtx`,
		RunE: func(_ *cobra.Command, files []string) error {
			src, t, err := e.inputs(&in, files)
			if err != nil {
				return err
			}
			var evs []proctree.Event
			for r, err := range src {
				if err != nil {
					return err
				}
				if ev, ok := proctree.FromRecord(r); ok && (host == "" || strings.EqualFold(ev.Host, host)) {
					evs = append(evs, ev)
				}
			}
			f := proctree.Build(evs)
			if want != "" {
				f = keepTrees(f, strings.ToLower(want))
			}
			if text {
				if _, err := io.WriteString(e.stdout, f.Text(cut)); err != nil {
					return err
				}
				return t.done()
			}
			w, err := e.writer()
			if err != nil {
				return err
			}
			var werr error
			f.Walk(func(n *proctree.Node) bool {
				werr = w.Write(n.Record())
				return werr == nil
			})
			if werr != nil {
				return werr
			}
			if err := w.Close(); err != nil {
				return err
			}
			return t.done()
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&text, "text", false, "print the trees as indented text")
	fl.StringVar(&host, "host", "", "only this host's processes")
	fl.StringVar(&want, "process", "", "only trees holding a process whose image or command line contains this (case-insensitive)")
	fl.IntVar(&cut, "width", 120, "with --text, cut command lines to this many bytes (0: whole)")
	return cmd
}

// keepTrees keeps the trees of f holding a process whose image or command line contains sub.
func keepTrees(f *proctree.Forest, sub string) *proctree.Forest {
	out := &proctree.Forest{}
	for _, r := range f.Roots {
		hit := false
		(&proctree.Forest{Roots: []*proctree.Node{r}}).Walk(func(n *proctree.Node) bool {
			hit = strings.Contains(strings.ToLower(n.Image), sub) || strings.Contains(strings.ToLower(n.CommandLine), sub)
			return !hit
		})
		if hit {
			out.Roots = append(out.Roots, r)
		}
	}
	out.Walk(func(n *proctree.Node) bool { out.Nodes = append(out.Nodes, n); return true })
	return out
}
