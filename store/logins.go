package store

import (
	"context"
	"time"
)

// Session is a web UI session as stored: the sha256 of its token (hex), never the token, with its user and times.
type Session struct {
	// TokenHash is the hex sha256 of the session token the browser holds.
	TokenHash string
	// UserID is the user the session logged in.
	UserID int64
	// Created is when the session was made, LastSeen when it was last used (the idle expiry counts from it), and
	// Expires when it ends whatever its use (the absolute expiry). All are kept to the second.
	Created, LastSeen, Expires time.Time
}

// Logins persists what the web UI logs users in with: their bcrypt password hashes and their sessions.
type Logins interface {
	// SetPassword stores hash (a bcrypt hash) as user userID's password, replacing any earlier one; an unknown
	// user is ErrNotFound.
	SetPassword(ctx context.Context, userID int64, hash string, changed time.Time) error
	// PasswordHash returns user userID's password hash; a user without a password is ErrNotFound.
	PasswordHash(ctx context.Context, userID int64) (string, error)
	// CreateSession stores s; a token hash already stored is ErrConflict, an unknown user ErrNotFound.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session whose token hash is tokenHash.
	Session(ctx context.Context, tokenHash string) (*Session, error)
	// TouchSession sets the last use of session tokenHash.
	TouchSession(ctx context.Context, tokenHash string, lastSeen time.Time) error
	// DeleteSession removes session tokenHash (logout).
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteUserSessions removes every session of user userID (a password change) and says how many there were.
	DeleteUserSessions(ctx context.Context, userID int64) (int64, error)
	// DeleteSessionsBefore removes the sessions that expire (absolutely) before t, or were last seen before
	// idleBefore, and says how many there were.
	DeleteSessionsBefore(ctx context.Context, t, idleBefore time.Time) (int64, error)
}
