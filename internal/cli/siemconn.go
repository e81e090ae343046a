package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hunchsec/hunch/internal/config"
	"github.com/hunchsec/hunch/siem"
	"github.com/hunchsec/hunch/siem/elastic"
	"github.com/hunchsec/hunch/siem/files"
	"github.com/hunchsec/hunch/siem/sentinel"
	"github.com/hunchsec/hunch/siem/splunk"
)

// This file opens the SIEM connections of the configuration: the sources `hunch query` runs
// against and the uploaders `hunch upload` sends to. Each backend package decodes its own
// settings; warnings a backend reports (partial results, shard failures) go to stderr and make
// the command end with the partial exit code.

// siemWarning prints a backend's warning and counts it.
func (e *env) siemWarning(msg string) {
	e.siemWarnings++
	fmt.Fprintf(e.stderr, "hunch: warning: %s\n", msg)
}

// siemWarningsDone turns the warnings a search or upload printed into the partial exit code.
func (e *env) siemWarningsDone() error {
	if e.siemWarnings == 0 {
		return nil
	}
	fmt.Fprintf(e.stderr, "hunch: %d warning(s): the results may be incomplete\n", e.siemWarnings)
	return errPartial
}

func decodeSentinel(c config.Connection) (sentinel.Config, error) {
	var cfg sentinel.Config
	err := c.Decode(&cfg)
	return cfg, err
}

func (e *env) sentinelOptions() []sentinel.Option {
	return []sentinel.Option{sentinel.WithWarnings(func(p *sentinel.PartialError) { e.siemWarning(p.Error()) })}
}

func openSentinel(e *env, c config.Connection) (siem.Source, error) {
	cfg, err := decodeSentinel(c)
	if err != nil {
		return nil, err
	}
	return sentinel.New(cfg, e.getenv, e.sentinelOptions()...)
}

func uploadSentinel(e *env, c config.Connection) (siem.Uploader, error) {
	cfg, err := decodeSentinel(c)
	if err != nil {
		return nil, err
	}
	return sentinel.NewUploader(cfg, e.getenv, e.sentinelOptions()...)
}

// decodeElastic reads an elastic or opensearch connection; the kind opensearch sets the flavor.
func decodeElastic(c config.Connection) (elastic.Config, error) {
	var cfg elastic.Config
	if err := c.Decode(&cfg); err != nil {
		return cfg, err
	}
	if c.Kind == "opensearch" {
		if cfg.Flavor != "" && cfg.Flavor != elastic.OpenSearch {
			return cfg, fmt.Errorf("opensearch connection: flavor %q contradicts the kind", cfg.Flavor)
		}
		cfg.Flavor = elastic.OpenSearch
	}
	return cfg, nil
}

func (e *env) elasticOptions() []elastic.Option {
	return []elastic.Option{elastic.WithWarnings(e.siemWarning)}
}

func openElastic(e *env, c config.Connection) (siem.Source, error) {
	cfg, err := decodeElastic(c)
	if err != nil {
		return nil, err
	}
	return elastic.New(cfg, e.getenv, e.elasticOptions()...)
}

func uploadElastic(e *env, c config.Connection) (siem.Uploader, error) {
	cfg, err := decodeElastic(c)
	if err != nil {
		return nil, err
	}
	return elastic.NewUploader(cfg, e.getenv, e.elasticOptions()...)
}

func decodeSplunk(c config.Connection) (splunk.Config, error) {
	var cfg splunk.Config
	err := c.Decode(&cfg)
	return cfg, err
}

func openSplunk(e *env, c config.Connection) (siem.Source, error) {
	cfg, err := decodeSplunk(c)
	if err != nil {
		return nil, err
	}
	return splunk.New(cfg, e.getenv, splunk.WithWarnings(e.siemWarning))
}

func uploadSplunk(e *env, c config.Connection) (siem.Uploader, error) {
	cfg, err := decodeSplunk(c)
	if err != nil {
		return nil, err
	}
	return splunk.NewUploader(cfg, e.getenv, splunk.WithWarnings(e.siemWarning))
}

// openFiles reads a files connection; relative paths are taken from the configuration
// file's folder.
func openFiles(e *env, c config.Connection) (siem.Source, error) {
	var cfg files.Config
	if err := c.Decode(&cfg); err != nil {
		return nil, err
	}
	if len(cfg.Paths) == 0 {
		return nil, fmt.Errorf("files connection: paths is required (files or glob patterns)")
	}
	for i, p := range cfg.Paths {
		cfg.Paths[i] = e.cfg.RelativePath(p)
	}
	return files.New(cfg)
}

// adhocFiles adds a files connection over the given paths (relative to the working directory)
// to this run's configuration and returns its name. Its records carry their file in _file.
func (e *env) adhocFiles(paths []string) (string, error) {
	abs := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("--files %s: %w", p, err)
		}
		abs[i] = a
	}
	var node yaml.Node
	if err := node.Encode(map[string]any{"paths": abs, "file_field": "_file"}); err != nil {
		return "", err
	}
	const name = "--files"
	if e.cfg.SIEM.Connections == nil {
		e.cfg.SIEM.Connections = map[string]config.Connection{}
	}
	e.cfg.SIEM.Connections[name] = config.Connection{Kind: "files", Settings: node}
	return name, nil
}

// siemUploaderConstructor builds the uploader of one named connection.
type siemUploaderConstructor func(e *env, c config.Connection) (siem.Uploader, error)

// siemUploaderKinds maps a connection kind to the constructor of its uploader; kinds that only
// read (files, sqlite, postgres) have none.
func siemUploaderKinds() map[string]siemUploaderConstructor {
	return map[string]siemUploaderConstructor{
		"splunk":     uploadSplunk,
		"sentinel":   uploadSentinel,
		"elastic":    uploadElastic,
		"opensearch": uploadElastic,
	}
}

// siemUploader opens the uploader of the connection called name.
func (e *env) siemUploader(name string) (siem.Uploader, error) {
	c, ok := e.cfg.SIEM.Connections[name]
	if !ok {
		return nil, usagef("no connection %q in siem.connections (configured: %s)", name, strings.Join(e.connectionNames(), ", "))
	}
	open, ok := siemUploaderKinds()[c.Kind]
	if !ok {
		var kinds []string
		for k := range siemUploaderKinds() {
			kinds = append(kinds, k)
		}
		return nil, usagef("connection %s: kind %s cannot receive uploads (kinds that can: %s)", name, c.Kind, strings.Join(sortedStrings(kinds), ", "))
	}
	up, err := open(e, c)
	if err != nil {
		return nil, fmt.Errorf("connection %s: %w", name, err)
	}
	return up, nil
}
