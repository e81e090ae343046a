package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// CreateOrg stores o and sets its id (and uuid when empty).
func (s *Store) CreateOrg(ctx context.Context, o *misp.Organisation) error {
	return s.c.Write(ctx, func(tx Querier) error { return s.CreateOrgIn(ctx, tx, o) })
}

// CreateOrgIn is CreateOrg inside the transaction tx.
func (s *Store) CreateOrgIn(ctx context.Context, tx Querier, o *misp.Organisation) error {
	return InsertOrg(ctx, tx, o, s.c.ConstraintErr)
}

// InsertOrg stores o inside the transaction tx and sets its id (and uuid when empty); constraintErr maps the
// driver's constraint failures (Conn.ConstraintErr).
func InsertOrg(ctx context.Context, tx Querier, o *misp.Organisation, constraintErr func(error) error) error {
	if o.Name == "" {
		return errors.New("create organisation: empty name")
	}
	o.UUID = UUIDOr(o.UUID)
	data, err := OrgData(o)
	if err != nil {
		return fmt.Errorf("create organisation %q: %w", o.Name, err)
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO orgs (uuid, name, local, data) VALUES (?, ?, ?, ?) RETURNING id`,
		o.UUID, o.Name, B2I(bool(o.Local)), data).Scan(&id)
	if err != nil {
		return fmt.Errorf("create organisation %q: %w", o.Name, constraintErr(err))
	}
	o.ID = misp.FlexInt(id)
	return nil
}

// one reads the single row of table that where (with one ? for key) selects, through scan; no row is
// store.ErrNotFound naming what.
func one[T any](s *Store, ctx context.Context, what, cols, table, where string, key any, scan func(Scanner) (T, error)) (T, error) {
	var zero T
	r, err := s.c.Reader()
	if err != nil {
		return zero, err
	}
	v, err := scan(r.QueryRow(ctx, `SELECT `+cols+` FROM `+table+` WHERE `+where, key))
	if errors.Is(err, ErrNoRows) {
		return zero, NotFound(what, key)
	}
	if err != nil {
		return zero, fmt.Errorf("read %s %v: %w", what, key, err)
	}
	return v, nil
}

func (s *Store) orgWhere(ctx context.Context, what string, key any, where string) (*misp.Organisation, error) {
	return one(s, ctx, what, OrgCols, "orgs", where, key, ScanOrg)
}

// Org returns the organisation with id.
func (s *Store) Org(ctx context.Context, id int64) (*misp.Organisation, error) {
	return s.orgWhere(ctx, "organisation", id, "id = ?")
}

// OrgByUUID returns the organisation with uuid.
func (s *Store) OrgByUUID(ctx context.Context, uuid string) (*misp.Organisation, error) {
	return s.orgWhere(ctx, "organisation", strings.ToLower(uuid), "uuid = ?")
}

// OrgByName returns the organisation named name.
func (s *Store) OrgByName(ctx context.Context, name string) (*misp.Organisation, error) {
	return s.orgWhere(ctx, "organisation", name, "name = ?")
}

// ListOrgs returns every organisation, by id.
func (s *Store) ListOrgs(ctx context.Context) ([]misp.Organisation, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+OrgCols+` FROM orgs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []misp.Organisation
	for rows.Next() {
		o, err := ScanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("list organisations: %w", err)
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

// UpdateOrg replaces the stored fields of organisation o.ID.
func (s *Store) UpdateOrg(ctx context.Context, o *misp.Organisation) error {
	data, err := OrgData(o)
	if err != nil {
		return fmt.Errorf("update organisation %d: %w", o.ID, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE orgs SET uuid = ?, name = ?, local = ?, data = ? WHERE id = ?`,
			UUIDOr(o.UUID), o.Name, B2I(bool(o.Local)), data, int64(o.ID))
		if err := s.affected(n, err, "organisation", o.ID); err != nil {
			return fmt.Errorf("update organisation: %w", err)
		}
		return nil
	})
}

// DeleteOrg deletes organisation id; one still referenced is store.ErrConflict.
func (s *Store) DeleteOrg(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM orgs WHERE id = ?`, id)
		if err != nil && errors.Is(s.c.ConstraintErr(err), store.ErrNotFound) {
			return fmt.Errorf("delete organisation %d: it still has users, events or sharing groups: %w", id, store.ErrConflict)
		}
		if err := s.affected(n, err, "organisation", id); err != nil {
			return fmt.Errorf("delete organisation: %w", err)
		}
		return nil
	})
}

// CreateUser stores u and sets its id.
func (s *Store) CreateUser(ctx context.Context, u *misp.User) error {
	if u.Email == "" {
		return errors.New("create user: empty e-mail")
	}
	data, err := UserData(u)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO users (org_id, email, role_id, disabled, data)
VALUES (?, ?, ?, ?, ?) RETURNING id`, int64(u.OrgID), u.Email, int64(u.RoleID), B2I(bool(u.Disabled)), data).Scan(&id)
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.Email, s.c.ConstraintErr(err))
		}
		u.ID = misp.FlexInt(id)
		return nil
	})
}

func (s *Store) userWhere(ctx context.Context, key any, where string) (*misp.User, error) {
	return one(s, ctx, "user", UserCols, "users", where, key, ScanUser)
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id int64) (*misp.User, error) {
	return s.userWhere(ctx, id, "id = ?")
}

// UserByEmail returns the user with email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*misp.User, error) {
	return s.userWhere(ctx, email, "lower(email) = lower(?)")
}

// ListUsers returns the users of orgID (every user when 0), by id.
func (s *Store) ListUsers(ctx context.Context, orgID int64) ([]misp.User, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+UserCols+` FROM users WHERE ? = 0 OR org_id = ? ORDER BY id`, orgID, orgID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []misp.User
	for rows.Next() {
		u, err := ScanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// UpdateUser replaces the stored fields of user u.ID.
func (s *Store) UpdateUser(ctx context.Context, u *misp.User) error {
	data, err := UserData(u)
	if err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE users SET org_id = ?, email = ?, role_id = ?, disabled = ?, data = ?
WHERE id = ?`, int64(u.OrgID), u.Email, int64(u.RoleID), B2I(bool(u.Disabled)), data, int64(u.ID))
		if err := s.affected(n, err, "user", u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		return nil
	})
}

