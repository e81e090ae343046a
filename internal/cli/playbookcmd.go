package cli

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/automation/journal"
	"github.com/hunchsec/hunch/automation/playbook"
	"github.com/hunchsec/hunch/automation/respond"
	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
	"github.com/hunchsec/hunch/siem/sentinel"
	"github.com/hunchsec/hunch/siem/splunk"
	"github.com/hunchsec/hunch/siem/template"
	"github.com/hunchsec/hunch/store"
)

// automationKit is what incident work needs: the intel service over the store, the incidents with their journal
// key, and the playbook engine with its library and built-in actions.
type automationKit struct {
	svc       *intel.Service
	incidents *automation.Incidents
	engine    *playbook.Engine
	env       playbook.Env
	// lookup is the reputation lookup (nil without engine flags): records in, verdict records out.
	lookup func(ctx context.Context, in []record.Record, onResult func(enrich.Result)) ([]record.Record, error)
	close  func()
}

// playbookDir is where the playbook library is read from: --playbooks, $HUNCH_PLAYBOOKS, or the data directory's
// playbooks/.
func (e *env) playbookDir(flag string) string {
	return firstNonEmpty(flag, e.getenv("HUNCH_PLAYBOOKS"), filepath.Join(e.dataDir(), "playbooks"))
}

// loadLibrary parses every .yaml/.yml playbook in dir; a missing directory is an empty library.
func loadLibrary(dir string, actions []string) (map[string]*playbook.Playbook, error) {
	lib := map[string]*playbook.Playbook{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return lib, nil
	}
	if err != nil {
		return nil, err
	}
	for _, en := range entries {
		ext := filepath.Ext(en.Name())
		if en.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			return nil, err
		}
		pb, err := playbook.Parse(src, actions)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", en.Name(), err)
		}
		if lib[pb.Name] != nil {
			return nil, fmt.Errorf("%s: a second playbook named %q", en.Name(), pb.Name)
		}
		lib[pb.Name] = pb
	}
	return lib, nil
}

