package cli

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store"
)

// journalKey reads the secret that keys incident journals ($HUNCH_JOURNAL_KEY_FILE, or journal.key in the data
// directory, made with 32 random bytes on first use). Every process writing one store must share it.
func (e *env) journalKey() ([]byte, error) {
	path := e.getenv("HUNCH_JOURNAL_KEY_FILE")
	if path == "" {
		path = filepath.Join(e.dataDir(), "journal.key")
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := makeKeyFile(path); err != nil {
			return nil, fmt.Errorf("journal key %s: %w", path, err)
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("journal key %s: %w", path, err)
	}
	key := strings.TrimSpace(string(b))
	if len(key) < 32 {
		return nil, fmt.Errorf("journal key %s: shorter than 32 characters", path)
	}
	return []byte(key), nil
}

// makeKeyFile writes 32 random bytes, hex-encoded, to a new file only its owner can read (another process
// making it at the same moment is fine: the first one's key stands).
func makeKeyFile(path string) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// withIncidents opens the store and the journal key for fn.
func (e *env) withIncidents(db string, fn func(*automation.Incidents) error) error {
	dsn, err := e.intelDB(db)
	if err != nil {
		return err
	}
	key, err := e.journalKey()
	if err != nil {
		return err
	}
	st, err := e.openStore(dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(&automation.Incidents{Store: st, Chain: journal.Chain{Key: key}})
}

func incidentRecord(inc *store.Incident) record.Record {
	return record.New(
		record.Field{Name: "id", Value: record.Int(inc.ID)},
		record.Field{Name: "name", Value: record.String(inc.Name)},
		record.Field{Name: "type", Value: record.String(inc.Type)},
		record.Field{Name: "severity", Value: record.String(automation.SeverityName(inc.Severity))},
		record.Field{Name: "status", Value: record.String(inc.Status)},
		record.Field{Name: "owner", Value: record.String(inc.Owner)},
		record.Field{Name: "labels", Value: record.Strings(inc.Labels...)},
		record.Field{Name: "created", Value: record.Time(inc.Created)},
		record.Field{Name: "updated", Value: record.Time(inc.Updated)},
		record.Field{Name: "journal_entries", Value: record.Int(inc.JournalCount)},
	)
}

func journalRecord(e store.JournalEntry) record.Record {
	return record.New(
		record.Field{Name: "incident", Value: record.Int(e.IncidentID)},
		record.Field{Name: "seq", Value: record.Int(e.Seq)},
		record.Field{Name: "time", Value: record.Time(e.Time)},
		record.Field{Name: "kind", Value: record.String(e.Kind)},
		record.Field{Name: "actor", Value: record.String(e.Actor)},
		record.Field{Name: "body", Value: record.String(string(e.Body))},
		record.Field{Name: "prev", Value: record.String(e.Prev)},
		record.Field{Name: "hash", Value: record.String(e.Hash)},
	)
}

func incidentID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, usagef("incident %q: want its number", s)
	}
	return id, nil
}

// actorName is who the CLI acts as: $HUNCH_ACTOR, else $USER, else "cli".
func (e *env) actorName() string {
	for _, k := range []string{"HUNCH_ACTOR", "USER"} {
		if v := e.getenv(k); v != "" {
			return "cli:" + v
		}
	}
	return "cli"
}

