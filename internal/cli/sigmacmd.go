package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel/refdata"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/sigma"
	"github.com/hunchsec/hunch/sigma/backend"
	"github.com/hunchsec/hunch/sigma/backend/esql"
	"github.com/hunchsec/hunch/sigma/backend/kql"
	"github.com/hunchsec/hunch/sigma/backend/splunk"
)

// sigmaTargets are the languages sigma convert writes.
var sigmaTargets = map[string]func(*sigma.Rule, backend.Options) (string, error){
	"spl": splunk.Convert, "kql": kql.Convert, "esql": esql.Convert,
}

func newSigmaCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sigma",
		Short: "Run Sigma rules over records, translate them to SPL, KQL and ES|QL, fetch SigmaHQ's rules",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSigmaScanCmd(e), newSigmaConvertCmd(e), newSigmaUpdateCmd(e))
	return cmd
}

// sigmaDir is where hunch sigma update installs SigmaHQ's rules.
func (e *env) sigmaDir() string { return filepath.Join(e.dataDir(), "sigma") }

// loadSigma loads the rules in paths (the installed rule set when none are given), printing
// each rule that does not load; partial reports whether some did not.
func (e *env) loadSigma(paths []string, maxRule int64) (rules []*sigma.Rule, partial bool, err error) {
	if len(paths) == 0 {
		dir := e.sigmaDir()
		if _, err := os.Stat(dir); err != nil {
			return nil, false, usagef("no rules given, and none installed in %s (hunch sigma update fetches SigmaHQ's)", dir)
		}
		paths = []string{dir}
	}
	rules, errs := sigma.LoadPaths(paths, sigma.LoadOptions{MaxRuleSize: maxRule})
	for _, err := range errs {
		fmt.Fprintf(e.stderr, "hunch: sigma: %v\n", err)
	}
	if len(rules) == 0 {
		return nil, false, fmt.Errorf("%w in %s", sigma.ErrNoRules, strings.Join(paths, ", "))
	}
	return rules, len(errs) > 0, nil
}