// builtinActionNames are the actions a playbook may name.
func builtinActionNames() []string {
	names := make([]string, 0, 16)
	for n := range playbook.Builtins(playbook.Env{}) {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// openAutomation opens the store db, the journal key, the reputation lookups (ef, none when nil) and the playbook
// library dir.
func (e *env) openAutomation(db string, ef *engineFlags, dir string) (*automationKit, error) {
	dsn, err := e.intelDB(db)
	if err != nil {
		return nil, err
	}
	svc, closeIntel, err := e.openIntel(dsn)
	if err != nil {
		return nil, err
	}
	kit, err := e.automationOn(svc, ef, dir)
	if err != nil {
		closeIntel()
		return nil, err
	}
	done := kit.close
	kit.close = func() { done(); closeIntel() }
	return kit, nil
}

// automationOn builds the kit over an open intel service.
func (e *env) automationOn(svc *intel.Service, ef *engineFlags, dir string) (*automationKit, error) {
	key, err := e.journalKey()
	if err != nil {
		return nil, err
	}
	kit := &automationKit{svc: svc, close: func() {}}
	st := svc.Store()
	kit.incidents = &automation.Incidents{Store: st, Chain: journal.Chain{Key: key}}
	user := intel.System
	user.OrgID = svc.Policy().Settings().Instance.HostOrgID
	env := playbook.Env{Intel: svc, IntelUser: user, HTTP: e.httpClient(),
		Mail: playbook.Mail{Addr: e.getenv("HUNCH_SMTP_ADDR"), From: e.getenv("HUNCH_SMTP_FROM"),
			Username: e.getenv("HUNCH_SMTP_USER"), Password: e.getenv("HUNCH_SMTP_PASSWORD")}}
	env.Query = e.playbookQuery
	env.EDR = e.edrs()
	env.Directory = e.directory()
	env.SIEMUpdate = e.siemUpdate
	if ef != nil {
		lookup, done, err := e.reputer(ef, true)
		if err != nil {
			return nil, err
		}
		kit.close = done
		kit.lookup = lookup
		env.Reputation = func(ctx context.Context, inds []enrich.Indicator) ([]map[string]any, error) {
			recs, err := lookup(ctx, typedIndicatorRecords(inds), nil)
			if err != nil {
				return nil, err
			}
			out := make([]map[string]any, len(recs))
			for i, r := range recs {
				var m map[string]any
				b, _ := json.Marshal(r)
				if err := json.Unmarshal(b, &m); err != nil {
					return nil, err
				}
				out[i] = m
			}
			return out, nil
		}
	}
	kit.env = env
	kit.engine = &playbook.Engine{Incidents: kit.incidents, Runs: st, Actions: playbook.Builtins(env), Log: e.log, Owner: processOwner()}
	kit.engine.Library, err = loadLibrary(dir, kit.engine.ActionNames())
	if err != nil {
		kit.close()
		return nil, err
	}
	return kit, nil
}

// post says lines in a chat channel through the connections setChat gave.
func (k *automationKit) post(ctx context.Context, channel string, lines []string) error {
	if k.env.Chat == nil {
		return errors.New("no chat connection")
	}
	return k.env.Chat(ctx, channel, lines)
}

// setChat lets the kit's playbooks post to chat (notify, and manual tasks announced in a channel).
func (k *automationKit) setChat(post func(ctx context.Context, channel string, lines []string) error) {
	k.env.Chat = post
	k.engine.Announce = post
	k.engine.Actions["notify"] = playbook.Builtins(k.env)["notify"]
}

func typedIndicatorRecords(inds []enrich.Indicator) []record.Record {
	in := make([]record.Record, len(inds))
	for i, x := range inds {
		in[i] = record.New(record.Field{Name: pipeline.FieldValue, Value: record.String(x.Value)},
			record.Field{Name: pipeline.FieldType, Value: record.String(string(x.Type))})
	}
	return in
}

func newPlaybookCmd(e *env) *cobra.Command {
	var (
		db  string
		dir string
		ef  engineFlags
	)
	cmd := &cobra.Command{
		Use:   "playbook",
		Short: "Check and run playbooks on incidents",
		Long: `A playbook is a YAML file of tasks (see docs/automation.md, "Playbooks"). The library is
the directory --playbooks (or $HUNCH_PLAYBOOKS, or playbooks/ in the data directory); 'hunch
serve' triggers its playbooks on new incidents and resumes their runs after a restart.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&db, "db", "", "store: a postgres:// URL (default: the embedded SQLite store)")
	cmd.PersistentFlags().StringVar(&dir, "playbooks", "", "playbook library directory")

	check := &cobra.Command{
		Use:   "check FILE…",
		Short: "Validate playbooks and show their tasks",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return e.checkFiles(args, "playbooks", func(path string) (string, error) {
				src, err := os.ReadFile(path)
				if err != nil {
					return "", err
				}
				pb, err := playbook.Parse(src, builtinActionNames())
				if err != nil {
					return "", fmt.Errorf("%s: %w", path, err)
				}
				return pb.Summary(), nil
			})
		},
	}

	run := &cobra.Command{
		Use:   "run NAME|FILE --incident N",
		Short: "Run a playbook on an incident until it ends or waits for a person",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, _ := cmd.Flags().GetString("incident")
			id, err := incidentID(n)
			if err != nil {
				return err
			}
			kit, err := e.openAutomation(db, &ef, e.playbookDir(dir))
			if err != nil {
				return err
			}
			defer kit.close()
			pb := kit.engine.Library[args[0]]
			if pb == nil {
				src, err := os.ReadFile(args[0])
				if err != nil {
					return usagef("%s: neither a playbook in %s nor a readable file", args[0], e.playbookDir(dir))
				}
				if pb, err = playbook.Parse(src, kit.engine.ActionNames()); err != nil {
					return err
				}
				kit.engine.Library[pb.Name] = pb
			}
			r, err := kit.engine.Start(e.ctx, pb, id, nil, e.actorName())
			if err != nil {
				return err
			}
			if err := kit.engine.Drive(e.ctx, r.ID); err != nil {
				return err
			}
			return e.printRun(kit, r.ID)
		},
	}
	run.Flags().String("incident", "", "the incident's number (required)")
	ef.register(run)

	runs := &cobra.Command{
		Use:   "runs [--incident N]",
		Short: "List playbook runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, _ := cmd.Flags().GetString("incident")
			var id int64
			if n != "" {
				var err error
				if id, err = incidentID(n); err != nil {
					return err
				}
			}
			kit, err := e.openAutomation(db, nil, e.playbookDir(dir))
			if err != nil {
				return err
			}
			defer kit.close()
			list, err := kit.svc.Store().ListRuns(e.ctx, store.RunFilter{IncidentID: id})
			if err != nil {
				return err
			}
			for _, r := range list {
				line := fmt.Sprintf("run %d: %s on incident %d, %s", r.ID, r.Playbook, r.IncidentID, r.Status)
				if r.Error != "" {
					line += ": " + r.Error
				}
				fmt.Fprintln(e.stdout, line)
			}
			return nil
		},
	}
	runs.Flags().String("incident", "", "only this incident's runs")
	var resumeEF engineFlags
	resume := &cobra.Command{
		Use:   "resume [RUN…]",
		Short: "Drive runs that are running (started elsewhere, answered, or interrupted) here, until each ends or waits",
		Long: `resume does what 'hunch serve' does for runs of the store: every running run (or the RUNs named) is
driven in this process until it ends or waits for a person. Do not resume runs a server is driving.`,
		RunE: func(_ *cobra.Command, args []string) error {
			kit, err := e.openAutomation(db, &resumeEF, e.playbookDir(dir))
			if err != nil {
				return err
			}
			defer kit.close()
			var ids []int64
			for _, a := range args {
				id, err := strconv.ParseInt(a, 10, 64)
				if err != nil || id < 1 {
					return usagef("run %q: want its number", a)
				}
				ids = append(ids, id)
			}
			if len(ids) == 0 {
				list, err := kit.svc.Store().ListRuns(e.ctx, store.RunFilter{Status: []string{playbook.RunRunning}})
				if err != nil {
					return err
				}
				for _, r := range list {
					ids = append(ids, r.ID)
				}
			}
			var failed error
			for _, id := range ids {
				if err := kit.engine.Drive(e.ctx, id); err != nil {
					return err
				}
				if err := e.printRun(kit, id); err != nil && failed == nil {
					failed = err
				}
			}
			return failed
		},
	}
	resumeEF.register(resume)
	cmd.AddCommand(check, run, runs, resume)
	return cmd
}

// printRun writes a run's status and its tasks.
func (e *env) printRun(kit *automationKit, id int64) error {
	r, err := kit.svc.Store().PlaybookRun(e.ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "run %d: %s on incident %d, %s\n", r.ID, r.Playbook, r.IncidentID, r.Status)
	views, err := playbook.Tasks(r)
	if err != nil {
		return err
	}
	for _, v := range views {
		line := fmt.Sprintf("  %-16s %-10s %s", v.ID, v.Type, v.Status)
		if v.Branch != "" {
			line += " → " + v.Branch
		}
		if v.By != "" {
			line += " by " + v.By
		}
		if v.Error != "" {
			line += ": " + v.Error
		}
		fmt.Fprintln(e.stdout, line)
	}
	if r.Status == playbook.RunFailed {
		return fmt.Errorf("run %d failed: %s", r.ID, r.Error)
	}
	return nil
}

func newTaskCmd(e *env) *cobra.Command {
	var (
		db, dir string
		ef      engineFlags
	)
	cmd := &cobra.Command{
		Use:   "task",
		Short: "Manual playbook tasks: list what waits for a person, and answer",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&db, "db", "", "store: a postgres:// URL (default: the embedded SQLite store)")
	cmd.PersistentFlags().StringVar(&dir, "playbooks", "", "playbook library directory (for sub-playbooks)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the manual tasks waiting for an answer",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			kit, err := e.openAutomation(db, nil, e.playbookDir(dir))
			if err != nil {
				return err
			}
			defer kit.close()
			ws, err := kit.engine.Waiting(e.ctx)
			if err != nil {
				return err
			}
			for _, w := range ws {
				fmt.Fprintf(e.stdout, "run %d task %s (incident %d, %s): %s", w.Run, w.Task, w.Incident, w.Playbook, w.Prompt)
				if len(w.Options) > 0 {
					fmt.Fprintf(e.stdout, " [%s]", strings.Join(w.Options, "|"))
				}
				fmt.Fprintln(e.stdout)
			}
			return nil
		},
	}
	var (
		comment string
		wait    bool
	)
	complete := &cobra.Command{
		Use:   "complete RUN TASK [ANSWER]",
		Short: "Answer a manual task; a running 'hunch serve' continues the playbook (or --continue does it here)",
		Args:  cobra.RangeArgs(2, 3),
		RunE: func(_ *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id < 1 {
				return usagef("run %q: want its number", args[0])
			}
			answer := ""
			if len(args) == 3 {
				answer = args[2]
			}
			var efp *engineFlags
			if wait {
				efp = &ef
			}
			kit, err := e.openAutomation(db, efp, e.playbookDir(dir))
			if err != nil {
				return err
			}
			defer kit.close()
			if err := kit.engine.Complete(e.ctx, id, args[1], answer, e.actorName(), comment); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "run %d: task %s answered %q\n", id, args[1], answer)
			if wait {
				if err := kit.engine.Drive(e.ctx, id); err != nil {
					return err
				}
				return e.printRun(kit, id)
			}
			return nil
		},
	}
	complete.Flags().StringVar(&comment, "comment", "", "a comment journaled with the answer")
	complete.Flags().BoolVar(&wait, "continue", false, "continue the playbook in this process (when no server runs it)")
	ef.register(complete)
	cmd.AddCommand(list, complete)
	return cmd
}

// playbookQuery runs a playbook's query action on a configured SIEM connection.
func (e *env) playbookQuery(ctx context.Context, connection, text, last string, limit int) ([]map[string]any, error) {
	conn, ok := e.cfg.SIEM.Connections[connection]
	if !ok {
		return nil, fmt.Errorf("query: no SIEM connection %q in the configuration (siem.connections)", connection)
	}
	q := siem.Query{Text: text, Language: template.DefaultLanguage(connectionBackend(conn.Kind)), Limit: limit}
	if last != "" {
		r, err := siem.ParseRange("", "", last, time.Now())
		if err != nil {
			return nil, fmt.Errorf("query: last: %w", err)
		}
		q.Range = r
	}
	src, err := e.siemSource(connection)
	if err != nil {
		return nil, err
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	var out []map[string]any
	for r, err := range src.Search(ctx, q) {
		if err != nil {
			return out, err
		}
		b, err := json.Marshal(r)
		if err != nil {
			return out, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

// checkFiles validates each file with check, printing its summary or its problems; it fails when any has problems.
func (e *env) checkFiles(paths []string, what string, check func(path string) (summary string, err error)) error {
	failed := 0
	for _, p := range paths {
		sum, err := check(p)
		if err != nil {
			failed++
			fmt.Fprintln(e.stderr, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok\n%s", p, sum)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d %s have problems", failed, len(paths), what)
	}
	return nil
}

// edrs are the EDRs configured in the environment: Microsoft Defender for Endpoint ($HUNCH_MDE_TENANT_ID,
// $HUNCH_MDE_CLIENT_ID, $HUNCH_MDE_CLIENT_SECRET; $HUNCH_MDE_URL and $HUNCH_MDE_LOGIN_URL for other clouds) and
// CrowdStrike Falcon ($HUNCH_FALCON_CLIENT_ID, $HUNCH_FALCON_CLIENT_SECRET; $HUNCH_FALCON_URL for other clouds).
func (e *env) edrs() map[string]respond.EDR {
	out := map[string]respond.EDR{}
	if id := e.getenv("HUNCH_MDE_CLIENT_ID"); id != "" {
		out["mde"] = &respond.MDE{BaseURL: e.getenv("HUNCH_MDE_URL"), LoginURL: e.getenv("HUNCH_MDE_LOGIN_URL"),
			TenantID: e.getenv("HUNCH_MDE_TENANT_ID"), ClientID: id, ClientSecret: e.getenv("HUNCH_MDE_CLIENT_SECRET"), HTTP: e.httpClient()}
	}
	if id := e.getenv("HUNCH_FALCON_CLIENT_ID"); id != "" {
		out["crowdstrike"] = &respond.Falcon{BaseURL: e.getenv("HUNCH_FALCON_URL"), ClientID: id,
			ClientSecret: e.getenv("HUNCH_FALCON_CLIENT_SECRET"), HTTP: e.httpClient()}
	}
	return out
}

// directory is the LDAP directory configured in the environment: $HUNCH_LDAP_URL (ldap:// or ldaps://),
// $HUNCH_LDAP_BIND_DN, $HUNCH_LDAP_PASSWORD, $HUNCH_LDAP_BASE_DN; nil without a URL.
func (e *env) directory() *respond.LDAP {
	u := e.getenv("HUNCH_LDAP_URL")
	if u == "" {
		return nil
	}
	return &respond.LDAP{URL: u, BindDN: e.getenv("HUNCH_LDAP_BIND_DN"), Password: e.getenv("HUNCH_LDAP_PASSWORD"), BaseDN: e.getenv("HUNCH_LDAP_BASE_DN")}
}

// splunkStatuses are Splunk ES's notable statuses by name.
var splunkStatuses = map[string]int{"new": 1, "in progress": 2, "pending": 3, "resolved": 4, "closed": 5}

// siemUpdate changes a Splunk ES notable or a Sentinel incident on a configured connection.
func (e *env) siemUpdate(ctx context.Context, connection, id string, ch playbook.SIEMChange) (map[string]any, error) {
	conn, ok := e.cfg.SIEM.Connections[connection]
	if !ok {
		return nil, fmt.Errorf("siem_update: no SIEM connection %q in the configuration", connection)
	}
	switch conn.Kind {
	case "splunk":
		cfg, err := decodeSplunk(conn)
		if err != nil {
			return nil, err
		}
		c, err := splunk.New(cfg, e.getenv)
		if err != nil {
			return nil, err
		}
		u := splunk.NotableUpdate{RuleUIDs: []string{id}, Owner: ch.Owner, Comment: ch.Comment, Urgency: strings.ToLower(ch.Severity)}
		if ch.Status != "" {
			n, ok := splunkStatuses[strings.ToLower(ch.Status)]
			if !ok {
				if n, _ = strconv.Atoi(ch.Status); n == 0 {
					return nil, fmt.Errorf("siem_update: Splunk status %q: want new, in progress, pending, resolved, closed or a number", ch.Status)
				}
			}
			u.Status = n
		}
		r, err := c.UpdateNotables(ctx, u)
		if err != nil {
			return nil, err
		}
		return map[string]any{"siem": "splunk", "id": id, "message": r.Message}, nil
	case "sentinel":
		cfg, err := decodeSentinel(conn)
		if err != nil {
			return nil, err
		}
		s, err := sentinel.NewIncidents(cfg, e.getenv, e.sentinelOptions()...)
		if err != nil {
			return nil, err
		}
		out, err := s.Update(ctx, id, sentinel.IncidentUpdate{Status: ch.Status, Owner: ch.Owner, Comment: ch.Comment, Severity: ch.Severity,
			Classification: ch.Classification})
		if err != nil {
			return nil, err
		}
		props, _ := out["properties"].(map[string]any)
		return map[string]any{"siem": "sentinel", "id": id, "status": props["status"], "incident_number": props["incidentNumber"]}, nil
	}
	return nil, fmt.Errorf("siem_update: connection %s is %s; incidents are updated on splunk (ES) and sentinel", connection, conn.Kind)
}

// processOwner names this process among those driving playbook runs of one store: host, pid and a random part.
func processOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%x", host, os.Getpid(), b)
}