func newIncidentCmd(e *env) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Open incidents, keep their tamper-evident journals, and verify them",
		Long: `incident keeps cases in the store (the embedded SQLite file, or PostgreSQL with --db) with a journal
of everything done on them: opening, status, severity and owner changes, notes. Each journal entry holds
the HMAC-SHA256 of itself and the entry before it, keyed with a secret kept outside the database
($HUNCH_JOURNAL_KEY_FILE, default journal.key in the data directory, made on first use; every process
writing the same store must share it). 'incident verify' names every entry that was modified, removed,
inserted, moved, or cut off the end.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&db, "db", "", "store: a postgres:// URL (default: the embedded SQLite store in the data directory)")

	var (
		inc      store.Incident
		severity string
	)
	newCmd := &cobra.Command{
		Use:   "new --name NAME",
		Short: "Open an incident",
		Args:  noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			sev, err := automation.ParseSeverity(severity)
			if err != nil {
				return usageError{err}
			}
			inc.Severity = sev
			if strings.TrimSpace(inc.Name) == "" {
				return usagef("--name is required")
			}
			return e.withIncidents(db, func(s *automation.Incidents) error {
				if err := s.Open(e.ctx, &inc, e.actorName()); err != nil {
					return err
				}
				got, err := s.Store.Incident(e.ctx, inc.ID)
				if err != nil {
					return err
				}
				return e.emit(streamOf([]record.Record{incidentRecord(got)}))
			})
		},
	}
	fl := newCmd.Flags()
	fl.StringVar(&inc.Name, "name", "", "what happened (required)")
	fl.StringVar(&inc.Type, "type", "", "incident type, e.g. Malware, Phishing, Access")
	fl.StringVar(&severity, "severity", "unknown", "unknown, info, low, medium, high, critical (or 0, 0.5, 1–4)")
	fl.StringVar(&inc.Status, "status", "pending", "pending, active, done, archived, on hold")
	fl.StringVar(&inc.Owner, "owner", "", "who has it")
	fl.StringSliceVar(&inc.Labels, "label", nil, "labels (repeatable, comma-separated)")

	var f store.IncidentFilter
	list := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first",
		Args:  noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return e.withIncidents(db, func(s *automation.Incidents) error {
				incs, err := s.Store.ListIncidents(e.ctx, f)
				if err != nil {
					return err
				}
				recs := make([]record.Record, len(incs))
				for i := range incs {
					recs[i] = incidentRecord(&incs[i])
				}
				return e.emit(streamOf(recs))
			})
		},
	}
	list.Flags().StringVar(&f.Status, "status", "", "only incidents with this status")
	list.Flags().IntVar(&f.Limit, "limit", 0, "at most this many (0: all)")

	show := &cobra.Command{
		Use:   "journal ID",
		Short: "Write an incident's journal, one record per entry (an export with every hash)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := incidentID(args[0])
			if err != nil {
				return err
			}
			return e.withIncidents(db, func(s *automation.Incidents) error {
				es, err := s.Store.Journal(e.ctx, id)
				if err != nil {
					return err
				}
				recs := make([]record.Record, len(es))
				for i, x := range es {
					recs[i] = journalRecord(x)
				}
				return e.emit(streamOf(recs))
			})
		},
	}

	note := &cobra.Command{
		Use:   "note ID TEXT...",
		Short: "Add a note to an incident's journal",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := incidentID(args[0])
			if err != nil {
				return err
			}
			return e.withIncidents(db, func(s *automation.Incidents) error {
				x, err := s.Note(e.ctx, id, e.actorName(), strings.Join(args[1:], " "))
				if err != nil {
					return err
				}
				return e.emit(streamOf([]record.Record{journalRecord(x)}))
			})
		},
	}

	var status, sev, owner string
	set := &cobra.Command{
		Use:   "set ID [--status S] [--severity S] [--owner O]",
		Short: "Change an incident's status, severity or owner (journaled, from and to)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := incidentID(args[0])
			if err != nil {
				return err
			}
			var ch automation.Change
			if cmd.Flags().Changed("status") {
				ch.Status = &status
			}
			if cmd.Flags().Changed("severity") {
				v, err := automation.ParseSeverity(sev)
				if err != nil {
					return usageError{err}
				}
				ch.Severity = &v
			}
			if cmd.Flags().Changed("owner") {
				ch.Owner = &owner
			}
			return e.withIncidents(db, func(s *automation.Incidents) error {
				got, err := s.Update(e.ctx, id, e.actorName(), ch)
				if err != nil {
					return err
				}
				return e.emit(streamOf([]record.Record{incidentRecord(got)}))
			})
		},
	}
	set.Flags().StringVar(&status, "status", "", "pending, active, done, archived, on hold")
	set.Flags().StringVar(&sev, "severity", "", "unknown, info, low, medium, high, critical")
	set.Flags().StringVar(&owner, "owner", "", "who has it")

	verify := &cobra.Command{
		Use:   "verify ID...",
		Short: "Check incidents' journals against their hash chains; exit 1 naming every tampered entry",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			bad := 0
			err := e.withIncidents(db, func(s *automation.Incidents) error {
				for _, a := range args {
					id, err := incidentID(a)
					if err != nil {
						return err
					}
					n, problems, err := s.Verify(e.ctx, id)
					if err != nil {
						return err
					}
					if len(problems) == 0 {
						fmt.Fprintf(e.stdout, "incident %d: journal intact, %d entries\n", id, n)
						continue
					}
					bad++
					fmt.Fprintf(e.stdout, "incident %d: journal TAMPERED, %d problems in %d entries\n", id, len(problems), n)
					for _, p := range problems {
						fmt.Fprintf(e.stdout, "  %s\n", p)
					}
				}
				return nil
			})
			if err == nil && bad > 0 {
				return fmt.Errorf("%d of %d journals failed verification", bad, len(args))
			}
			return err
		},
	}
	cmd.AddCommand(newCmd, list, show, note, set, verify, newIncidentIngestCmd(e, &db), newIncidentReportCmd(e, &db), newIncidentEvidenceCmd(e, &db),
		newIncidentSummaryCmd(e, &db))
	return cmd
}

func newIncidentIngestCmd(e *env, db *string) *cobra.Command {
	var (
		format string
		m      automation.Mapping
		each   bool
		books  string
	)
	cmd := &cobra.Command{
		Use:   "ingest [FILE]",
		Short: "Turn a SIEM alert (Splunk webhook, Sentinel incident, any JSON) into an incident, or merge it into one",
		Long: `ingest reads one alert payload (a file, or standard input) and opens an incident for it, or — when an
