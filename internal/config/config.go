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
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the whole of hunch's configuration file.
type Config struct {
	// Path is the file the configuration was read from ("" when none was found).
	Path string `yaml:"-"`
	// IOC configures indicator extraction.
	IOC IOC `yaml:"ioc"`
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
	return errors.Join(errs...)
}
