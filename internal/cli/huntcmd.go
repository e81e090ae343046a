package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation/hunt"
	"github.com/hunchsec/hunch/record"
)

// huntRun is what a hunt run keeps in its run.json.
type huntRun struct {
	Hunt     string         `json:"hunt"`
	File     string         `json:"file"`
	Params   map[string]any `json:"parameters"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Steps    []huntStepRun  `json:"steps"`
	Records  string         `json:"records,omitempty"`
	Report   string         `json:"report,omitempty"`
	Error    string         `json:"error,omitempty"`
}

type huntStepRun struct {
	ID      string   `json:"id"`
	Command []string `json:"command,omitempty"`
	Skipped bool     `json:"skipped,omitempty"`
	Records int      `json:"records"`
	Output  string   `json:"output,omitempty"`
	Seconds float64  `json:"seconds"`
	Stderr  string   `json:"stderr,omitempty"`
}

// DefaultHuntMaxBytes bounds what one step of a hunt may write.
const DefaultHuntMaxBytes = 512 << 20

// limitedBuffer is a buffer that refuses to grow past max.
type limitedBuffer struct {
	bytes.Buffer
	max int64
}

var errStepTooLarge = errors.New("step output larger than the limit")

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if int64(b.Len()+len(p)) > b.max {
		return 0, errStepTooLarge
	}
	return b.Buffer.Write(p)
}

// runHunt runs f with the given parameters into dir: each step's records in <step>.ndjson, the last data step's
// also in records.ndjson, a report step's page in report.html, and run.json. Steps run in this process as hunch
// verbs, with the caller's configuration and data directory.
func (e *env) runHunt(f *hunt.File, file string, given map[string]string, dir string, maxBytes int64) (*huntRun, error) {
	now := time.Now().UTC()
	params, err := f.Resolve(given, now)
	if err != nil {
		return nil, usagef("%s: %v", f.Name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	hr := &huntRun{Hunt: f.Name, File: file, Params: params, Started: now}
	outputs := map[string][]byte{}
	var previous []byte
	var runErr error
	for _, s := range f.Steps {
		sr := huntStepRun{ID: s.ID}
		args, skip, err := s.Command(params)
		if err != nil {
			runErr = err
			break
		}
		if skip {
			sr.Skipped = true
			hr.Steps = append(hr.Steps, sr)
			outputs[s.ID] = previous
			continue
		}
		in := previous
		switch s.Input {
		case "none":
			in = nil
		case "":
		default:
			in = outputs[s.Input]
		}
		common := []string{}
		if e.configPath != "" {
			common = append(common, "--config", e.configPath)
		}
		if e.data != "" {
			common = append(common, "--data", e.data)
		}
		isReport := s.Run == "report"
		out := filepath.Join(dir, s.ID+".ndjson")
		if isReport {
			out = filepath.Join(dir, s.ID+".html")
			common = append(common, "-o", out)
		} else {
			common = append(common, "-o", "ndjson")
		}
		sr.Command = append(append([]string(nil), args...), common...)
		stdout := &limitedBuffer{max: maxBytes}
		var stderr bytes.Buffer
		t0 := time.Now()
		code := run(e.ctx, sr.Command, bytes.NewReader(in), stdout, &stderr, e.getenv)
		sr.Seconds = time.Since(t0).Seconds()
		sr.Stderr = strings.TrimSpace(stderr.String())
		if code != ExitOK && code != ExitPartial {
			hr.Steps = append(hr.Steps, sr)
			runErr = fmt.Errorf("step %s (hunch %s) failed: %s", s.ID, s.Run, lastLine(sr.Stderr))
			break
		}
		if isReport {
			sr.Output = out
			hr.Report = out
			outputs[s.ID] = previous
		} else {
			b := stdout.Bytes()
			sr.Records = bytes.Count(b, []byte("\n"))
			if err := os.WriteFile(out, b, 0o644); err != nil {
				return nil, err
			}
			sr.Output = out
			outputs[s.ID] = b
			previous = b
			hr.Records = out
		}
		hr.Steps = append(hr.Steps, sr)
	}
	if hr.Records != "" {
		final := filepath.Join(dir, "records.ndjson")
		if err := os.WriteFile(final, previous, 0o644); err != nil {
			return nil, err
		}
		hr.Records = final
	}
	hr.Finished = time.Now().UTC()
	if runErr != nil {
		hr.Error = runErr.Error()
	}
	b, _ := json.MarshalIndent(hr, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "run.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return hr, runErr
}

func readHunt(path string) (*hunt.File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := hunt.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func newHuntCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hunt",
		Short: "Run hunt files: a pipeline of hunch verbs with typed parameters, run again with new values",
		Long: `A hunt file (docs/hunts.md) declares typed parameters and steps — hunch verbs with their flags, where
{{ .name }} takes a parameter — each reading the records of the step before. 'hunch hunt run'
runs it with -p values into a directory: every step's records, the final records.ndjson, the
report of a report step, and run.json (parameters as resolved, each step's command, counts and
timings). 'hunch serve --hunts DIR' runs the hunt files that have a schedule.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var (
		params   []string
		dir      string
		maxBytes byteSize
	)
	runCmd := &cobra.Command{
		Use:   "run FILE.yaml [-p name=value…] [--dir DIR]",
		Short: "Run a hunt file with parameters",
		Example: `  hunch hunt run examples/hunts/encoded-powershell.yaml --config examples/hunch.yaml -p host=WKS-014 --dir hunt-wks014
  hunch hunt run examples/hunts/encoded-powershell.yaml --config examples/hunch.yaml -p host=WKS-031 --dir hunt-wks031`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			f, err := readHunt(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			given, err := parseParams(params)
			if err != nil {
				return err
			}
			if dir == "" {
				dir = filepath.Join(e.dataDir(), "hunts", f.Name, time.Now().UTC().Format("20060102T150405Z"))
			}
			limit := int64(maxBytes)
			if limit <= 0 {
				limit = DefaultHuntMaxBytes
			}
			r, err := e.runHunt(f, args[0], given, dir, limit)
			if r != nil {
				for _, s := range r.Steps {
					state := fmt.Sprintf("%d records", s.Records)
					switch {
					case s.Skipped:
						state = "skipped"
					case strings.HasSuffix(s.Output, ".html"):
						state = "report " + s.Output
					}
					fmt.Fprintf(e.stderr, "  %-12s %s (%.2fs)\n", s.ID, state, s.Seconds)
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "hunt %s: %s", f.Name, dir)
			if r.Report != "" {
				fmt.Fprintf(e.stdout, ", report %s", r.Report)
			}
			fmt.Fprintln(e.stdout)
			return nil
		},
	}
	runCmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter, name=value (repeatable)")
	runCmd.Flags().StringVar(&dir, "dir", "", "directory for the run's outputs (default: hunts/NAME/TIME in the data directory)")
	runCmd.Flags().Var(&maxBytes, "max-bytes", "largest output one step may write (default 512MiB)")

	check := &cobra.Command{
		Use:   "check FILE.yaml…",
		Short: "Validate hunt files and show their parameters and steps",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return e.checkFiles(args, "hunt files", func(path string) (string, error) {
				f, err := readHunt(path)
				if err != nil {
					return "", err
				}
				return f.Summary(), nil
			})
		},
	}

	runs := &cobra.Command{
		Use:   "runs [DIR]",
		Short: "List the hunt runs kept in DIR (default: the data directory's hunts/)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			root := filepath.Join(e.dataDir(), "hunts")
			if len(args) == 1 {
				root = args[0]
			}
			list, err := listHuntRuns(root)
			if err != nil {
				return err
			}
			recs := make([]record.Record, 0, len(list))
			for _, r := range list {
				p, _ := json.Marshal(r.Params)
				state := "ok"
				if r.Error != "" {
					state = r.Error
				}
				recs = append(recs, record.New(
					record.Field{Name: "hunt", Value: record.String(r.Hunt)},
					record.Field{Name: "started", Value: record.Time(r.Started)},
					record.Field{Name: "parameters", Value: record.String(string(p))},
					record.Field{Name: "records", Value: record.String(r.Records)},
					record.Field{Name: "report", Value: record.String(r.Report)},
					record.Field{Name: "state", Value: record.String(state)}))
			}
			return e.emit(streamOf(recs))
		},
	}
	cmd.AddCommand(runCmd, check, runs)
	return cmd
}

