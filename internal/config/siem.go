package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SIEM configures the sources `hunch query` runs against and where its templates come from.
type SIEM struct {
	// TemplateDirs are folders of user query templates (*.yaml, *.yml), read after the built-ins;
	// a template named like a built-in replaces it. Relative paths are taken from the
	// configuration file's folder.
	TemplateDirs []string `yaml:"template_dirs"`
	// Connections are the named sources, each with a kind and that kind's settings.
	Connections map[string]Connection `yaml:"connections"`
}

// ConnectionKinds lists the kinds a connection may have.
func ConnectionKinds() []string {
	return []string{"splunk", "sentinel", "elastic", "opensearch", "files", "sqlite", "postgres"}
}

// Connection is one named source: its kind, and the rest of its settings kept as YAML for the
// package of that kind to decode (see Decode).
type Connection struct {
	Kind string
	// Settings is the connection's mapping without the kind key.
	Settings yaml.Node
}

// UnmarshalYAML reads the kind and keeps the other keys for Decode. An unknown kind is an error.
func (c *Connection) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a connection is a mapping with a kind", n.Line)
	}
	rest := *n
	rest.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "kind" {
			c.Kind = v.Value
			continue
		}
		rest.Content = append(rest.Content, k, v)
	}
	if c.Kind == "" {
		return fmt.Errorf("line %d: connection has no kind (one of %s)", n.Line, strings.Join(ConnectionKinds(), ", "))
	}
	if !slices.Contains(ConnectionKinds(), c.Kind) {
		return fmt.Errorf("line %d: unknown connection kind %q (one of %s)", n.Line, c.Kind, strings.Join(ConnectionKinds(), ", "))
	}
	c.Settings = rest
	return nil
}

// Decode decodes the connection's settings into v (a backend package's Config). Keys v does not
// know are errors, so a misspelt setting is never silently ignored.
func (c Connection) Decode(v any) error {
	if c.Settings.Kind == 0 {
		return nil
	}
	data, err := yaml.Marshal(&c.Settings)
	if err != nil {
		return fmt.Errorf("%s connection: %w", c.Kind, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s connection: %w", c.Kind, err)
	}
	return nil
}

// SIEMTemplateDirs returns siem.template_dirs with relative paths taken from the folder of the
// configuration file (or the working directory when there is none).
func (c *Config) SIEMTemplateDirs() []string {
	return c.relativeToConfig(c.SIEM.TemplateDirs)
}

// RelativePath returns p taken from the configuration file's folder when it is relative, for
// file settings inside connections (such as a SQLite path).
func (c *Config) RelativePath(p string) string {
	if out := c.relativeToConfig([]string{p}); len(out) == 1 {
		return out[0]
	}
	return p
}

func (c *Config) relativeToConfig(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if p != "" && c.Path != "" && !filepath.IsAbs(p) && !strings.HasPrefix(p, "~") {
			p = filepath.Join(filepath.Dir(c.Path), p)
		}
		out = append(out, p)
	}
	return out
}

// String names the connection's kind only: its settings may hold inline secrets.
func (c Connection) String() string { return c.Kind + " connection" }

// GoString is String, so %#v does not print the settings either.
func (c Connection) GoString() string { return c.String() }
