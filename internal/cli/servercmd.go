package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/enrich/providers"
	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/record"
)

// serverKeyFile is the file that seals sync servers' remote keys: $HUNCH_SERVER_KEY_FILE, or server.key in the
// data directory (made, 0600, on first use).
func (e *env) serverKeyFile() string {
	if p := e.getenv("HUNCH_SERVER_KEY_FILE"); p != "" {
		return p
	}
	return filepath.Join(e.dataDir(), "server.key")
}

func newIntelServerCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "server", Short: "Add, list, pull from and push to the MISP or hunch instances this one syncs with"}
	var db string

	var name, url, remoteOrg, authkey string
	var push, pull, selfSigned, internal bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a sync server (its API key is stored sealed, never shown again in full)",
		Long: `add stores a remote instance to synchronise with: --url, --name, --remote-org (the organisation that
runs it, by name or id, an organisation of this instance) and --authkey, the key of a sync user there,
written as env:NAME or file:PATH (or the key itself, which then shows in the process list and shell history).
The key is sealed with AES-256-GCM under the key file $HUNCH_SERVER_KEY_FILE (default: server.key in the
data directory, made 0600 on first use).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" || remoteOrg == "" || authkey == "" {
				return usagef("--url, --remote-org and --authkey are required")
			}
			key, err := providers.Secret(authkey).Resolve(e.getenv)
			if err != nil {
				return usagef("--authkey: %v", err)
			}
			if name == "" {
				name = url
			}
			return e.withIntel(db, func(svc *intel.Service) error {
				o, err := findOrg(e, svc, remoteOrg)
				if err != nil {
					return err
				}
				sv := &misp.Server{Name: name, URL: url, Authkey: key, RemoteOrgID: o.ID, Push: misp.FlexBool(push),
					Pull: misp.FlexBool(pull), SelfSigned: misp.FlexBool(selfSigned), Internal: misp.FlexBool(internal)}
				saved, err := svc.AddServer(e.ctx, intel.System, sv)
				if err != nil {
					return fmt.Errorf("adding server %q: %w", name, err)
				}
				fmt.Fprintf(e.stdout, "%d\t%s\t%s\n", saved.ID, saved.Name, saved.URL)
				return nil
			})
		},
	}
	dbFlag(add, &db)
	fl := add.Flags()
	fl.StringVar(&name, "name", "", "the server's name (default: its url)")
	fl.StringVar(&url, "url", "", "the remote instance's base URL (required)")
	fl.StringVar(&remoteOrg, "remote-org", "", "the organisation that runs it: name or id (required)")
	fl.StringVar(&authkey, "authkey", "", "the remote sync user's API key: env:NAME, file:PATH or the key (required)")
	fl.BoolVar(&push, "push", false, "allow pushing to it")
	fl.BoolVar(&pull, "pull", false, "allow pulling from it")
	fl.BoolVar(&selfSigned, "self-signed", false, "accept its certificate without verifying it")
	fl.BoolVar(&internal, "internal", false, "an instance of the host organisation: nothing is downgraded")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the sync servers with their saved progress (keys are not shown)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				rows, err := svc.ServerRows(e.ctx, intel.System)
				if err != nil {
					return fmt.Errorf("listing servers: %w", err)
				}
				return e.emit(func(yield func(record.Record, error) bool) {
					for _, r := range rows {
						remote := ""
						if r.RemoteOrg != nil {
							remote = r.RemoteOrg.Name
						}
						rec := record.New(
							record.Field{Name: "id", Value: record.Int(int64(r.Server.ID))},
							record.Field{Name: "name", Value: record.String(r.Server.Name)},
							record.Field{Name: "url", Value: record.String(r.Server.URL)},
							record.Field{Name: "remote_org", Value: record.String(remote)},
							record.Field{Name: "push", Value: record.Bool(bool(r.Server.Push))},
							record.Field{Name: "pull", Value: record.Bool(bool(r.Server.Pull))},
							record.Field{Name: "last_pushed_id", Value: record.Int(int64(r.Server.LastPushedID))},
							record.Field{Name: "last_pulled_id", Value: record.Int(int64(r.Server.LastPulledID))},
						)
						if !yield(rec, nil) {
							return
						}
					}
				})
			})
		},
	}
	dbFlag(list, &db)
	cmd.AddCommand(add, list, newServerSyncCmd(e, "pull"), newServerSyncCmd(e, "push"))
	return cmd
}

// newServerSyncCmd is `hunch intel server pull|push ID [TECHNIQUE]`.
func newServerSyncCmd(e *env, action string) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   action + " ID [full|incremental|EVENT]",
		Short: "Run a " + action + " with sync server ID now and print what it did",
		Long: action + ` synchronises with server ID: full (the default) considers every event, incremental starts