// listHuntRuns reads every run.json under root, oldest first.
func listHuntRuns(root string) ([]huntRun, error) {
	out := []huntRun{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) && p == root {
			return filepath.SkipAll
		}
		if err != nil || d.IsDir() || d.Name() != "run.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r huntRun
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, r)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	return out, err
}

// huntScheduler loads the hunt files of dir that have a schedule; each run goes to hunts/NAME/TIME-N in the data
// directory.
func (e *env) huntScheduler(dir string, log *slog.Logger) (*hunt.Scheduler, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	if err != nil {
		return nil, err
	}
	s := &hunt.Scheduler{}
	files := map[*hunt.File]string{}
	for _, p := range paths {
		f, err := readHunt(p)
		if err != nil {
			return nil, err
		}
		if f.Schedule != nil {
			s.Files = append(s.Files, f)
			files[f] = p
		}
	}
	n := 0
	s.Run = func(_ context.Context, f *hunt.File, params map[string]string) {
		n++
		dir := filepath.Join(e.dataDir(), "hunts", f.Name, fmt.Sprintf("%s-%d", time.Now().UTC().Format("20060102T150405Z"), n))
		r, err := e.runHunt(f, files[f], params, dir, DefaultHuntMaxBytes)
		if err != nil {
			log.Error("scheduled hunt", "hunt", f.Name, "dir", dir, "error", err.Error())
			return
		}
		log.Info("scheduled hunt", "hunt", f.Name, "dir", dir, "report", r.Report)
	}
	log.Info("hunts", "scheduled", len(s.Files), "dir", dir)
	return s, nil
}
