package intel

// Passwords: what the web UI logs users in with. The MISP API itself authenticates with keys only.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// DefaultMinPasswordLength is the shortest password accepted when Options.MinPasswordLength is zero: MISP's
// Security.password_policy_length default.
const DefaultMinPasswordLength = 12

// MaxPasswordLength is the longest password accepted: bcrypt reads 72 bytes and no more, so a longer one would
// silently lose its tail.
const MaxPasswordLength = 72

// PasswordCost is the bcrypt cost of stored passwords: PHP's password_hash default, which MISP uses.
const PasswordCost = bcrypt.DefaultCost

// ErrBadLogin refuses a login: an unknown e-mail, a wrong password, a user without a password or a disabled user,
// all alike so that the answer does not tell which. It is acl.ErrUnauthenticated to errors.Is.
var ErrBadLogin = fmt.Errorf("e-mail or password not accepted: %w", acl.ErrUnauthenticated)

// MsgPasswordPolicy is the complaint about a password outside the length policy.
const MsgPasswordPolicy = "Passwords must be between %d and %d bytes long."

// dummyHash is checked against when the e-mail is unknown, so that a login costs one bcrypt either way.
const dummyHash = "$2a$10$TFI2R2POjl7jdhVY3ILIZuoJfq8KSA4JeOb4M2APN.exK6/dno8MW"

// MinPasswordLength is the shortest password the service accepts.
func (s *Service) MinPasswordLength() int {
	if s.opts.MinPasswordLength > 0 {
		return s.opts.MinPasswordLength
	}
	return DefaultMinPasswordLength
}

// CheckPasswordPolicy refuses a password shorter than MinPasswordLength characters or longer than MaxPasswordLength
// bytes with an *InvalidError on field "password" whose message is message.
func (s *Service) CheckPasswordPolicy(password, message string) error {
	if utf8.RuneCountInString(password) < s.MinPasswordLength() || len(password) > MaxPasswordLength {
		return Invalid(message, "password", fmt.Sprintf(MsgPasswordPolicy, s.MinPasswordLength(), MaxPasswordLength))
	}
	return nil
}

// SetPassword sets user userID's password (users/change_pw, admin/users/edit with a password, hunch user passwd):
// a user may set its own, and whoever manages a user (CanManageUser) that user's. The password must pass
// CheckPasswordPolicy; it is stored as a bcrypt hash. Every web session of the user ends.
func (s *Service) SetPassword(ctx context.Context, u acl.User, userID int64, password string) error {
	target, err := s.userRow(ctx, userID)
	if err != nil {
		return err
	}
	if u.ID != userID || u.ID == 0 {
		if err := s.Policy().CanManageUser(u, ACLUser(target, false)); err != nil {
			return err
		}
	}
	if err := s.CheckPasswordPolicy(password, MsgCouldNotEditUser); err != nil {
		return err
	}
	return s.storePassword(ctx, userID, password)
}

// storePassword hashes password and stores it for user userID, ending the user's web sessions.
func (s *Service) storePassword(ctx context.Context, userID int64, password string) error {
	h, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if err := s.st.SetPassword(ctx, userID, string(h), s.now()); err != nil {
		return fmt.Errorf("store password of user %d: %w", userID, err)
	}
	if _, err := s.st.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return nil
}

// Login returns the user whose e-mail (case-insensitive) and password these are, with its Role and Organisation,
// or ErrBadLogin. A disabled user is refused like a wrong password.
func (s *Service) Login(ctx context.Context, email, password string) (*misp.User, error) {
	email = strings.TrimSpace(email)
	u, err := s.st.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) || err == nil && len(password) > MaxPasswordLength {
		_ = bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(password))
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", email, err)
	}
	h, err := s.st.PasswordHash(ctx, int64(u.ID))
	if errors.Is(err, store.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword([]byte(dummyHash), []byte(password))
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, fmt.Errorf("password of user %d: %w", u.ID, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte(password)) != nil || bool(u.Disabled) {
		return nil, ErrBadLogin
	}
	if err := s.FillUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}
