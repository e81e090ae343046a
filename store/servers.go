package store

import (
	"context"

	"github.com/hunchsec/hunch/misp"
)

// SyncDirection names one direction of synchronisation with a server, for its saved progress.
type SyncDirection int

// The directions of synchronisation.
const (
	// Push sends local events to the server; its progress is a local event id (misp.Server.LastPushedID).
	Push SyncDirection = iota + 1
	// Pull takes events from the server; its progress is a remote event id (misp.Server.LastPulledID).
	Pull
)

// Servers persists the remote instances this one synchronises with (MISP's servers) and the progress of each
// direction. The Authkey field is stored and returned as the caller gives it: the intel service seals it before
// it gets here, so that the store never holds it in clear.
type Servers interface {
	// CreateServer stores s (every field but the progress, which starts at 0) and sets s.ID.
	CreateServer(ctx context.Context, s *misp.Server) error
	// Server returns server id with its progress.
	Server(ctx context.Context, id int64) (*misp.Server, error)
	// ListServers returns every server, by priority then id.
	ListServers(ctx context.Context) ([]misp.Server, error)
	// UpdateServer replaces every stored field of server s.ID with s's, except the progress.
	UpdateServer(ctx context.Context, s *misp.Server) error
	// DeleteServer deletes server id.
	DeleteServer(ctx context.Context, id int64) error
	// SetServerProgress records that direction dir of server id has completed every event up to eventID.
	SetServerProgress(ctx context.Context, id int64, dir SyncDirection, eventID int64) error
}