open incident already carries the alert's key (the same Splunk search, the same Sentinel incident
number, or --key for JSON) — journals it into that incident, raising its severity when the alert is
worse. The payload and every indicator found in it are journaled. --format splunk reads the webhook
alert action's payload; sentinel a Sentinel incident as its automation trigger sends it; json any
object, through --name, --type, --severity, --key and --label paths ("alert.rule.name"). With --each
the input is one alert per line (NDJSON: a query's or a hunt's records), each ingested in turn.
A new incident starts the playbooks of the library (--playbooks) it triggers; 'hunch serve' (or
'hunch playbook run') drives them.`,
		Example: `  hunch incident ingest --format splunk alert.json
  curl -s https://edr.example/api/alerts/42 | hunch incident ingest --format json --name rule.name --key rule.id --severity level`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if !slices.Contains(automation.AlertFormats, format) {
				return usagef("--format %q: want %s", format, strings.Join(automation.AlertFormats, ", "))
			}
			var r io.Reader = e.stdin
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			var payloads [][]byte
			if each {
				sc := bufio.NewScanner(r)
				sc.Buffer(make([]byte, 64<<10), automation.MaxAlertBytes+1)
				for sc.Scan() {
					if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
						payloads = append(payloads, bytes.Clone(line))
					}
				}
				if err := sc.Err(); err != nil {
					return fmt.Errorf("reading alerts: %w", err)
				}
			} else {
				payload, err := io.ReadAll(io.LimitReader(r, automation.MaxAlertBytes+1))
				if err != nil {
					return err
				}
				payloads = [][]byte{payload}
			}
			alerts := make([]automation.Alert, len(payloads))
			for i, p := range payloads {
				a, err := automation.ParseAlert(format, p, m)
				if err != nil {
					if each {
						return fmt.Errorf("alert %d: %w", i+1, err)
					}
					return err
				}
				alerts[i] = a
			}
			kit, err := e.openAutomation(*db, nil, e.playbookDir(books))
			if err != nil {
				return err
			}
			defer kit.close()
			var out []record.Record
			for _, a := range alerts {
				inc, merged, err := kit.incidents.Ingest(e.ctx, a, "ingest:"+format)
				if err != nil {
					return err
				}
				var runs []string
				if !merged {
					var payload any
					json.Unmarshal(a.Payload, &payload)
					started, err := kit.engine.Triggered(e.ctx, inc, payload, "ingest:"+format)
					if err != nil {
						return err
					}
					for _, r := range started {
						runs = append(runs, strconv.FormatInt(r.ID, 10))
					}
				}
				rec := incidentRecord(inc)
				rec.Append("merged", record.Bool(merged))
				rec.Append("indicators", record.Int(int64(len(a.Indicators))))
				rec.Append("runs", record.Strings(runs...))
				out = append(out, rec)
			}
			return e.emit(streamOf(out))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&format, "format", "", "payload format: splunk, sentinel or json (required)")
	fl.StringVar(&m.Name, "name", "", "json: path of the alert's name")
	fl.StringVar(&m.Type, "type", "", "json: path of its type")
	fl.StringVar(&m.Severity, "severity", "", "json: path of its severity")
	fl.StringVar(&m.Key, "key", "", "json: path of the key that merges alerts into one incident")
	fl.StringSliceVar(&m.Labels, "label", nil, "json: paths of labels (repeatable)")
	fl.BoolVar(&each, "each", false, "one alert per input line (NDJSON)")
	fl.StringVar(&books, "playbooks", "", "playbook library whose triggers new incidents start (default: $HUNCH_PLAYBOOKS or the data directory's playbooks/)")
	return cmd
}

// slaPolicy is the configuration's SLA policy, or the default one.
func (e *env) slaPolicy() automation.SLAPolicy {
	if e.cfg != nil && e.cfg.Automation.SLA != nil {
		return *e.cfg.Automation.SLA
	}
	return automation.DefaultSLAPolicy
}