after the progress saved by the last run, and an event id or uuid syncs that one event. Only published events
travel, as the distribution rules and the server's rules allow; events the other side holds at the same or a
newer timestamp are skipped, so a run stopped half-way can simply be run again. It prints the result as JSON
and exits 3 when some events failed.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usagef("%s takes a server id and an optional technique, got %d argument(s)", cmd.CommandPath(), len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usagef("server id %q: want a positive number", args[0])
			}
			technique := ""
			if len(args) == 2 {
				technique = args[1]
			}
			return e.withIntel(db, func(svc *intel.Service) error {
				start := time.Now()
				var res *intel.SyncResult
				if action == "pull" {
					res, err = svc.PullServer(e.ctx, intel.System, id, technique)
				} else {
					res, err = svc.PushServer(e.ctx, intel.System, id, technique)
				}
				if res != nil {
					el := time.Since(start)
					e.log.Info(action+" finished", "server", res.Server, "events", len(res.Done),
						"attributes", res.Attributes, "up_to_date", res.UpToDate, "failed", len(res.Failed),
						"seconds", el.Seconds())
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					if werr := enc.Encode(res); werr != nil && err == nil {
						err = werr
					}
				}
				if err != nil {
					return fmt.Errorf("%s server %d: %w", action, id, err)
				}
				if len(res.Failed) > 0 {
					for uuid, why := range res.Failed {
						fmt.Fprintf(e.stderr, "hunch: %s %s: %s\n", action, uuid, why)
					}
					return errPartial
				}
				return nil
			})
		},
	}
	dbFlag(cmd, &db)
	return cmd
}

// syncLoop runs, every every (never when every is not positive) until ctx ends, a full pull from each sync
// server that allows pulls and a full push to each that allows pushes, in the servers' priority order, and logs
// what each did. Loop prevention by uuid and timestamp keeps a run that has nothing new to a few requests.
func syncLoop(ctx context.Context, svc *intel.Service, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		syncOnce(ctx, svc, log)
	}
}

// syncOnce is one round of syncLoop.
func syncOnce(ctx context.Context, svc *intel.Service, log *slog.Logger) {
	servers, err := svc.Store().ListServers(ctx)
	if err != nil {
		log.Error("scheduled sync: listing servers", "error", err.Error())
		return
	}
	for _, sv := range servers {
		for _, dir := range []struct {
			name string
			on   bool
			run  func(context.Context, acl.User, int64, string) (*intel.SyncResult, error)
		}{{"pull", bool(sv.Pull), svc.PullServer}, {"push", bool(sv.Push), svc.PushServer}} {
			if !dir.on || ctx.Err() != nil {
				continue
			}
			res, err := dir.run(ctx, intel.System, int64(sv.ID), intel.TechniqueFull)
			attrs := []any{"server", sv.Name, "direction", dir.name}
			if res != nil {
				attrs = append(attrs, "events", len(res.Done), "attributes", res.Attributes, "up_to_date", res.UpToDate,
					"failed", len(res.Failed), "progress", res.Progress)
			}
			if err != nil {
				log.Warn("scheduled sync failed", append(attrs, "error", err.Error())...)
				continue
			}
			log.Info("scheduled sync", attrs...)
		}
	}
}
