package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/siem"
)

func newUploadCmd(e *env) *cobra.Command {
	var (
		in         inputFlags
		connection string
		failedPath string
	)
	cmd := &cobra.Command{
		Use:   "upload --connection C [FILE…]",
		Short: "Send records to a SIEM: a Splunk index (HEC), a Log Analytics table, an Elasticsearch index",
		Long: `upload reads records from the files (or standard input) and sends them through the uploader of
--connection, a connection from siem.connections in the configuration. Batching, compression
and retries are the uploader's; a record the SIEM still refuses is reported on stderr with its
position in the input and why, and the command ends with exit code 3. With --failed FILE the
refused records themselves are written there as NDJSON, ready to be sent again.
Standard output gets one summary record: connection, sent, failed.`,
		RunE: func(_ *cobra.Command, files []string) error {
			if connection == "" {
				return usagef("--connection is required (configured: %s)", strings.Join(e.connectionNames(), ", "))
			}
			up, err := e.siemUploader(connection)
			if err != nil {
				return err
			}
			if c, ok := up.(io.Closer); ok {
				defer c.Close()
			}
			stream, t, err := e.inputs(&in, files)
			if err != nil {
				return err
			}
			var sp *spool
			if failedPath != "" {
				if sp, err = newSpool(); err != nil {
					return err
				}
				defer sp.close()
				stream = sp.tee(stream)
			}
			res, upErr := up.Upload(e.ctx, stream)
			for _, f := range res.Failed {
				fmt.Fprintf(e.stderr, "hunch: not uploaded: %v\n", f)
			}
			if sp != nil && len(res.Failed) > 0 {
				if err := sp.writeFailed(failedPath, res.Failed); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "hunch: %d refused record(s) written to %s\n", len(res.Failed), failedPath)
			}
			w, err := e.writer()
			if err != nil {
				return err
			}
			summary := record.New(
				record.Field{Name: "connection", Value: record.String(connection)},
				record.Field{Name: "sent", Value: record.Int(int64(res.Sent))},
				record.Field{Name: "failed", Value: record.Int(int64(len(res.Failed)))},
			)
			if err := w.Write(summary); err != nil {
				return err
			}
			if err := w.Close(); err != nil {
				return err
			}
			if upErr != nil {
				return fmt.Errorf("upload to %s stopped after %d record(s) sent: %w", connection, res.Sent, upErr)
			}
			if len(res.Failed) > 0 {
				fmt.Fprintf(e.stderr, "hunch: %d of %d record(s) refused by %s\n", len(res.Failed), res.Sent+len(res.Failed), connection)
				return errPartial
			}
			if err := t.done(); err != nil {
				return err
			}
			return e.siemWarningsDone()
		},
	}
	in.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&connection, "connection", "c", "", "connection from siem.connections to upload to")
	fl.StringVar(&failedPath, "failed", "", "write the records the SIEM refused to this NDJSON file")
	return cmd
}

// spool keeps a copy of every uploaded record in a temporary NDJSON file, with each record's
// offset, so that the ones the SIEM refused can be written out by their stream position.
type spool struct {
	f       *os.File
	w       *bufio.Writer
	offsets []int64 // offsets[i] is where record i+1 starts; the last entry is the end
	err     error
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "hunch-upload-*.ndjson")
	if err != nil {
		return nil, fmt.Errorf("upload spool: %w", err)
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 256<<10), offsets: []int64{0}}, nil
}

func (s *spool) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// tee passes in through, appending each record to the spool.
func (s *spool) tee(in record.Stream) record.Stream {
	return func(yield func(record.Record, error) bool) {
		var buf []byte
		for rec, err := range in {
			if err == nil && s.err == nil {
				buf = append(rec.AppendJSON(buf[:0]), '\n')
				if _, werr := s.w.Write(buf); werr != nil {
					s.err = fmt.Errorf("upload spool: %w", werr)
				}
				s.offsets = append(s.offsets, s.offsets[len(s.offsets)-1]+int64(len(buf)))
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// writeFailed writes the spooled records at the failed positions to path.
func (s *spool) writeFailed(path string, failed []siem.RecordError) error {
	if s.err != nil {
		return s.err
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("upload spool: %w", err)
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--failed: %w", err)
	}
	bw := bufio.NewWriter(out)
	for _, f := range failed {
		if f.N < 1 || f.N >= len(s.offsets) {
			out.Close()
			return fmt.Errorf("--failed: record %d is not in the uploaded stream of %d", f.N, len(s.offsets)-1)
		}
		start, end := s.offsets[f.N-1], s.offsets[f.N]
		if _, err := io.Copy(bw, io.NewSectionReader(s.f, start, end-start)); err != nil {
			out.Close()
			return fmt.Errorf("--failed: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return fmt.Errorf("--failed: %w", err)
	}
	return out.Close()
}
