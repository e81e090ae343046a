package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/store"
)

// roleNames maps the --role names to MISP's default role ids.
var roleNames = []struct {
	name string
	id   int64
}{
	{"admin", acl.RoleAdmin}, {"orgadmin", acl.RoleOrgAdmin}, {"user", acl.RoleUser},
	{"publisher", acl.RolePublisher}, {"sync", acl.RoleSyncUser}, {"readonly", acl.RoleReadOnly},
}

// parseRole reads a --role value: a name (admin, orgadmin, user, publisher, sync, readonly, also
// MISP's "Org Admin", "Sync user", "Read Only") or a role id.
func parseRole(s string) (int64, error) {
	key := strings.NewReplacer(" ", "", "_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	key = strings.TrimSuffix(key, "user")
	if key == "" {
		key = "user"
	}
	for _, r := range roleNames {
		if key == r.name || key == strings.TrimSuffix(r.name, "user") {
			return r.id, nil
		}
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil {
		if _, ok := intel.Role(id); ok {
			return id, nil
		}
	}
	names := make([]string, len(roleNames))
	for i, r := range roleNames {
		names[i] = r.name
	}
	return 0, usagef("--role %q: want one of %s, or a role id 1-6", s, strings.Join(names, ", "))
}

// dbFlag is the --db flag of the verbs that open the intel store.
func dbFlag(cmd *cobra.Command, db *string) {
	cmd.Flags().StringVar(db, "db", "", "postgres:// URL of the intel store (default: SQLite in the data directory)")
}

// withIntel runs fn with the intel service over the store named by db open.
func (e *env) withIntel(db string, fn func(svc *intel.Service) error) error {
	dsn, err := e.intelDB(db)
	if err != nil {
		return err
	}
	svc, closeStore, err := e.openIntel(dsn)
	if err != nil {
		return err
	}
	defer closeStore()
	return fn(svc)
}

func newOrgCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Add and list the intel store's organisations"}
	var db, uuid string
	var local bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add an organisation (--local: one with users on this instance)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				o := &misp.Organisation{Name: args[0], UUID: uuid, Local: misp.FlexBool(local)}
				if err := svc.AddOrg(e.ctx, intel.System, o); err != nil {
					return fmt.Errorf("adding organisation %q: %w", args[0], err)
				}
				fmt.Fprintf(e.stdout, "%d\t%s\t%s\n", o.ID, o.UUID, o.Name)
				return nil
			})
		},
	}
	dbFlag(add, &db)
	add.Flags().StringVar(&uuid, "uuid", "", "the organisation's uuid (default: a new one)")
	add.Flags().BoolVar(&local, "local", false, "the organisation has users on this instance")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the organisations",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				orgs, err := svc.Store().ListOrgs(e.ctx)
				if err != nil {
					return fmt.Errorf("listing organisations: %w", err)
				}
				return e.emit(func(yield func(record.Record, error) bool) {
					for _, o := range orgs {
						r := record.New(
							record.Field{Name: "id", Value: record.Int(int64(o.ID))},
							record.Field{Name: "name", Value: record.String(o.Name)},
							record.Field{Name: "uuid", Value: record.String(o.UUID)},
							record.Field{Name: "local", Value: record.Bool(bool(o.Local))},
							record.Field{Name: "created", Value: record.String(o.DateCreated)},
						)
						if !yield(r, nil) {
							return
						}
					}
				})
			})
		},
	}
	dbFlag(list, &db)
	cmd.AddCommand(add, list)
	return cmd
}

func newUserCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Add and list the intel store's users (API keys are printed once)"}
	var db, org, role string
	add := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Add a user to an organisation and print its new API key, alone on one line",
		Long: `add creates a user of organisation --org (name or id) with role --role (admin, orgadmin, user,
publisher, sync, readonly or a role id) and prints the user's API key on stdout, alone on its line,
so that a script can capture it. The key is stored hashed: it is shown only this once.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if org == "" {
				return usagef("--org is required (an organisation name or id)")
			}
			roleID, err := parseRole(role)
			if err != nil {
				return err
			}
			return e.withIntel(db, func(svc *intel.Service) error {
				o, err := findOrg(e, svc, org)
				if err != nil {
					return err
				}
				nu := &misp.User{Email: args[0], OrgID: o.ID, RoleID: misp.FlexInt(roleID)}
				key, err := svc.AddUser(e.ctx, intel.System, nu)
				if err != nil {
					return fmt.Errorf("adding user %s: %w", args[0], err)
				}
				if !bool(o.Local) {
					o.Local = true
					if err := svc.Store().UpdateOrg(e.ctx, o); err != nil {
						return fmt.Errorf("marking organisation %q local: %w", o.Name, err)
					}
				}
				e.log.Info("user added", "id", int64(nu.ID), "email", nu.Email, "org", o.Name, "role", roleID)
				fmt.Fprintln(e.stdout, key)
				return nil
			})
		},
	}
	dbFlag(add, &db)
	add.Flags().StringVar(&org, "org", "", "the user's organisation: name or id (required)")
	add.Flags().StringVar(&role, "role", "user", "role: admin, orgadmin, user, publisher, sync, readonly, or an id")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the users (of --org when given)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withIntel(db, func(svc *intel.Service) error {
				var orgID int64
				if org != "" {
					o, err := findOrg(e, svc, org)
					if err != nil {
						return err
					}
					orgID = int64(o.ID)
				}
				users, err := svc.Store().ListUsers(e.ctx, orgID)
				if err != nil {
					return fmt.Errorf("listing users: %w", err)
				}
				orgs, err := svc.Store().ListOrgs(e.ctx)
				if err != nil {
					return fmt.Errorf("listing organisations: %w", err)
				}
				orgName := map[misp.FlexInt]string{}
				for _, o := range orgs {
					orgName[o.ID] = o.Name
				}
				return e.emit(func(yield func(record.Record, error) bool) {
					for _, u := range users {
						roleName := ""
						if r, ok := intel.Role(int64(u.RoleID)); ok {
							roleName = r.Name
						}
						r := record.New(
							record.Field{Name: "id", Value: record.Int(int64(u.ID))},
							record.Field{Name: "email", Value: record.String(u.Email)},
							record.Field{Name: "org", Value: record.String(orgName[u.OrgID])},
							record.Field{Name: "role", Value: record.String(roleName)},
							record.Field{Name: "disabled", Value: record.Bool(bool(u.Disabled))},
						)
						if !yield(r, nil) {
							return
						}
					}
				})
			})
		},
	}
	dbFlag(list, &db)
	list.Flags().StringVar(&org, "org", "", "only this organisation's users: name or id")
	cmd.AddCommand(add, list)
	cmd.AddCommand(newUserPasswdCmd(e))
	return cmd
}

// findOrg finds the organisation named (or numbered) ref.
func findOrg(e *env, svc *intel.Service, ref string) (*misp.Organisation, error) {
	o, err := svc.Store().OrgByName(e.ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
			o, err = svc.Store().Org(e.ctx, id)
		} else if misp.ValidUUID(ref) {
			o, err = svc.Store().OrgByUUID(e.ctx, ref)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no organisation %q (see 'hunch org list'; add one with 'hunch org add')", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up organisation %q: %w", ref, err)
	}
	return o, nil
}

// exactArgs is cobra.ExactArgs as a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
