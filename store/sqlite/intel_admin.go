package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hunchsec/hunch/store/internal/sqlrow"

	msqlite "modernc.org/sqlite"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

var _ store.Intel = (*DB)(nil)

// SQLite's extended result codes for constraint failures (sqlite3.h).
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// constraintErr maps a constraint failure to the store's sentinels: a unique or primary key violation to
// store.ErrConflict, a foreign key violation to store.ErrNotFound (a reference to a row that does not exist).
func constraintErr(err error) error {
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqliteConstraintUnique, sqliteConstraintPrimaryKey:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case sqliteConstraintForeignKey:
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	return err
}

// write runs fn in one write transaction (BEGIN IMMEDIATE on the single writer connection) and commits it
// when fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.closed.Load() {
		return store.ErrClosed
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// reader returns the read pool, or store.ErrClosed.
func (db *DB) reader() (*sql.DB, error) {
	if db.closed.Load() {
		return nil, store.ErrClosed
	}
	return db.r, nil
}

// notFound wraps store.ErrNotFound for the row what.
func notFound(what string, key any) error {
	return fmt.Errorf("%s %v: %w", what, key, store.ErrNotFound)
}

// affected returns notFound when res changed no row.
func affected(res sql.Result, err error, what string, key any) error {
	if err != nil {
		return constraintErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(what, key)
	}
	return nil
}

// uuidOr returns u in lower case, or a new uuid when u is empty.
func uuidOr(u string) string {
	if u == "" {
		return misp.NewUUID()
	}
	return strings.ToLower(u)
}

// CreateOrg stores o and sets its id (and uuid when empty).
func (db *DB) CreateOrg(ctx context.Context, o *misp.Organisation) error {
	return db.write(ctx, func(tx *sql.Tx) error { return createOrg(ctx, tx, o) })
}

func createOrg(ctx context.Context, tx *sql.Tx, o *misp.Organisation) error {
	if o.Name == "" {
		return errors.New("create organisation: empty name")
	}
	o.UUID = uuidOr(o.UUID)
	data, err := sqlrow.OrgData(o)
	if err != nil {
		return fmt.Errorf("create organisation %q: %w", o.Name, err)
	}
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO orgs (uuid, name, local, data) VALUES (?, ?, ?, ?) RETURNING id`,
		o.UUID, o.Name, sqlrow.B2I(bool(o.Local)), data).Scan(&id)
	if err != nil {
		return fmt.Errorf("create organisation %q: %w", o.Name, constraintErr(err))
	}
	o.ID = misp.FlexInt(id)
	return nil
}

func (db *DB) orgWhere(ctx context.Context, what string, key any, where string) (*misp.Organisation, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	o, err := sqlrow.ScanOrg(r.QueryRowContext(ctx, `SELECT `+sqlrow.OrgCols+` FROM orgs WHERE `+where, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(what, key)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %v: %w", what, key, err)
	}
	return o, nil
}

// Org returns the organisation with id.
func (db *DB) Org(ctx context.Context, id int64) (*misp.Organisation, error) {
	return db.orgWhere(ctx, "organisation", id, "id = ?")
}

// OrgByUUID returns the organisation with uuid.
func (db *DB) OrgByUUID(ctx context.Context, uuid string) (*misp.Organisation, error) {
	return db.orgWhere(ctx, "organisation", uuid, "uuid = ?")
}

// OrgByName returns the organisation named name.
func (db *DB) OrgByName(ctx context.Context, name string) (*misp.Organisation, error) {
	return db.orgWhere(ctx, "organisation", name, "name = ?")
}

// ListOrgs returns every organisation, by id.
func (db *DB) ListOrgs(ctx context.Context) ([]misp.Organisation, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, `SELECT `+sqlrow.OrgCols+` FROM orgs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	defer rows.Close()
	var out []misp.Organisation
	for rows.Next() {
		o, err := sqlrow.ScanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("list organisations: %w", err)
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

// UpdateOrg replaces the stored fields of organisation o.ID.
func (db *DB) UpdateOrg(ctx context.Context, o *misp.Organisation) error {
	data, err := sqlrow.OrgData(o)
	if err != nil {
		return fmt.Errorf("update organisation %d: %w", o.ID, err)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET uuid = ?, name = ?, local = ?, data = ? WHERE id = ?`,
			uuidOr(o.UUID), o.Name, sqlrow.B2I(bool(o.Local)), data, int64(o.ID))
		if err := affected(res, err, "organisation", o.ID); err != nil {
			return fmt.Errorf("update organisation: %w", err)
		}
		return nil
	})
}

// DeleteOrg deletes organisation id; one still referenced is store.ErrConflict.
func (db *DB) DeleteOrg(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM orgs WHERE id = ?`, id)
		if err != nil {
			var se *msqlite.Error
			if errors.As(err, &se) && se.Code() == sqliteConstraintForeignKey {
				return fmt.Errorf("delete organisation %d: it still has users, events or sharing groups: %w", id, store.ErrConflict)
			}
		}
		if err := affected(res, err, "organisation", id); err != nil {
			return fmt.Errorf("delete organisation: %w", err)
		}
		return nil
	})
}

