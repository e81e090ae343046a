// Package providers builds the enrichment engine from configuration: it knows every provider
// package, resolves secrets (env:NAME, file:PATH), applies reliability, rate limits, timeouts and
// cache lifetimes, and says which providers are usable and why not.
package providers

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/enrich"
)

// Config is the `enrich:` section of hunch.yaml.
type Config struct {
	// MinReliability: only providers at or above it count towards the combined verdict.
	MinReliability enrich.Reliability `yaml:"min_reliability"`
	// TTL is the default cache lifetime by verdict; a provider's own ttl overrides it field by field.
	TTL enrich.TTL `yaml:"ttl"`
	// MemoryEntries bounds the in-memory cache layer (0: enrich.DefaultMemoryEntries).
	MemoryEntries int `yaml:"memory_entries"`
	// Providers, in the order written; that order also breaks ties in the combined verdict.
	Providers List `yaml:"providers"`
}

// Provider configures one provider. Type names the provider package (virustotal, otx, xforce,
// abuseipdb, greynoise, urlhaus, threatfox, malwarebazaar, internetdb, tor, misp, local); it
// defaults to the entry's name, so several local lists can live side by side under their own names.
type Provider struct {
	Name        string             `yaml:"-"`
	Type        string             `yaml:"type"`
	Enabled     *bool              `yaml:"enabled"` // default true
	Key         Secret             `yaml:"key"`
	Password    Secret             `yaml:"password"` // xforce: the API password
	Reliability enrich.Reliability `yaml:"reliability"`
	Rate        enrich.Rate        `yaml:"rate"`
	Timeout     time.Duration      `yaml:"timeout"`
	Retries     int                `yaml:"retries"` // retries after the first attempt; -1: none
	Concurrency int                `yaml:"concurrency"`
	BaseURL     string             `yaml:"base_url"`
	TTL         enrich.TTL         `yaml:"ttl"`
	MaxReply    int64              `yaml:"max_reply"`    // bytes; 0: enrich.DefaultMaxReply
	Files       []string           `yaml:"files"`        // local: the lists
	Refresh     time.Duration      `yaml:"refresh"`      // tor: list refresh interval
	MaxAgeDays  int                `yaml:"max_age_days"` // abuseipdb: report window
	Limit       int                `yaml:"limit"`        // misp: attributes per search
}

// IsEnabled reports whether the entry is switched on (the default).
func (p Provider) IsEnabled() bool { return p.Enabled == nil || *p.Enabled }

// Kind is the provider package the entry configures.
func (p Provider) Kind() string {
	if p.Type != "" {
		return p.Type
	}
	return p.Name
}

// List is the providers mapping, kept in the order of the file.
type List []Provider

// UnmarshalYAML reads a mapping of name → settings, keeping its order.
func (l *List) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: providers must be a mapping of name → settings", n.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name := n.Content[i].Value
		if seen[name] {
			return fmt.Errorf("line %d: provider %q is configured twice", n.Content[i].Line, name)
		}
		seen[name] = true
		var p Provider
		if err := checkKeys(n.Content[i+1], reflect.TypeFor[Provider]()); err != nil {
			return fmt.Errorf("provider %q: %w", name, err)
		}
		if err := n.Content[i+1].Decode(&p); err != nil {
			return fmt.Errorf("provider %q: %w", name, err)
		}
		p.Name = name
		*l = append(*l, p)
	}
	return nil
}

// checkKeys refuses a mapping key that names no field of t, in nested mappings too (a node's
// Decode does not, unlike the file decoder's KnownFields), so a misspelt setting is never
// silently ignored.
func checkKeys(n *yaml.Node, t reflect.Type) error {
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		f, ok := fieldByTag(t, k.Value)
		if !ok {
			return fmt.Errorf("line %d: unknown setting %q", k.Line, k.Value)
		}
		if err := checkKeys(n.Content[i+1], f.Type); err != nil {
			return fmt.Errorf("%s: %w", k.Value, err)
		}
	}
	return nil
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag == name && tag != "-" {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// Secret is a credential written as env:NAME (an environment variable), file:PATH (the file's
// content, trimmed), or the value itself. It never prints its value.
type Secret string

// IsSet reports whether anything was written.
func (s Secret) IsSet() bool { return strings.TrimSpace(string(s)) != "" }

// String shows where the secret comes from, never the value.
func (s Secret) String() string {
	switch {
	case !s.IsSet():
		return ""
	case strings.HasPrefix(string(s), "env:"), strings.HasPrefix(string(s), "file:"):
		return string(s)
	}
	return "(inline)"
}

// GoString is String, so %#v does not leak the value either.
func (s Secret) GoString() string { return s.String() }

// ErrSecret is wrapped by every failure to resolve a secret.
var ErrSecret = errors.New("secret unavailable")

// Resolve returns the secret's value, reading the environment with getenv.
func (s Secret) Resolve(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(string(s))
	switch {
	case strings.HasPrefix(v, "env:"):
		name := strings.TrimPrefix(v, "env:")
		val := strings.TrimSpace(getenv(name))
		if val == "" {
			return "", fmt.Errorf("%w: environment variable %s is not set", ErrSecret, name)
		}
		return val, nil
	case strings.HasPrefix(v, "file:"):
		path := strings.TrimPrefix(v, "file:")
		data, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrSecret, err)
		}
		val := strings.TrimSpace(string(data))
		if val == "" {
			return "", fmt.Errorf("%w: %s is empty", ErrSecret, path)
		}
		return val, nil
	}
	return v, nil
}
