package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

const serverCols = `id, name, url, authkey, org_id, remote_org_id, priority, last_pushed_id, last_pulled_id, data`

// serverData is what the servers table keeps as JSON: the fields nothing searches or orders by.
type serverData struct {
	Push                bool   `json:"push,omitempty"`
	Pull                bool   `json:"pull,omitempty"`
	PushSightings       bool   `json:"push_sightings,omitempty"`
	SelfSigned          bool   `json:"self_signed,omitempty"`
	CertFile            string `json:"cert_file,omitempty"`
	SkipProxy           bool   `json:"skip_proxy,omitempty"`
	CachingEnabled      bool   `json:"caching_enabled,omitempty"`
	PullRules           string `json:"pull_rules,omitempty"`
	PushRules           string `json:"push_rules,omitempty"`
	Internal            bool   `json:"internal,omitempty"`
	UnpublishEvent      bool   `json:"unpublish_event,omitempty"`
	PublishWithoutEmail bool   `json:"publish_without_email,omitempty"`
}

func serverDataOf(s *misp.Server) (string, error) {
	d := serverData{Push: bool(s.Push), Pull: bool(s.Pull), PushSightings: bool(s.PushSightings),
		SelfSigned: bool(s.SelfSigned), CertFile: s.CertFile, SkipProxy: bool(s.SkipProxy),
		CachingEnabled: bool(s.CachingEnabled), Internal: bool(s.Internal), UnpublishEvent: bool(s.UnpublishEvent),
		PublishWithoutEmail: bool(s.PublishWithoutEmail)}
	if !s.PullRules.IsZero() {
		d.PullRules = s.PullRules.String()
	}
	if !s.PushRules.IsZero() {
		d.PushRules = s.PushRules.String()
	}
	b, err := json.Marshal(d)
	return string(b), err
}

func scanServer(sc Scanner) (*misp.Server, error) {
	var (
		s                                         misp.Server
		id, org, remote, priority, pushed, pulled int64
		data                                      string
	)
	if err := sc.Scan(&id, &s.Name, &s.URL, &s.Authkey, &org, &remote, &priority, &pushed, &pulled, &data); err != nil {
		return nil, err
	}
	s.ID, s.OrgID, s.RemoteOrgID, s.Priority = misp.FlexInt(id), misp.FlexInt(org), misp.FlexInt(remote), misp.FlexInt(priority)
	s.LastPushedID, s.LastPulledID = misp.FlexInt(pushed), misp.FlexInt(pulled)
	var d serverData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return nil, fmt.Errorf("server %d data: %w", id, err)
	}
	s.Push, s.Pull, s.PushSightings = misp.FlexBool(d.Push), misp.FlexBool(d.Pull), misp.FlexBool(d.PushSightings)
	s.SelfSigned, s.CertFile, s.SkipProxy = misp.FlexBool(d.SelfSigned), d.CertFile, misp.FlexBool(d.SkipProxy)
	s.CachingEnabled, s.Internal = misp.FlexBool(d.CachingEnabled), misp.FlexBool(d.Internal)
	s.UnpublishEvent, s.PublishWithoutEmail = misp.FlexBool(d.UnpublishEvent), misp.FlexBool(d.PublishWithoutEmail)
	var err error
	if s.PullRules, err = misp.ParseSyncRules(d.PullRules); err != nil {
		return nil, fmt.Errorf("server %d pull rules: %w", id, err)
	}
	if s.PushRules, err = misp.ParseSyncRules(d.PushRules); err != nil {
		return nil, fmt.Errorf("server %d push rules: %w", id, err)
	}
	return &s, nil
}

func checkServer(s *misp.Server) error {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Errorf("server: empty name")
	}
	if strings.TrimSpace(s.URL) == "" {
		return fmt.Errorf("server %q: empty url", s.Name)
	}
	return nil
}

// CreateServer stores s and sets s.ID.
func (s *Store) CreateServer(ctx context.Context, sv *misp.Server) error {
	if err := checkServer(sv); err != nil {
		return err
	}
	data, err := serverDataOf(sv)
	if err != nil {
		return fmt.Errorf("add server %q: %w", sv.Name, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO servers (name, url, authkey, org_id, remote_org_id, priority, data)
VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, sv.Name, sv.URL, sv.Authkey, int64(sv.OrgID), int64(sv.RemoteOrgID),
			int64(sv.Priority), data).Scan(&id)
		if err != nil {
			return fmt.Errorf("add server %q: %w", sv.Name, s.c.ConstraintErr(err))
		}
		sv.ID, sv.LastPushedID, sv.LastPulledID = misp.FlexInt(id), 0, 0
		return nil
	})
}

// Server returns server id.
func (s *Store) Server(ctx context.Context, id int64) (*misp.Server, error) {
	return one(s, ctx, "server", serverCols, "servers", "id = ?", id, scanServer)
}

// ListServers returns every server, by priority then id.
func (s *Store) ListServers(ctx context.Context) ([]misp.Server, error) {
	r, err := s.c.Reader()
	if err != nil {
		return nil, err
	}
	rows, err := r.Query(ctx, `SELECT `+serverCols+` FROM servers ORDER BY priority, id`)
	if err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	defer rows.Close()
	out := []misp.Server{}
	for rows.Next() {
		sv, err := scanServer(rows)
		if err != nil {
			return nil, fmt.Errorf("list servers: %w", err)
		}
		out = append(out, *sv)
	}
	return out, rows.Err()
}

// UpdateServer replaces the fields of server sv.ID, except its progress.
func (s *Store) UpdateServer(ctx context.Context, sv *misp.Server) error {
	if err := checkServer(sv); err != nil {
		return err
	}
	data, err := serverDataOf(sv)
	if err != nil {
		return fmt.Errorf("edit server %d: %w", sv.ID, err)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE servers SET name = ?, url = ?, authkey = ?, org_id = ?, remote_org_id = ?,
priority = ?, data = ? WHERE id = ?`, sv.Name, sv.URL, sv.Authkey, int64(sv.OrgID), int64(sv.RemoteOrgID),
			int64(sv.Priority), data, int64(sv.ID))
		return s.affected(n, err, "server", int64(sv.ID))
	})
}

// DeleteServer deletes server id.
func (s *Store) DeleteServer(ctx context.Context, id int64) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM servers WHERE id = ?`, id)
		return s.affected(n, err, "server", id)
	})
}

// SetServerProgress records the progress of direction dir of server id.
func (s *Store) SetServerProgress(ctx context.Context, id int64, dir store.SyncDirection, eventID int64) error {
	col := ""
	switch dir {
	case store.Push:
		col = "last_pushed_id"
	case store.Pull:
		col = "last_pulled_id"
	default:
		return fmt.Errorf("server %d progress: unknown direction %d", id, dir)
	}
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE servers SET `+col+` = ? WHERE id = ?`, eventID, id)
		return s.affected(n, err, "server", id)
	})
}
