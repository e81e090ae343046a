// Package config loads hunch's settings from a YAML file (--config, $HUNCH_CONFIG, or
// $XDG_CONFIG_HOME/hunch/hunch.yaml when present); Validate reports every problem with its field.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/automation"
	"github.com/hunchsec/hunch/enrich/providers"
)

// Config is the whole of hunch's configuration file.
type Config struct {
	// Path is the file the configuration was read from ("" when none was found).
	Path string `yaml:"-"`
	// DataDir holds the embedded database (cache, later the intel store) and provider state;
	// default $XDG_DATA_HOME/hunch. --data overrides it.
	DataDir string `yaml:"data_dir"`
	// IOC configures indicator extraction.
	IOC IOC `yaml:"ioc"`
	// Enrich configures threat-intelligence providers, the combined verdict and the cache.
	Enrich providers.Config `yaml:"enrich"`
	// GeoIP configures location lookups.
	GeoIP GeoIP `yaml:"geoip"`
	// Whois configures RDAP and Team Cymru lookups.
	Whois Whois `yaml:"whois"`
	// Server configures `hunch serve`.
	Server Server `yaml:"server"`
	// Intel configures the intel store.
	Intel Intel `yaml:"intel"`
	SIEM  SIEM  `yaml:"siem"` // SIEM configures `hunch query`: template folders and connections.
	// Automation configures incidents: SLA timers per severity.
	Automation Automation `yaml:"automation"`
}

// Automation configures incidents and playbooks.
type Automation struct {
	// SLA replaces automation.DefaultSLAPolicy when set.
	SLA *automation.SLAPolicy `yaml:"sla"`
}

// GeoIP configures location lookups from MaxMind-format databases.
type GeoIP struct {
	// Files are .mmdb databases (City, Country, ASN; GeoLite2, GeoIP2, DB-IP or IPinfo), asked in
	// order. Default: every .mmdb in Dir.
	Files []string `yaml:"files"`
	// Dir is where `hunch geoip update` installs databases (default <data_dir>/geoip).
	Dir string `yaml:"dir"`
	// AccountID and LicenseKey are the MaxMind credentials for updates.
	AccountID  string           `yaml:"account_id"`
	LicenseKey providers.Secret `yaml:"license_key"`
	// Editions to download (default GeoLite2-City and GeoLite2-ASN).
	Editions []string `yaml:"editions"`
	// BaseURL replaces https://download.maxmind.com (a mirror or proxy).
	BaseURL string `yaml:"base_url"`
}

// Whois configures RDAP and Team Cymru lookups.
type Whois struct {
	// BootstrapURL replaces IANA's RDAP bootstrap root (https://data.iana.org/rdap/).
	BootstrapURL string `yaml:"bootstrap_url"`
	// Cymru is the Team Cymru whois server, host:port (default whois.cymru.com:43; "off" disables).
	Cymru string `yaml:"cymru"`
	// Timeout bounds each request (default 15s).
	Timeout time.Duration `yaml:"timeout"`
}

// IOC configures indicator extraction.
type IOC struct {
	// Custom lists extra named indicator types found by regular expressions. A named group
	// "ioc" selects the value when present.
	Custom []CustomType `yaml:"custom"`
}

// CustomType is one user-defined indicator type.
type CustomType struct {
	Name    string `yaml:"name"`
	Pattern string `yaml:"pattern"`
}

// FieldError is a problem with one field of the configuration.
type FieldError struct {
	Field  string // dotted path, e.g. "ioc.custom[2].pattern"
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// DefaultPath returns $XDG_CONFIG_HOME/hunch/hunch.yaml (or ~/.config/hunch/hunch.yaml).
func DefaultPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "hunch", "hunch.yaml")
}

