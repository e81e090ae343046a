package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hunchsec/hunch/store"
)

// SetPassword stores hash as user userID's password.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, changed time.Time) error {
	if hash == "" {
		return errors.New("set password: empty hash")
	}
	return s.c.Write(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO user_passwords (user_id, hash, changed) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, changed = excluded.changed`, userID, hash, changed.Unix())
		if err != nil {
			return fmt.Errorf("set password of user %d: %w", userID, s.c.ConstraintErr(err))
		}
		return nil
	})
}

// PasswordHash returns user userID's password hash.
func (s *Store) PasswordHash(ctx context.Context, userID int64) (string, error) {
	return one(s, ctx, "password of user", "hash", "user_passwords", "user_id = ?", userID, func(sc Scanner) (string, error) {
		var h string
		err := sc.Scan(&h)
		return h, err
	})
}

const sessionCols = `token_hash, user_id, created, last_seen, expires`

func scanSession(sc Scanner) (*store.Session, error) {
	var (
		x                        store.Session
		created, seen, expiresAt int64
	)
	if err := sc.Scan(&x.TokenHash, &x.UserID, &created, &seen, &expiresAt); err != nil {
		return nil, err
	}
	x.Created, x.LastSeen, x.Expires = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC(), time.Unix(expiresAt, 0).UTC()
	return &x, nil
}

// CreateSession stores x.
func (s *Store) CreateSession(ctx context.Context, x *store.Session) error {
	if x.TokenHash == "" {
		return errors.New("create session: empty token hash")
	}
	return s.c.Write(ctx, func(tx Querier) error {
		_, err := tx.Exec(ctx, `INSERT INTO web_sessions (`+sessionCols+`) VALUES (?, ?, ?, ?, ?)`,
			x.TokenHash, x.UserID, x.Created.Unix(), x.LastSeen.Unix(), x.Expires.Unix())
		if err != nil {
			return fmt.Errorf("create session of user %d: %w", x.UserID, s.c.ConstraintErr(err))
		}
		return nil
	})
}

// Session returns the session whose token hash is tokenHash.
func (s *Store) Session(ctx context.Context, tokenHash string) (*store.Session, error) {
	return one(s, ctx, "session", sessionCols, "web_sessions", "token_hash = ?", tokenHash, scanSession)
}

// TouchSession sets the last use of session tokenHash.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, lastSeen time.Time) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE web_sessions SET last_seen = ? WHERE token_hash = ?`, lastSeen.Unix(), tokenHash)
		return s.affected(n, err, "session", "(hash)")
	})
}

// DeleteSession removes session tokenHash.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.c.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM web_sessions WHERE token_hash = ?`, tokenHash)
		return s.affected(n, err, "session", "(hash)")
	})
}

// DeleteUserSessions removes every session of user userID.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.c.Write(ctx, func(tx Querier) error {
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM web_sessions WHERE user_id = ?`, userID)
		if err != nil {
			return fmt.Errorf("delete sessions of user %d: %w", userID, err)
		}
		return nil
	})
	return n, err
}

// DeleteSessionsBefore removes the sessions expired at t or idle since before idleBefore.
func (s *Store) DeleteSessionsBefore(ctx context.Context, t, idleBefore time.Time) (int64, error) {
	var n int64
	err := s.c.Write(ctx, func(tx Querier) error {
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM web_sessions WHERE expires < ? OR last_seen < ?`, t.Unix(), idleBefore.Unix())
		if err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		return nil
	})
	return n, err
}