// CreateUser stores u and sets its id.
func (db *DB) CreateUser(ctx context.Context, u *misp.User) error {
	if u.Email == "" {
		return errors.New("create user: empty e-mail")
	}
	data, err := sqlrow.UserData(u)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Email, err)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (org_id, email, role_id, disabled, data)
VALUES (?, ?, ?, ?, ?) RETURNING id`, int64(u.OrgID), u.Email, int64(u.RoleID), sqlrow.B2I(bool(u.Disabled)), data).Scan(&id)
		if err != nil {
			return fmt.Errorf("create user %s: %w", u.Email, constraintErr(err))
		}
		u.ID = misp.FlexInt(id)
		return nil
	})
}

func (db *DB) userWhere(ctx context.Context, key any, where string) (*misp.User, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	u, err := sqlrow.ScanUser(r.QueryRowContext(ctx, `SELECT `+sqlrow.UserCols+` FROM users WHERE `+where, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read user %v: %w", key, err)
	}
	return u, nil
}

// User returns the user with id.
func (db *DB) User(ctx context.Context, id int64) (*misp.User, error) {
	return db.userWhere(ctx, id, "id = ?")
}

// UserByEmail returns the user with email.
func (db *DB) UserByEmail(ctx context.Context, email string) (*misp.User, error) {
	return db.userWhere(ctx, email, "email = ?")
}

// ListUsers returns the users of orgID (every user when 0), by id.
func (db *DB) ListUsers(ctx context.Context, orgID int64) ([]misp.User, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, `SELECT `+sqlrow.UserCols+` FROM users WHERE ? = 0 OR org_id = ? ORDER BY id`, orgID, orgID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []misp.User
	for rows.Next() {
		u, err := sqlrow.ScanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// UpdateUser replaces the stored fields of user u.ID.
func (db *DB) UpdateUser(ctx context.Context, u *misp.User) error {
	data, err := sqlrow.UserData(u)
	if err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET org_id = ?, email = ?, role_id = ?, disabled = ?, data = ?
WHERE id = ?`, int64(u.OrgID), u.Email, int64(u.RoleID), sqlrow.B2I(bool(u.Disabled)), data, int64(u.ID))
		if err := affected(res, err, "user", u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		return nil
	})
}

// DeleteUser deletes user id and its keys.
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err := affected(res, err, "user", id); err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return nil
	})
}

// AddAuthKey stores k and sets its id, uuid and creation time.
func (db *DB) AddAuthKey(ctx context.Context, k *store.AuthKey) error {
	if k.Hash == "" || k.Start == "" || k.End == "" {
		return errors.New("add api key: hash, start and end must be set")
	}
	k.UUID = uuidOr(k.UUID)
	if k.Created.IsZero() {
		k.Created = db.now().UTC().Truncate(time.Second)
	}
	var exp int64
	if !k.Expiration.IsZero() {
		exp = k.Expiration.Unix()
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO auth_keys (uuid, user_id, authkey, authkey_start, authkey_end,
expiration, read_only, comment, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			k.UUID, k.UserID, k.Hash, k.Start, k.End, exp, sqlrow.B2I(k.ReadOnly), k.Comment, k.Created.Unix()).Scan(&k.ID)
		if err != nil {
			return fmt.Errorf("add api key for user %d: %w", k.UserID, constraintErr(err))
		}
		return nil
	})
}

