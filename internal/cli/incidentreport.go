package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/incidentreport"
	"github.com/hunchsec/hunch/siem"
)

func newIncidentReportCmd(e *env, db *string) *cobra.Command {
	var (
		out     string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "report N -o FILE.html|FILE.pdf",
		Short: "Write an incident's report: summary, journal, indicators with verdicts, evidence, playbook runs",
		Long: `report writes one self-contained HTML file, or a PDF of it when FILE ends in .pdf. The PDF is
printed by headless Chromium (chromium, chromium-browser or google-chrome on the PATH, or the
program named by $HUNCH_CHROMIUM).`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := incidentID(args[0])
			if err != nil {
				return err
			}
			if out == "" {
				return usagef("-o FILE is required")
			}
			var page bytes.Buffer
			if err := e.withIncidents(*db, func(s *automation.Incidents) error {
				return incidentreport.Write(e.ctx, &page, s, e.slaPolicy(), id)
			}); err != nil {
				return err
			}
			if strings.EqualFold(filepath.Ext(out), ".pdf") {
				if err := printPDF(e.ctx, e.getenv("HUNCH_CHROMIUM"), page.Bytes(), out, timeout); err != nil {
					return err
				}
			} else if err := os.WriteFile(out, page.Bytes(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "incident %d: report written to %s\n", id, out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the report file: .html, or .pdf to print it with headless Chromium")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long Chromium may take to print the PDF")
	return cmd
}

// printPDF prints an HTML page to a PDF file with headless Chromium.
func printPDF(ctx context.Context, browser string, page []byte, out string, timeout time.Duration) error {
	if browser == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
			if p, err := exec.LookPath(name); err == nil {
				browser = p
				break
			}
		}
	}
	if browser == "" {
		return errors.New("a PDF needs headless Chromium: install chromium (or set $HUNCH_CHROMIUM), or write .html")
	}
	dir, err := os.MkdirTemp("", "hunch-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "report.html")
	if err := os.WriteFile(src, page, 0o600); err != nil {
		return err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf=" + abs, "file://" + src}
	if os.Geteuid() == 0 {
		args = append([]string{"--no-sandbox"}, args...) // Chromium refuses to run as root with its sandbox
	}
	cmd := exec.CommandContext(ctx, browser, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("chromium printing the PDF: %v: %s", err, lastLine(stderr.String()))
	}
	b, err := os.ReadFile(abs)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		return fmt.Errorf("chromium wrote no PDF to %s: %s", out, lastLine(stderr.String()))
	}
	return nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func newIncidentEvidenceCmd(e *env, db *string) *cobra.Command {
	var (
		files  []string
		values []string
	)
	cmd := &cobra.Command{
		Use:   "evidence N [--file PATH…] [--value NAME=VALUE…]",
		Short: "Keep files or values as an incident's evidence (SHA-256 journaled), or list it",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := incidentID(args[0])
			if err != nil {
				return err
			}
			return e.withIncidents(*db, func(s *automation.Incidents) error {
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						return err
					}
					ev, err := s.AddEvidence(e.ctx, id, e.actorName(), "file", filepath.Base(f), b)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "evidence %d: %s sha256 %s (journal entry %d)\n", ev.ID, ev.Name, ev.SHA256, ev.Entry)
				}
				for _, v := range values {
					name, val, ok := strings.Cut(v, "=")
					if !ok {
						return usagef("--value %q: want NAME=VALUE", v)
					}
					ev, err := s.AddEvidence(e.ctx, id, e.actorName(), "value", name, []byte(val))
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "evidence %d: %s sha256 %s (journal entry %d)\n", ev.ID, ev.Name, ev.SHA256, ev.Entry)
				}
				if len(files)+len(values) > 0 {
					return nil
				}
				list, err := s.Store.ListEvidence(e.ctx, id)
				if err != nil {
					return err
				}
				for _, ev := range list {
					fmt.Fprintf(e.stdout, "%d\t%s\t%s\t%d bytes\tsha256 %s\tby %s at %s (entry %d)\n", ev.ID, ev.Kind, ev.Name, ev.Size, ev.SHA256,
						ev.Actor, ev.Created.Format(time.RFC3339), ev.Entry)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringSliceVar(&files, "file", nil, "a file to keep (repeatable)")
	cmd.Flags().StringArrayVar(&values, "value", nil, "a value to keep, NAME=VALUE (repeatable)")
	return cmd
}

func newIncidentSummaryCmd(e *env, db *string) *cobra.Command {
	var (
		from, to, last, out string
	)
	cmd := &cobra.Command{
		Use:   "summary [--last 7d | --from T --to T] -o FILE.html|FILE.csv",
		Short: "The SOC's summary of a period: incidents by type, severity and status, time to assign and resolve, SLA breaches, top indicators",
		Long: `summary covers the incidents opened in the period (--last 7d by default; times as 'hunch query'
takes them: RFC 3339, dates, or relative such as -24h). It writes a self-contained HTML page with
charts, or, for a .csv file, one row per incident (formula-looking cells are quoted for
spreadsheets). SLA timers follow the configuration's automation.sla, or the default policy.`,
		Args: noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("-o FILE is required")
			}
			if from == "" && last == "" {
				last = "7d"
			}
			now := time.Now().UTC()
			r, err := siem.ParseRange(from, to, last, now)
			if err != nil {
				return usagef("%v", err)
			}
			var buf bytes.Buffer
			err = e.withIncidents(*db, func(s *automation.Incidents) error {
				sum, err := incidentreport.BuildSummary(e.ctx, s, e.slaPolicy(), r.From, r.To, now)
				if err != nil {
					return err
				}
				if strings.EqualFold(filepath.Ext(out), ".csv") {
					return incidentreport.SummaryCSV(&buf, sum)
				}
				return incidentreport.SummaryHTML(&buf, sum)
			})
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "summary of %s to %s written to %s\n", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339), out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "start of the period")
	fl.StringVar(&to, "to", "", "end of the period (default now)")
	fl.StringVar(&last, "last", "", "the period ending now, e.g. 24h, 7d, 1mon (default 7d)")
	fl.StringVarP(&out, "output", "o", "", "the summary file: .html or .csv")
	return cmd
}