var sigmaLevels = map[string]int{"informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

func newSigmaScanCmd(e *env) *cobra.Command {
	var (
		in       inputFlags
		opts     sigma.Options
		minLevel string
		maxRule  byteSize
	)
	maxRule = sigma.DefaultMaxRuleSize
	cmd := &cobra.Command{
		Use:   "scan [RULES...] [-- FILE...]",
		Short: "Run Sigma rules over records and write each match with its rule",
		Long: `scan runs Sigma rules (files, or directories searched for *.yml) over records — EVTX,
NDJSON, CSV, JSON files after --, or standard input — and writes every event a rule matches with
sigma_title, sigma_id, sigma_level, sigma_author, sigma_link and sigma_tags appended; a summary
per rule goes to standard error. Without rules, the set 'hunch sigma update' installed is used.

A rule runs only on the events of its log source: process_creation on Sysmon 1 and Security 4688
(Image read from NewProcessName, ParentImage from ParentProcessName, as SigmaHQ's own test runner
maps them), ps_script on 4104, ps_module on 4103 and so on; an event without EventID or Channel
fields is not held to them. --all-events runs every rule on every event. --mapping names the
records' field names: sysmon (the Windows event log's, as hunch reads EVTX), ecs, cim or mde.

SigmaHQ's rules are under the Detection Rule License 1.1, which asks that every match keeps the
rule's author: hunch writes it into every hit.`,
		Example: `  hunch sigma scan ~/sigma/rules/windows/process_creation -- Security.evtx Sysmon.evtx
  hunch query run files.process_by_host -p host=WS01 --files 'logs/*.evtx' | hunch sigma scan --min-level high
  hunch sigma scan --mapping ecs rules/ -- winlogbeat.ndjson`,
		RunE: func(cmd *cobra.Command, args []string) error {
			rulePaths, files := args, []string(nil)
			if at := cmd.ArgsLenAtDash(); at >= 0 {
				rulePaths, files = args[:at], args[at:]
			}
			min, ok := sigmaLevels[strings.ToLower(minLevel)]
			if minLevel != "" && !ok {
				return usagef("--min-level %q: want informational, low, medium, high or critical", minLevel)
			}
			if _, err := sigma.MappingByName(opts.Mapping); err != nil {
				return usageError{err}
			}
			rules, partial, err := e.loadSigma(rulePaths, int64(maxRule))
			if err != nil {
				return err
			}
			if minLevel != "" {
				kept := rules[:0]
				for _, r := range rules {
					if sigmaLevels[strings.ToLower(r.Level)] >= min {
						kept = append(kept, r)
					}
				}
				rules = kept
			}
			m, errs := sigma.NewMatcher(rules, opts)
			for _, err := range errs {
				fmt.Fprintf(e.stderr, "hunch: sigma: %v\n", err)
			}
			partial = partial || len(errs) > 0
			hits := map[*sigma.Rule]int{}
			byKey := make(map[string]*sigma.Rule, len(rules)) // a hit's rule, by id and title
			for _, r := range rules {
				byKey[r.ID+"\x00"+r.Title] = r
			}
			err = e.transform(&in, files, func(s record.Stream) record.Stream {
				return func(yield func(record.Record, error) bool) {
					for r, err := range m.Scan(e.ctx, s) {
						if err == nil {
							if id, ok := r.Get(sigma.FieldID); ok {
								if title, ok := r.Get(sigma.FieldTitle); ok {
									hits[byKey[id.Text()+"\x00"+title.Text()]]++
								}
							}
						}
						if !yield(r, err) {
							return
						}
					}
				}
			})
			printSigmaSummary(e, m.Len(), hits)
			if err == nil && partial {
				return errPartial
			}
			return err
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Mapping, "mapping", "sysmon", "field names of the records: "+strings.Join(sigma.MappingNames(), ", "))
	fl.BoolVar(&opts.AllEvents, "all-events", false, "run every rule on every event, whatever its log source")
	fl.StringVar(&minLevel, "min-level", "", "only rules of this level or above (informational, low, medium, high, critical)")
	fl.Var(&maxRule, "max-rule-size", "largest rule file read (e.g. 1MiB)")
	return cmd
}

func printSigmaSummary(e *env, n int, hits map[*sigma.Rule]int) {
	type row struct {
		r *sigma.Rule
		n int
	}
	var rows []row
	total := 0
	for r, c := range hits {
		if r != nil {
			rows = append(rows, row{r, c})
			total += c
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].r.Title < rows[j].r.Title
	})
	fmt.Fprintf(e.stderr, "sigma: %d rules, %d matches from %d rules\n", n, total, len(rows))
	for _, x := range rows {
		fmt.Fprintf(e.stderr, "%6d  [%s] %s\n", x.n, x.r.Level, x.r.Attribution())
	}
}

func newSigmaConvertCmd(e *env) *cobra.Command {
	var (
		to      string
		opts    backend.Options
		maxRule byteSize
	)
	maxRule = sigma.DefaultMaxRuleSize
	cmd := &cobra.Command{
		Use:   "convert --to spl|kql|esql [RULES...]",
		Short: "Translate Sigma rules into Splunk SPL, Kusto KQL or Elasticsearch ES|QL",
		Long: `convert translates each rule into a query for the SIEM, so the rule runs where the data is.
Each query is printed after a comment line with the rule's title, id, author and link (the
Detection Rule License asks that the author stays with the rule). With -o ndjson, csv or table,
one record per rule instead: title, id, author, level, link, language, query.

--mapping names the target's field names: SPL defaults to Splunk's CIM, KQL to Defender /
Sentinel advanced hunting (DeviceProcessEvents…), ES|QL to ECS; sysmon keeps the rules' own
names. --source replaces the start of the query: Splunk search terms (index=win
sourcetype=XmlWinEventLog), a Kusto table, or ES|QL's FROM pattern (default logs-*).
A rule a language cannot express is reported and the others are still translated (exit 3).`,
		Example: `  hunch sigma convert --to spl --source 'index=windows' examples/sigma
  hunch sigma convert --to kql --mapping sysmon --source SecurityEvent rules/proc_creation_win_whoami.yml
  hunch sigma convert --to esql -o ndjson ~/sigma/rules/windows/process_creation > queries.ndjson`,
		RunE: func(_ *cobra.Command, args []string) error {
			conv, ok := sigmaTargets[strings.ToLower(to)]
			if !ok {
				return usagef("--to %q: want spl, kql or esql", to)
			}
			if opts.Mapping != "" {
				if _, err := sigma.MappingByName(opts.Mapping); err != nil {
					return usageError{err}
				}
			}
			rules, partial, err := e.loadSigma(args, int64(maxRule))
			if err != nil {
				return err
			}
			var w record.Writer
			if e.output != "" {
				if w, err = e.writer(); err != nil {
					return err
				}
			}
			comment := map[string]string{"spl": "``` %s ```", "kql": "// %s", "esql": "// %s"}[strings.ToLower(to)]
			for _, r := range rules {
				q, err := conv(r, opts)
				if err != nil {
					fmt.Fprintf(e.stderr, "hunch: sigma: %s: %v\n", r.Path, err)
					partial = true
					continue
				}
				if w == nil {
					fmt.Fprintf(e.stdout, comment+"\n%s\n\n", strings.ReplaceAll(r.Attribution(), "`", "'"), q)
					continue
				}
				var rec record.Record
				rec.Append("title", record.String(r.Title))
				rec.Append("id", record.String(r.ID))
				rec.Append("author", record.String(r.Author))
				rec.Append("level", record.String(r.Level))
				rec.Append("link", record.String(r.Link()))
				rec.Append("language", record.String(strings.ToLower(to)))
				rec.Append("query", record.String(q))
				if err := w.Write(rec); err != nil {
					return err
				}
			}
			if w != nil {
				if err := w.Close(); err != nil {
					return err
				}
			}
			if partial {
				return errPartial
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&to, "to", "", "target language: spl, kql or esql (required)")
	fl.StringVar(&opts.Mapping, "mapping", "", "field names of the target: "+strings.Join(sigma.MappingNames(), ", ")+" (default per language)")
	fl.StringVar(&opts.Source, "source", "", "start of the query: Splunk search terms, a Kusto table, ES|QL's FROM pattern")
	fl.Var(&maxRule, "max-rule-size", "largest rule file read (e.g. 1MiB)")
	return cmd
}

func newSigmaUpdateCmd(e *env) *cobra.Command {
	var (
		dir, url string
		maxSize  byteSize
		maxFiles int
	)
	maxSize = 256 << 20
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download SigmaHQ's rule release and install it for sigma scan",
		Long: `update downloads SigmaHQ's release archive of all rules (or --url: any zip in its layout, or
a local zip file or directory), keeps the rule files and licences, checks the layout, and only
then replaces the installed set (--dir, default the data directory's sigma/). A download that
fails or breaks a limit leaves the installed rules as they were. hunch does not ship rules.`,
		Example: `  hunch sigma update
  hunch sigma update --url ./sigma_core.zip --dir ~/sigma`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if maxSize <= 0 || maxFiles <= 0 {
				return usagef("--max-size and --max-files must be positive")
			}
			if dir == "" {
				dir = e.sigmaDir()
			}
			res, err := refdata.Install(e.ctx, e.httpClient(), refdata.Source{Name: refdata.Sigma, From: url, Dest: dir},
				refdata.Limits{MaxArchiveBytes: int64(maxSize), MaxFileBytes: int64(maxSize), MaxFiles: maxFiles})
			if err != nil {
				if errors.Is(err, refdata.ErrLimit) {
					return fmt.Errorf("%w (raise --max-size or --max-files)", err)
				}
				return err
			}
			rules, errs := sigma.LoadPaths([]string{dir}, sigma.LoadOptions{})
			fmt.Fprintf(e.stdout, "installed %d files (%d bytes) into %s: %d rules load, %d do not\n%s\n",
				res.Files, res.Bytes, res.Dest, len(rules), len(errs), sigma.LicenceNotice)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "", "where to install (default: the data directory's sigma/)")
	fl.StringVar(&url, "url", refdata.DefaultURLs[refdata.Sigma], "release archive to install: URL, zip file or directory")
	fl.Var(&maxSize, "max-size", "largest archive and file accepted (e.g. 256MiB)")
	fl.IntVar(&maxFiles, "max-files", 50000, "most files installed")
	return cmd
}