func (db *DB) keys(ctx context.Context, where string, args ...any) ([]store.AuthKey, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, `SELECT `+sqlrow.KeyCols+` FROM auth_keys WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read api keys: %w", err)
	}
	defer rows.Close()
	var out []store.AuthKey
	for rows.Next() {
		k, err := sqlrow.ScanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("read api keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// KeysByFragment returns the keys starting with start and ending with end.
func (db *DB) KeysByFragment(ctx context.Context, start, end string) ([]store.AuthKey, error) {
	return db.keys(ctx, "authkey_start = ? AND authkey_end = ?", start, end)
}

// ListAuthKeys returns the keys of user userID.
func (db *DB) ListAuthKeys(ctx context.Context, userID int64) ([]store.AuthKey, error) {
	return db.keys(ctx, "user_id = ?", userID)
}

// DeleteAuthKey deletes key id.
func (db *DB) DeleteAuthKey(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM auth_keys WHERE id = ?`, id)
		if err := affected(res, err, "api key", id); err != nil {
			return fmt.Errorf("delete api key: %w", err)
		}
		return nil
	})
}

// CreateSharingGroup stores sg with its lists and sets its id.
func (db *DB) CreateSharingGroup(ctx context.Context, sg *misp.SharingGroup) error {
	if sg.Name == "" {
		return errors.New("create sharing group: empty name")
	}
	sg.UUID = uuidOr(sg.UUID)
	return db.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO sharing_groups (uuid, name, description, releasability, local,
active, roaming, organisation_uuid, org_id, sync_user_id, created, modified)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			sg.UUID, sg.Name, sg.Description, sg.Releasability, sqlrow.B2I(bool(sg.Local)), sqlrow.B2I(bool(sg.Active)),
			sqlrow.B2I(bool(sg.Roaming)), sg.OrganisationUUID, int64(sg.OrgID), int64(sg.SyncUserID), sg.Created,
			sg.Modified).Scan(&id)
		if err != nil {
			return fmt.Errorf("create sharing group %q: %w", sg.Name, constraintErr(err))
		}
		sg.ID = misp.FlexInt(id)
		for i := range sg.SharingGroupOrg {
			o := &sg.SharingGroupOrg[i]
			if err := addSGOrg(ctx, tx, id, int64(o.OrgID), bool(o.Extend)); err != nil {
				return fmt.Errorf("create sharing group %q: %w", sg.Name, err)
			}
			o.SharingGroupID = sg.ID
		}
		for i := range sg.SharingGroupServer {
			s := &sg.SharingGroupServer[i]
			if err := addSGServer(ctx, tx, id, int64(s.ServerID), bool(s.AllOrgs)); err != nil {
				return fmt.Errorf("create sharing group %q: %w", sg.Name, err)
			}
			s.SharingGroupID = sg.ID
		}
		return nil
	})
}

func addSGOrg(ctx context.Context, tx *sql.Tx, sg, org int64, extend bool) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sharing_group_orgs (sharing_group_id, org_id, extend) VALUES (?, ?, ?)
ON CONFLICT (sharing_group_id, org_id) DO UPDATE SET extend = excluded.extend`, sg, org, sqlrow.B2I(extend))
	if err != nil {
		return fmt.Errorf("add organisation %d to sharing group %d: %w", org, sg, constraintErr(err))
	}
	return nil
}

func addSGServer(ctx context.Context, tx *sql.Tx, sg, server int64, allOrgs bool) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sharing_group_servers (sharing_group_id, server_id, all_orgs)
VALUES (?, ?, ?) ON CONFLICT (sharing_group_id, server_id) DO UPDATE SET all_orgs = excluded.all_orgs`,
		sg, server, sqlrow.B2I(allOrgs))
	if err != nil {
		return fmt.Errorf("add server %d to sharing group %d: %w", server, sg, constraintErr(err))
	}
	return nil
}

