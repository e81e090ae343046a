// Package cli is hunch's command-line interface: the cobra command tree, one file per verb, the
// output-format flags and the map from errors to exit codes. Verbs are thin: flags → library call
// (package pipeline and below) → writer. No logic lives only here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/internal/config"
)

// Exit codes, as documented in the README.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the command failed
	ExitUsage   = 2 // bad flags or arguments
	ExitPartial = 3 // some records failed and were reported; the rest were processed
)

// usageError marks an error in how the command was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errPartial reports that some input was bad and skipped (exit code 3); the message was already printed.
var errPartial = errors.New("some records were skipped")

// env is what every command is constructed with: its I/O, environment and global flags.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string

	configPath string
	output     string
	columns    []string
	verbose    int
	data       string

	log *slog.Logger
	cfg *config.Config

	siemWarnings int // warnings SIEM backends reported during this command
}

// Run executes hunch with args (without the program name) and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, stdin, stdout, stderr, os.Getenv)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errPartial):
		return ExitPartial
	}
	fmt.Fprintf(stderr, "hunch: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "hunch",
		Short: "Threat hunting and threat intelligence in one binary",
		Long: `hunch pulls events from files and SIEMs, decodes what is hidden in them, extracts and
enriches indicators, and hands the results back — one static binary, no services needed.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelWarn
			switch {
			case e.verbose >= 2:
				level = slog.LevelDebug
			case e.verbose == 1:
				level = slog.LevelInfo
			}
			e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
			if cmd.Annotations["config"] == "none" {
				return nil
			}
			cfg, err := config.Load(e.configPath, e.getenv)
			if err != nil {
				return err
			}
			e.cfg = cfg
			if cfg.Path != "" {
				e.log.Info("configuration loaded", "path", cfg.Path)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&e.configPath, "config", "", "configuration file (default $XDG_CONFIG_HOME/hunch/hunch.yaml)")
	pf.StringVarP(&e.output, "output", "o", "", "output format: table, json, ndjson, csv (default table on a terminal, ndjson otherwise)")
	pf.StringSliceVar(&e.columns, "columns", nil, "comma-separated fields to write, in this order (default: all fields)")
	pf.CountVarP(&e.verbose, "verbose", "v", "more log output on stderr (-v info, -vv debug)")
	pf.StringVar(&e.data, "data", "", "data directory: cache and database (default $XDG_DATA_HOME/hunch)")

	root.AddCommand(newVersionCmd(e), newExtractCmd(e), newUnpackCmd(e), newLookupCmd(e), newGeoIPCmd(e), newWhoisCmd(e),
		newCacheCmd(e), newConfigCmd(e))
	root.AddCommand(newServeCmd(e), newInitCmd(e))
	root.AddCommand(newOrgCmd(e), newUserCmd(e))
	root.AddCommand(newIntelCmd(e))
	root.AddCommand(newQueryCmd(e), newUploadCmd(e), newAnalyzeCmd(e))
	root.AddCommand(newSplunkCommandCmd(e), newSplunkAppCmd(e))
	root.AddCommand(newReportCmd(e), newSigmaCmd(e), newRepCmd(e), newIncidentCmd(e), newChatCmd(e))
	root.AddCommand(newPlaybookCmd(e), newTaskCmd(e), newHuntCmd(e), newRespondCmd(e), newPivotCmd(e), newResolveCmd(e))
	// Unknown sub-commands and stray arguments are usage errors.
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("unknown command %q for %q", args[0], cmd.CommandPath())
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return root
}
