package intel

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The remote API keys of sync servers cannot be hashed like users' keys: hunch must send them. They are sealed
// at rest with AES-256-GCM under a key of 32 random bytes kept in a file (Options.ServerKeyFile) that is created
// on first use with mode 0600 and may be given instead as a secret file. The sealed form is
// sealedPrefix + base64(nonce || ciphertext || tag); the server id is the additional data, so a sealed key copied
// to another server row does not open.

// sealedPrefix marks a sealed key and its format version.
const sealedPrefix = "hunch-sealed:v1:"

// serverKeyLen is the length of the sealing key (AES-256).
const serverKeyLen = 32

// ErrNoServerKeyFile refuses to store or use a remote key when the service has no ServerKeyFile.
var ErrNoServerKeyFile = errors.New("no key file to seal sync server keys with (Options.ServerKeyFile)")

// serverAEAD reads the sealing key file, creating it (0600, 32 random bytes, base64) when it does not exist.
func (s *Service) serverAEAD() (cipher.AEAD, error) {
	path := s.opts.ServerKeyFile
	if path == "" {
		return nil, ErrNoServerKeyFile
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = createServerKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("sync server key file: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != serverKeyLen {
		return nil, fmt.Errorf("sync server key file %s: want %d bytes in base64", path, serverKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sync server key: %w", err)
	}
	return cipher.NewGCM(block)
}

// createServerKeyFile writes a new random key to path, unless another process made the file first (then that
// file's key is used).
func createServerKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, serverKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	data := []byte(base64.StdEncoding.EncodeToString(key) + "\n")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return data, nil
}

func serverAD(serverID int64) []byte { return fmt.Appendf(nil, "hunch server %d", serverID) }

// sealServerKey seals key for server serverID; "" stays "".
func (s *Service) sealServerKey(serverID int64, key string) (string, error) {
	if key == "" {
		return "", nil
	}
	aead, err := s.serverAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal server key: %w", err)
	}
	out := aead.Seal(nonce, nonce, []byte(key), serverAD(serverID))
	return sealedPrefix + base64.StdEncoding.EncodeToString(out), nil
}

// openServerKey opens a key sealed for server serverID.
func (s *Service) openServerKey(serverID int64, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("server %d: stored key is not sealed", serverID)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("server %d: stored key is damaged", serverID)
	}
	aead, err := s.serverAEAD()
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", fmt.Errorf("server %d: stored key is damaged", serverID)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], serverAD(serverID))
	if err != nil {
		return "", fmt.Errorf("server %d: stored key does not open with the key file (was it replaced?)", serverID)
	}
	return string(plain), nil
}
