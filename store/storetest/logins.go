package storetest

import (
	"testing"
	"time"

	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// testLogins checks password hashes and web sessions: unknown users, replacing a hash, session round trip to the
// second, touching, deleting one, a user's all, and the expired and idle ones, and that deleting a user takes its
// password and sessions with it.
func testLogins(t *testing.T, b Backend) {
	c := ctx(t)
	org := newOrg(t, b, "ORG-L", 1)
	u := &misp.User{Email: "login@example.org", OrgID: org.ID, RoleID: 3}
	must(t, b.CreateUser(c, u))
	other := &misp.User{Email: "other@example.org", OrgID: org.ID, RoleID: 3}
	must(t, b.CreateUser(c, other))
	uid := int64(u.ID)
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

	_, err := b.PasswordHash(c, uid)
	wantErr(t, "no password yet", err, store.ErrNotFound)
	wantErr(t, "password of an unknown user", b.SetPassword(c, 999999, "$2a$10$x", now), store.ErrNotFound)
	must(t, b.SetPassword(c, uid, "$2a$10$first", now))
	must(t, b.SetPassword(c, uid, "$2a$10$second", now.Add(time.Hour)))
	h, err := b.PasswordHash(c, uid)
	must(t, err)
	if h != "$2a$10$second" {
		t.Fatalf("PasswordHash after replace = %q", h)
	}

	s1 := &store.Session{TokenHash: "aa01", UserID: uid, Created: now, LastSeen: now, Expires: now.Add(12 * time.Hour)}
	must(t, b.CreateSession(c, s1))
	wantErr(t, "the same token twice", b.CreateSession(c, s1), store.ErrConflict)
	wantErr(t, "a session of an unknown user", b.CreateSession(c, &store.Session{TokenHash: "zz", UserID: 999999,
		Created: now, LastSeen: now, Expires: now}), store.ErrNotFound)
	got, err := b.Session(c, "aa01")
	must(t, err)
	if *got != *s1 {
		t.Fatalf("Session = %+v, want %+v", got, s1)
	}
	must(t, b.TouchSession(c, "aa01", now.Add(30*time.Minute)))
	got, err = b.Session(c, "aa01")
	must(t, err)
	if !got.LastSeen.Equal(now.Add(30 * time.Minute)) {
		t.Fatalf("LastSeen after touch = %v", got.LastSeen)
	}
	wantErr(t, "touching a missing session", b.TouchSession(c, "nope", now), store.ErrNotFound)

	// aa02 expires absolutely at +1h, aa03 was idle since -2h, aa04 is live, aa05 belongs to the other user.
	for _, s := range []store.Session{
		{TokenHash: "aa02", UserID: uid, Created: now, LastSeen: now, Expires: now.Add(time.Hour)},
		{TokenHash: "aa03", UserID: uid, Created: now.Add(-3 * time.Hour), LastSeen: now.Add(-2 * time.Hour), Expires: now.Add(9 * time.Hour)},
		{TokenHash: "aa04", UserID: uid, Created: now, LastSeen: now, Expires: now.Add(9 * time.Hour)},
		{TokenHash: "aa05", UserID: int64(other.ID), Created: now, LastSeen: now, Expires: now.Add(9 * time.Hour)},
	} {
		must(t, b.CreateSession(c, &s))
	}
	n, err := b.DeleteSessionsBefore(c, now.Add(2*time.Hour), now.Add(-time.Hour))
	must(t, err)
	if n != 2 {
		t.Fatalf("DeleteSessionsBefore removed %d sessions, want 2 (aa02 expired, aa03 idle)", n)
	}
	for _, gone := range []string{"aa02", "aa03"} {
		_, err := b.Session(c, gone)
		wantErr(t, "purged session "+gone, err, store.ErrNotFound)
	}
	must(t, b.DeleteSession(c, "aa04"))
	wantErr(t, "deleting it again", b.DeleteSession(c, "aa04"), store.ErrNotFound)
	n, err = b.DeleteUserSessions(c, uid)
	must(t, err)
	if n != 1 {
		t.Fatalf("DeleteUserSessions removed %d, want 1 (aa01)", n)
	}
	if _, err := b.Session(c, "aa05"); err != nil {
		t.Fatalf("the other user's session went too: %v", err)
	}
	must(t, b.DeleteUser(c, int64(other.ID)))
	_, err = b.Session(c, "aa05")
	wantErr(t, "session of a deleted user", err, store.ErrNotFound)
	must(t, b.DeleteUser(c, uid))
	_, err = b.PasswordHash(c, uid)
	wantErr(t, "password of a deleted user", err, store.ErrNotFound)
}