// DeleteUser deletes user id and its keys.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err := s.affected(n, err, "user", id); err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return nil
	})
}

// AddAuthKey stores k and sets its id, uuid and creation time.
func (s *Store) AddAuthKey(ctx context.Context, k *store.AuthKey) error {
	if k.Hash == "" || k.Start == "" || k.End == "" {
		return errors.New("add api key: hash, start and end must be set")
	}
	k.UUID = UUIDOr(k.UUID)
	if k.Created.IsZero() {
		k.Created = s.now().UTC().Truncate(time.Second)
	}
	var exp int64
	if !k.Expiration.IsZero() {
		exp = k.Expiration.Unix()
	}
	return s.c.Write(ctx, func(tx Querier) error {
		err := tx.QueryRow(ctx, `INSERT INTO auth_keys (uuid, user_id, authkey, authkey_start, authkey_end,
expiration, read_only, comment, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			k.UUID, k.UserID, k.Hash, k.Start, k.End, exp, B2I(k.ReadOnly), k.Comment, k.Created.Unix()).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("add api key for user %d: %w", k.UserID, s.c.ConstraintErr(err))
		}
		return nil
	})
}

func (s *Store) keys(ctx context.Context, where string, args ...any) ([]store.AuthKey, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+KeyCols+` FROM auth_keys WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read api keys: %w", err)
	}
	defer rows.Close()
	var out []store.AuthKey
	for rows.Next() {
		k, err := ScanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("read api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// KeysByFragment returns the keys starting with start and ending with end.
func (s *Store) KeysByFragment(ctx context.Context, start, end string) ([]store.AuthKey, error) {
	return s.keys(ctx, "authkey_start = ? AND authkey_end = ?", start, end)
}

// ListAuthKeys returns the keys of user userID.
func (s *Store) ListAuthKeys(ctx context.Context, userID int64) ([]store.AuthKey, error) {
	return s.keys(ctx, "user_id = ?", userID)
}

// DeleteAuthKey deletes key id.
func (s *Store) DeleteAuthKey(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM auth_keys WHERE id = ?`, id)
		if err := s.affected(n, err, "api key", id); err != nil {
			return fmt.Errorf("delete api key: %w", err)
		}
		return nil
	})
}

// CreateSharingGroup stores sg with its lists and sets its id.
func (s *Store) CreateSharingGroup(ctx context.Context, sg *misp.SharingGroup) error {
	if sg.Name == "" {
		return errors.New("create sharing group: empty name")
	}
	sg.UUID = UUIDOr(sg.UUID)
	return s.c.Write(ctx, func(tx Querier) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO sharing_groups (uuid, name, description, releasability, local,
active, roaming, organisation_uuid, org_id, sync_user_id, created, modified)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			sg.UUID, sg.Name, sg.Description, sg.Releasability, B2I(bool(sg.Local)), B2I(bool(sg.Active)),
			B2I(bool(sg.Roaming)), sg.OrganisationUUID, int64(sg.OrgID), int64(sg.SyncUserID), sg.Created,
			sg.Modified).Scan(&id)
		if err != nil {
			return fmt.Errorf("create sharing group %q: %w", sg.Name, s.c.ConstraintErr(err))
		}
		sg.ID = misp.FlexInt(id)
		for i := range sg.SharingGroupOrg {
			o := &sg.SharingGroupOrg[i]
			if err := s.addSGOrg(ctx, tx, id, int64(o.OrgID), bool(o.Extend)); err != nil {
				return fmt.Errorf("create sharing group %q: %w", sg.Name, err)
			}
			o.SharingGroupID = sg.ID
		}
		for i := range sg.SharingGroupServer {
			sv := &sg.SharingGroupServer[i]
			if err := s.addSGServer(ctx, tx, id, int64(sv.ServerID), bool(sv.AllOrgs)); err != nil {
				return fmt.Errorf("create sharing group %q: %w", sg.Name, err)
			}
			sv.SharingGroupID = sg.ID
		}
		return nil
	})
}

func (s *Store) addSGOrg(ctx context.Context, tx Querier, sg, org int64, extend bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO sharing_group_orgs (sharing_group_id, org_id, extend) VALUES (?, ?, ?)
ON CONFLICT (sharing_group_id, org_id) DO UPDATE SET extend = excluded.extend`, sg, org, B2I(extend))
	if err != nil {
		return fmt.Errorf("add organisation %d to sharing group %d: %w", org, sg, s.c.ConstraintErr(err))
	}
	return nil
}

func (s *Store) addSGServer(ctx context.Context, tx Querier, sg, server int64, allOrgs bool) error {
	_, err := tx.Exec(ctx, `INSERT INTO sharing_group_servers (sharing_group_id, server_id, all_orgs)
VALUES (?, ?, ?) ON CONFLICT (sharing_group_id, server_id) DO UPDATE SET all_orgs = excluded.all_orgs`,
		sg, server, B2I(allOrgs))
	if err != nil {
		return fmt.Errorf("add server %d to sharing group %d: %w", server, sg, s.c.ConstraintErr(err))
	}
	return nil
}

// loadSharingGroups reads the groups selected by where with their lists.
func (s *Store) loadSharingGroups(ctx context.Context, where string, args ...any) ([]misp.SharingGroup, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+SGCols+` FROM sharing_groups WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read sharing groups: %w", err)
	}
	var out []misp.SharingGroup
	for rows.Next() {
		var (
			sg                                  misp.SharingGroup
			id, local, active, roaming, org, su int64
		)
		if err := rows.Scan(&id, &sg.UUID, &sg.Name, &sg.Description, &sg.Releasability, &local, &active, &roaming,
			&sg.OrganisationUUID, &org, &su, &sg.Created, &sg.Modified); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read sharing groups: %w", err)
		}
		sg.ID, sg.OrgID, sg.SyncUserID = misp.FlexInt(id), misp.FlexInt(org), misp.FlexInt(su)
		sg.Local, sg.Active, sg.Roaming = local != 0, active != 0, roaming != 0
		out = append(out, sg)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("read sharing groups: %w", err)
	}
	for i := range out {
		if err := s.fillSharingGroup(ctx, r, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) fillSharingGroup(ctx context.Context, r Querier, sg *misp.SharingGroup) error {
	if o, err := s.Org(ctx, int64(sg.OrgID)); err == nil {
		sg.Organisation = o
	}
	rows, err := r.Query(ctx, `SELECT g.id, g.org_id, g.extend, `+Prefixed("o", OrgCols)+`
FROM sharing_group_orgs g JOIN orgs o ON o.id = g.org_id WHERE g.sharing_group_id = ? ORDER BY g.org_id`, int64(sg.ID))
	if err != nil {
		return fmt.Errorf("read sharing group %d: %w", sg.ID, err)
	}
	for rows.Next() {
		var (
			m                 misp.SharingGroupOrg
			id, org, x        int64
			oid, local        int64
			ouuid, name, data string
		)
		if err := rows.Scan(&id, &org, &x, &oid, &ouuid, &name, &local, &data); err != nil {
			rows.Close()
			return fmt.Errorf("read sharing group %d: %w", sg.ID, err)
		}
		o, err := OrgOf(oid, ouuid, name, local, data)
		if err != nil {
			rows.Close()
			return fmt.Errorf("read sharing group %d: %w", sg.ID, err)
		}
		m.ID, m.SharingGroupID, m.OrgID, m.Extend, m.Organisation = misp.FlexInt(id), sg.ID, misp.FlexInt(org), x != 0, o
		sg.SharingGroupOrg = append(sg.SharingGroupOrg, m)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read sharing group %d: %w", sg.ID, err)
	}
	rows, err = r.Query(ctx, `SELECT id, server_id, all_orgs FROM sharing_group_servers
WHERE sharing_group_id = ? ORDER BY server_id`, int64(sg.ID))
	if err != nil {
		return fmt.Errorf("read sharing group %d: %w", sg.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, server, all int64
		if err := rows.Scan(&id, &server, &all); err != nil {
			return fmt.Errorf("read sharing group %d: %w", sg.ID, err)
		}
		sg.SharingGroupServer = append(sg.SharingGroupServer, misp.SharingGroupServer{
			ID: misp.FlexInt(id), SharingGroupID: sg.ID, ServerID: misp.FlexInt(server), AllOrgs: all != 0,
		})
	}
	return rows.Err()
}

func (s *Store) oneSharingGroup(ctx context.Context, key any, where string) (*misp.SharingGroup, error) {
	list, err := s.loadSharingGroups(ctx, where, key)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, NotFound("sharing group", key)
	}
	return &list[0], nil
}

// SharingGroup returns group id with its lists.
func (s *Store) SharingGroup(ctx context.Context, id int64) (*misp.SharingGroup, error) {
	return s.oneSharingGroup(ctx, id, "id = ?")
}

// SharingGroupByUUID returns the group with uuid.
func (s *Store) SharingGroupByUUID(ctx context.Context, uuid string) (*misp.SharingGroup, error) {
	return s.oneSharingGroup(ctx, strings.ToLower(uuid), "uuid = ?")
}

// ListSharingGroups returns every group, by id.
func (s *Store) ListSharingGroups(ctx context.Context) ([]misp.SharingGroup, error) {
	return s.loadSharingGroups(ctx, "1 = 1")
}

// UpdateSharingGroup replaces the group's own fields.
func (s *Store) UpdateSharingGroup(ctx context.Context, sg *misp.SharingGroup) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE sharing_groups SET uuid = ?, name = ?, description = ?,
releasability = ?, local = ?, active = ?, roaming = ?, organisation_uuid = ?, org_id = ?, sync_user_id = ?,
created = ?, modified = ? WHERE id = ?`,
			UUIDOr(sg.UUID), sg.Name, sg.Description, sg.Releasability, B2I(bool(sg.Local)), B2I(bool(sg.Active)),
			B2I(bool(sg.Roaming)), sg.OrganisationUUID, int64(sg.OrgID), int64(sg.SyncUserID), sg.Created,
			sg.Modified, int64(sg.ID))
		if err := s.affected(n, err, "sharing group", sg.ID); err != nil {
			return fmt.Errorf("update sharing group: %w", err)
		}
		return nil
	})
}

// DeleteSharingGroup deletes group id and its lists.
func (s *Store) DeleteSharingGroup(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM sharing_groups WHERE id = ?`, id)
		if err := s.affected(n, err, "sharing group", id); err != nil {
			return fmt.Errorf("delete sharing group: %w", err)
		}
		return nil
	})
}

func (s *Store) requireSG(ctx context.Context, tx Querier, id int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM sharing_groups WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, ErrNoRows) {
		return NotFound("sharing group", id)
	}
	return err
}

// AddSharingGroupOrg adds orgID to group sgID or updates its extend flag.
func (s *Store) AddSharingGroupOrg(ctx context.Context, sgID, orgID int64, extend bool) error {
	return s.c.Write(ctx, func(tx Querier) error {
		if err := s.requireSG(ctx, tx, sgID); err != nil {
			return err
		}
		return s.addSGOrg(ctx, tx, sgID, orgID, extend)
	})
}

// RemoveSharingGroupOrg removes orgID from group sgID.
func (s *Store) RemoveSharingGroupOrg(ctx context.Context, sgID, orgID int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM sharing_group_orgs WHERE sharing_group_id = ? AND org_id = ?`,
			sgID, orgID)
		if err := s.affected(n, err, "sharing group organisation", fmt.Sprintf("%d/%d", sgID, orgID)); err != nil {
			return fmt.Errorf("remove organisation from sharing group: %w", err)
		}
		return nil
	})
}

// AddSharingGroupServer adds serverID to group sgID or updates its all-orgs flag.
func (s *Store) AddSharingGroupServer(ctx context.Context, sgID, serverID int64, allOrgs bool) error {
	return s.c.Write(ctx, func(tx Querier) error {
		if err := s.requireSG(ctx, tx, sgID); err != nil {
			return err
		}
		return s.addSGServer(ctx, tx, sgID, serverID, allOrgs)
	})
}

// RemoveSharingGroupServer removes serverID from group sgID.
func (s *Store) RemoveSharingGroupServer(ctx context.Context, sgID, serverID int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM sharing_group_servers WHERE sharing_group_id = ? AND server_id = ?`,
			sgID, serverID)
		if err := s.affected(n, err, "sharing group server", fmt.Sprintf("%d/%d", sgID, serverID)); err != nil {
			return fmt.Errorf("remove server from sharing group: %w", err)
		}
		return nil
	})
}