// loadSharingGroups reads the groups selected by where with their lists.
func (db *DB) loadSharingGroups(ctx context.Context, where string, args ...any) ([]misp.SharingGroup, error) {
	r, err := db.reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, `SELECT `+sqlrow.SGCols+` FROM sharing_groups WHERE `+where+` ORDER BY id`, args...)
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
		if err := db.fillSharingGroup(ctx, r, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) fillSharingGroup(ctx context.Context, r *sql.DB, sg *misp.SharingGroup) error {
	if o, err := db.Org(ctx, int64(sg.OrgID)); err == nil {
		sg.Organisation = o
	}
	rows, err := r.QueryContext(ctx, `SELECT g.id, g.org_id, g.extend, `+sqlrow.Prefixed("o", sqlrow.OrgCols)+`
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
		o, err := sqlrow.OrgOf(oid, ouuid, name, local, data)
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
	rows, err = r.QueryContext(ctx, `SELECT id, server_id, all_orgs FROM sharing_group_servers
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

func (db *DB) oneSharingGroup(ctx context.Context, key any, where string) (*misp.SharingGroup, error) {
	list, err := db.loadSharingGroups(ctx, where, key)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound("sharing group", key)
	}
	return &list[0], nil
}

// SharingGroup returns group id with its lists.
func (db *DB) SharingGroup(ctx context.Context, id int64) (*misp.SharingGroup, error) {
	return db.oneSharingGroup(ctx, id, "id = ?")
}

// SharingGroupByUUID returns the group with uuid.
func (db *DB) SharingGroupByUUID(ctx context.Context, uuid string) (*misp.SharingGroup, error) {
	return db.oneSharingGroup(ctx, uuid, "uuid = ?")
}

// ListSharingGroups returns every group, by id.
func (db *DB) ListSharingGroups(ctx context.Context) ([]misp.SharingGroup, error) {
	return db.loadSharingGroups(ctx, "1 = 1")
}

// UpdateSharingGroup replaces the group's own fields.
func (db *DB) UpdateSharingGroup(ctx context.Context, sg *misp.SharingGroup) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sharing_groups SET uuid = ?, name = ?, description = ?,
releasability = ?, local = ?, active = ?, roaming = ?, organisation_uuid = ?, org_id = ?, sync_user_id = ?,
created = ?, modified = ? WHERE id = ?`,
			uuidOr(sg.UUID), sg.Name, sg.Description, sg.Releasability, sqlrow.B2I(bool(sg.Local)), sqlrow.B2I(bool(sg.Active)),
			sqlrow.B2I(bool(sg.Roaming)), sg.OrganisationUUID, int64(sg.OrgID), int64(sg.SyncUserID), sg.Created,
			sg.Modified, int64(sg.ID))
		if err := affected(res, err, "sharing group", sg.ID); err != nil {
			return fmt.Errorf("update sharing group: %w", err)
		}
		return nil
	})
}

// DeleteSharingGroup deletes group id and its lists.
func (db *DB) DeleteSharingGroup(ctx context.Context, id int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sharing_groups WHERE id = ?`, id)
		if err := affected(res, err, "sharing group", id); err != nil {
			return fmt.Errorf("delete sharing group: %w", err)
		}
		return nil
	})
}

func (db *DB) requireSG(ctx context.Context, tx *sql.Tx, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM sharing_groups WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("sharing group", id)
	}
	return err
}

// AddSharingGroupOrg adds orgID to group sgID or updates its extend flag.
func (db *DB) AddSharingGroupOrg(ctx context.Context, sgID, orgID int64, extend bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.requireSG(ctx, tx, sgID); err != nil {
			return err
		}
		return addSGOrg(ctx, tx, sgID, orgID, extend)
	})
}

// RemoveSharingGroupOrg removes orgID from group sgID.
func (db *DB) RemoveSharingGroupOrg(ctx context.Context, sgID, orgID int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sharing_group_orgs WHERE sharing_group_id = ? AND org_id = ?`,
			sgID, orgID)
		if err := affected(res, err, "sharing group organisation", fmt.Sprintf("%d/%d", sgID, orgID)); err != nil {
			return fmt.Errorf("remove organisation from sharing group: %w", err)
		}
		return nil
	})
}

// AddSharingGroupServer adds serverID to group sgID or updates its all-orgs flag.
func (db *DB) AddSharingGroupServer(ctx context.Context, sgID, serverID int64, allOrgs bool) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := db.requireSG(ctx, tx, sgID); err != nil {
			return err
		}
		return addSGServer(ctx, tx, sgID, serverID, allOrgs)
	})
}

// RemoveSharingGroupServer removes serverID from group sgID.
func (db *DB) RemoveSharingGroupServer(ctx context.Context, sgID, serverID int64) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sharing_group_servers WHERE sharing_group_id = ? AND server_id = ?`,
			sgID, serverID)
		if err := affected(res, err, "sharing group server", fmt.Sprintf("%d/%d", sgID, serverID)); err != nil {
			return fmt.Errorf("remove server from sharing group: %w", err)
		}
		return nil
	})
}
