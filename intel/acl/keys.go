package acl

import (
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// API keys are MISP's: exactly 40 characters of [a-zA-Z0-9], shown once, stored as a bcrypt hash next to their first
// and last four characters (authkey_start, authkey_end), which find the few candidate rows to check and let a user
// recognise a key in a list.
//
// Why bcrypt: it is what MISP stores (PHP's password_hash, cost 10), so hashes taken from a MISP auth_keys table
// verify here unchanged ($2y$ included), and golang.org/x/crypto is already in hunch's module graph. Bcrypt salts
// every hash and compares in constant time. Its slowness buys little for a key with 238 bits of entropy — nobody
// guesses that, slowly or fast — but it costs a few tens of milliseconds per check, so a server should remember
// successful checks briefly (keyed by a hash of the key, never the key) rather than run bcrypt on every request.

// KeyLength is the length of an API key.
const KeyLength = 40

// KeyHashCost is the bcrypt cost HashKey uses: PHP's default, which MISP uses.
const KeyHashCost = 10

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// ErrInvalidKey is returned for a string that is not 40 characters of [a-zA-Z0-9].
var ErrInvalidKey = errors.New("api key must be 40 characters of a-z, A-Z and 0-9")

// GenerateKey returns a new random API key of 40 characters of [a-zA-Z0-9], drawn from crypto/rand without modulo
// bias.
func GenerateKey() (string, error) {
	var out [KeyLength]byte
	var buf [64]byte
	n := 0
	for n < KeyLength {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("generate api key: %w", err)
		}
		for _, b := range buf {
			// 248 = 4 × 62: bytes at or above it would favour the first letters, so they are dropped.
			if b >= 248 {
				continue
			}
			out[n] = keyAlphabet[int(b)%len(keyAlphabet)]
			n++
			if n == KeyLength {
				break
			}
		}
	}
	return string(out[:]), nil
}

// ValidKey reports whether key has the form of an API key: 40 characters of [a-zA-Z0-9] (MISP's check).
func ValidKey(key string) bool {
	if len(key) != KeyLength {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// HashKey returns the bcrypt hash of key to store. It refuses strings that are not API keys (ErrInvalidKey).
func HashKey(key string) (string, error) {
	if !ValidKey(key) {
		return "", fmt.Errorf("hash api key: %w", ErrInvalidKey)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(key), KeyHashCost)
	if err != nil {
		return "", fmt.Errorf("hash api key: %w", err)
	}
	return string(h), nil
}

// CheckKey reports whether key matches hash, a stored bcrypt hash (hunch's, or MISP's $2y$ form). Strings that are
// not API keys never match, and the comparison takes constant time in the key.
func CheckKey(hash, key string) bool {
	if !ValidKey(key) {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(key)) == nil
}

// KeyStart returns the first four characters of key, kept in clear for display and lookup (authkey_start).
func KeyStart(key string) string {
	if len(key) < 4 {
		return key
	}
	return key[:4]
}

// KeyEnd returns the last four characters of key, kept in clear for display and lookup (authkey_end).
func KeyEnd(key string) string {
	if len(key) < 4 {
		return key
	}
	return key[len(key)-4:]
}
