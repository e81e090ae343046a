package config

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/internal/bytesize"
)

// Server configures `hunch serve`. Flags override each field.
type Server struct {
	// Listen is the address to listen on, host:port (default 127.0.0.1:8080).
	Listen string `yaml:"listen"`
	// TLSCert and TLSKey are PEM files of the certificate (chain) and its key; both or neither.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// TLSSelfSigned makes a certificate for localhost at start; it excludes TLSCert and TLSKey.
	TLSSelfSigned bool `yaml:"tls_self_signed"`
	// MaxBody bounds request bodies, e.g. "64MiB" (default 32MiB).
	MaxBody string `yaml:"max_body"`
	// Org and AdminEmail name the host organisation and the first site admin made on first start
	// (default "ORGNAME" and "admin@admin.test").
	Org        string `yaml:"org"`
	AdminEmail string `yaml:"admin_email"`
	// EDL names the External Dynamic Lists served at /edl/NAME, each a query of the intel store.
	EDL map[string]intel.EDLSpec `yaml:"edl"`
}

// Intel configures the intel store that `hunch serve` and `hunch intel …` share.
type Intel struct {
	// Database is a postgres:// URL of the store; empty means the embedded SQLite file in the data
	// directory. $HUNCH_DATABASE and --db override it.
	Database string `yaml:"database"`
	// ObjectsDir is a checkout of misp-objects whose templates validate objects
	// (default <data_dir>/misp-objects, used when present).
	ObjectsDir string `yaml:"objects_dir"`
	// DataDir holds the taxonomies/ and galaxies/ trees the API serves (default <data_dir>/misp).
	DataDir string `yaml:"data_dir"`
}

// MaxBodyBytes returns MaxBody in bytes, 0 when it is unset.
func (s Server) MaxBodyBytes() (int64, error) {
	if strings.TrimSpace(s.MaxBody) == "" {
		return 0, nil
	}
	n, err := bytesize.Parse(s.MaxBody)
	if err != nil {
		return 0, err
	}
	if n <= 0 {
		return 0, errors.New("must be positive")
	}
	return n, nil
}

// validate reports the problems of the server block, each with its field.
func (s Server) validate() []error {
	var errs []error
	if s.Listen != "" {
		if _, _, err := net.SplitHostPort(s.Listen); err != nil {
			errs = append(errs, &FieldError{"server.listen", fmt.Sprintf("%q is not host:port", s.Listen)})
		}
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		errs = append(errs, &FieldError{"server.tls_cert", "tls_cert and tls_key go together"})
	}
	if s.TLSSelfSigned && s.TLSCert != "" {
		errs = append(errs, &FieldError{"server.tls_self_signed", "excludes tls_cert and tls_key"})
	}
	if _, err := s.MaxBodyBytes(); err != nil {
		errs = append(errs, &FieldError{"server.max_body", err.Error()})
	}
	return errs
}

// validate reports the problems of the intel block, each with its field.
func (i Intel) validate() []error {
	if i.Database != "" && !IsPostgresURL(i.Database) {
		return []error{&FieldError{"intel.database", "must be a postgres:// or postgresql:// URL (leave it empty for the embedded SQLite store)"}}
	}
	return nil
}

// IsPostgresURL reports whether s is a postgres:// or postgresql:// URL.
func IsPostgresURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}
