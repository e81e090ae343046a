package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/store"
)

// maxPasswordInput bounds what `user passwd` reads for the password: a line, not a file.
const maxPasswordInput = 4096

// newUserPasswdCmd is `hunch user passwd EMAIL`: set the web UI password of a user, read from stdin or a file and
// never from the command line, where other users of the machine could read it.
func newUserPasswdCmd(e *env) *cobra.Command {
	var db, file string
	cmd := &cobra.Command{
		Use:   "passwd EMAIL",
		Short: "Set a user's web UI password, read from stdin (or --password-file), never from the arguments",
		Long: `passwd sets the password user EMAIL logs in to the web UI of 'hunch serve' with. The password is
the first line of stdin, or of --password-file; it is never taken from the command line. It must be at
least 12 characters long (at most 72 bytes, what bcrypt reads). It is stored as a bcrypt hash, and the
user's open web sessions end.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in io.Reader = e.stdin
			if file != "" {
				f, err := os.Open(file)
				if err != nil {
					return fmt.Errorf("reading the password: %w", err)
				}
				defer f.Close()
				in = f
			}
			if in == nil {
				return usagef("no password: give it on stdin or with --password-file")
			}
			pw, err := readPasswordLine(in)
			if err != nil {
				return err
			}
			return e.withIntel(db, func(svc *intel.Service) error {
				u, err := svc.Store().UserByEmail(e.ctx, args[0])
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no user %q (see 'hunch user list')", args[0])
				}
				if err != nil {
					return fmt.Errorf("looking up user %q: %w", args[0], err)
				}
				if err := svc.SetPassword(e.ctx, intel.System, int64(u.ID), pw); err != nil {
					return fmt.Errorf("setting the password of %s: %w", u.Email, err)
				}
				e.log.Info("password set", "id", int64(u.ID), "email", u.Email)
				return nil
			})
		},
	}
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&file, "password-file", "", "read the password from the first line of this file instead of stdin")
	return cmd
}

// readPasswordLine reads the first line of r (without its line ending), at most maxPasswordInput bytes.
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxPasswordInput+2), maxPasswordInput+2).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if len(line) > maxPasswordInput {
		return "", usagef("the password line is longer than %d bytes", maxPasswordInput)
	}
	if line == "" {
		return "", usagef("no password: the first line of the input is empty")
	}
	return line, nil
}