// Load reads the configuration. An explicit path (from --config or HUNCH_CONFIG) must exist;
// the default path is used when it exists and ignored otherwise. Unknown keys are errors, so a
// misspelt setting is never silently ignored.
func Load(explicit string, getenv func(string) string) (*Config, error) {
	path := explicit
	if path == "" {
		path = getenv("HUNCH_CONFIG")
	}
	mustExist := path != ""
	if path == "" {
		path = DefaultPath(getenv)
	}
	cfg := &Config{}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := decode(data, cfg); err != nil {
				return nil, fmt.Errorf("config %s: %w", path, err)
			}
			cfg.Path = path
			cfg.resolvePaths(filepath.Dir(path))
		case errors.Is(err, os.ErrNotExist) && !mustExist:
		default:
			return nil, fmt.Errorf("reading config: %w", err)
		}
	}
	if err := cfg.Validate(); err != nil {
		where := cfg.Path
		if where == "" {
			where = "config"
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return cfg, nil
}

func decode(data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

var typeName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate checks every field and returns all problems joined, each naming its field.
func (c *Config) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, ct := range c.IOC.Custom {
		field := fmt.Sprintf("ioc.custom[%d]", i)
		if !typeName.MatchString(ct.Name) {
			errs = append(errs, &FieldError{field + ".name", fmt.Sprintf("%q is not a valid type name (lower-case letters, digits, _; starting with a letter)", ct.Name)})
		} else if seen[ct.Name] {
			errs = append(errs, &FieldError{field + ".name", fmt.Sprintf("%q is defined twice", ct.Name)})
		}
		seen[ct.Name] = true
		if strings.TrimSpace(ct.Pattern) == "" {
			errs = append(errs, &FieldError{field + ".pattern", "is empty"})
		} else if _, err := regexp.Compile(ct.Pattern); err != nil {
			errs = append(errs, &FieldError{field + ".pattern", err.Error()})
		}
	}
	for _, p := range c.Enrich.Providers {
		field := fmt.Sprintf("enrich.providers.%s", p.Name)
		if !slices.Contains(providers.Kinds(), p.Kind()) {
			errs = append(errs, &FieldError{field + ".type", fmt.Sprintf("unknown provider type %q (known: %s)", p.Kind(), strings.Join(providers.Kinds(), ", "))})
		}
		for name, n := range map[string]int{"retries": p.Retries + 1, "concurrency": p.Concurrency, "rate.per_minute": p.Rate.PerMinute,
			"rate.per_day": p.Rate.PerDay, "max_age_days": p.MaxAgeDays, "limit": p.Limit, "max_reply": int(p.MaxReply)} {
			if n < 0 {
				errs = append(errs, &FieldError{field + "." + name, "must not be negative"})
			}
		}
		if p.Timeout < 0 || p.Refresh < 0 {
			errs = append(errs, &FieldError{field, "durations must not be negative"})
		}
		if p.Kind() == "local" && len(p.Files) == 0 {
			errs = append(errs, &FieldError{field + ".files", "a local list needs at least one file"})
		}
	}
	errs = append(errs, c.Server.validate()...)
	errs = append(errs, c.Intel.validate()...)
	return errors.Join(errs...)
}

// resolvePaths makes the file paths of the configuration relative to its own directory, so a
// configuration and the lists beside it can move together.
func (c *Config) resolvePaths(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
			return p
		}
		return filepath.Join(dir, p)
	}
	c.DataDir = abs(c.DataDir)
	c.GeoIP.Dir = abs(c.GeoIP.Dir)
	c.Server.TLSCert, c.Server.TLSKey = abs(c.Server.TLSCert), abs(c.Server.TLSKey)
	c.Intel.ObjectsDir, c.Intel.DataDir = abs(c.Intel.ObjectsDir), abs(c.Intel.DataDir)
	for i := range c.GeoIP.Files {
		c.GeoIP.Files[i] = abs(c.GeoIP.Files[i])
	}
	for i := range c.Enrich.Providers {
		for j := range c.Enrich.Providers[i].Files {
			c.Enrich.Providers[i].Files[j] = abs(c.Enrich.Providers[i].Files[j])
		}
	}
}

// DefaultDataDir returns $XDG_DATA_HOME/hunch (or ~/.local/share/hunch).
func DefaultDataDir(getenv func(string) string) string {
	dir := getenv("XDG_DATA_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "hunch")
}
