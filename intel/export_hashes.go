package intel

// The hashes export: MISP's HashesExport, the hash values of the selected attributes, one per line.

import (
	"fmt"
	"io"
	"strings"
)

// hashTypes are the attribute types whose value is a hash, and hashComposites those whose second part is
// (HashesExport's VALID_TYPES).
var (
	hashTypes = map[string]bool{"md5": true, "sha1": true, "sha256": true, "sha224": true, "sha384": true,
		"sha512": true, "sha512/224": true, "sha512/256": true, "sha3-224": true, "sha3-256": true, "sha3-384": true,
		"sha3-512": true, "ssdeep": true, "imphash": true, "tlsh": true, "x509-fingerprint-sha1": true,
		"x509-fingerprint-md5": true, "x509-fingerprint-sha256": true, "pehash": true, "authentihash": true,
		"impfuzzy": true}
	hashComposites = map[string]bool{"malware-sample": true, "filename|md5": true, "filename|sha1": true,
		"filename|sha256": true, "filename|sha224": true, "filename|sha512": true, "filename|sha512/224": true,
		"filename|sha512/256": true, "filename|sha3-224": true, "filename|sha3-256": true, "filename|sha3-384": true,
		"filename|sha3-512": true, "filename|ssdeep": true, "filename|imphash": true, "filename|tlsh": true,
		"filename|pehash": true, "filename|authentihash": true, "filename|impfuzzy": true}
)

// HashValue returns the hash an attribute of type typ and value v holds, as MISP's hashes export writes it:
// the value of a hash type, the second part of a filename|hash or malware-sample; ok is false for other types.
func HashValue(typ, v string) (hash string, ok bool) {
	if hashComposites[typ] {
		_, h, _ := strings.Cut(v, "|")
		return h, true
	}
	if hashTypes[typ] {
		return v, true
	}
	return "", false
}

// HashesWriter writes MISP's hashes export: each hash on its own line, repeats included, as MISP writes
// them, and a final newline.
type HashesWriter struct {
	w       io.Writer
	line    []byte
	written bool
}

// NewHashesWriter returns a HashesWriter writing to w.
func NewHashesWriter(w io.Writer) *HashesWriter { return &HashesWriter{w: w} }

// Write writes the hash of an attribute of type typ and value v; other types write nothing.
func (h *HashesWriter) Write(typ, v string) error {
	hash, ok := HashValue(typ, v)
	if !ok {
		return nil
	}
	h.written = true
	h.line = append(append(h.line[:0], hash...), '\n')
	if _, err := h.w.Write(h.line); err != nil {
		return fmt.Errorf("intel: write hashes: %w", err)
	}
	return nil
}

// Close ends the export. MISP joins the hashes with newlines and ends with one; its export of nothing is a
// single newline, and so is this one (each hash line already ends in one).
func (h *HashesWriter) Close() error {
	if h.written {
		return nil
	}
	if _, err := io.WriteString(h.w, "\n"); err != nil {
		return fmt.Errorf("intel: write hashes: %w", err)
	}
	return nil
}
