package cli

import (
	"iter"

	"github.com/spf13/cobra"

	"github.com/hunchsec/hunch/pipeline"
	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/unpack"
)

// unpackFlags are the decoder's limits, shared by unpack and extract --unpack.
type unpackFlags struct {
	minLen     int
	maxBytes   byteSize
	maxDepth   int
	maxMembers int
	maxRatio   float64
}

func (f *unpackFlags) register(cmd *cobra.Command) {
	d := unpack.DefaultOptions()
	f.maxBytes = byteSize(d.MaxBytes)
	fl := cmd.Flags()
	fl.IntVar(&f.minLen, "min-len", d.MinLen, "shortest base64 or hex candidate, in characters")
	fl.Var(&f.maxBytes, "max-decoded", "decoded bytes per field, whole tree (e.g. 16MiB)")
	fl.IntVar(&f.maxDepth, "max-depth", d.MaxDepth, "deepest nesting of encodings followed")
	fl.IntVar(&f.maxMembers, "max-members", d.MaxMembers, "archive members read per archive")
	fl.Float64Var(&f.maxRatio, "max-ratio", d.MaxRatio, "largest decompressed/compressed size ratio (zip-bomb guard)")
}

// unpacker builds the decoder; textOnly skips blob hashes and previews for callers that only
// read the decoded text.
func (f *unpackFlags) unpacker(textOnly bool) (*unpack.Unpacker, error) {
	o := unpack.DefaultOptions()
	o.NoHashes = textOnly
	o.MinLen, o.MaxBytes, o.MaxDepth, o.MaxMembers, o.MaxRatio = f.minLen, int64(f.maxBytes), f.maxDepth, f.maxMembers, f.maxRatio
	u, err := unpack.New(o)
	if err != nil {
		return nil, usageError{err}
	}
	return u, nil
}

func newUnpackCmd(e *env) *cobra.Command {
	var (
		in     inputFlags
		up     unpackFlags
		fields []string
		all    bool
		jobs   int
	)
	cmd := &cobra.Command{
		Use:   "unpack [FILE...]",
		Short: "Find and recursively decode base64, hex, compressed and archived blobs",
		Long: `unpack finds base64 (standard or URL-safe) and hex blobs in text, decodes them and follows
the result through gzip, zlib, deflate, zip and tar, UTF-16 and nested encodings, and recognises
PowerShell's -EncodedCommand, [Convert]::FromBase64String and compression stagers.

Each decoded blob becomes a record: the source record and field, byte span, encoding chain
(base64>gzip>utf16le), decoded text (or a hex preview for binaries), size, hashes, archive
member, depth and parent. full_decoded holds the field's text with every blob replaced by its
decoding (on the first blob record of each field), ready for 'hunch extract -f full_decoded'.

Limits (decoded bytes, depth, archive members, expansion ratio) stop runaway input; a limit hit
or corrupt data is reported in the blob's error field and processing goes on.`,
		Example: `  hunch unpack -f CommandLine events.ndjson
  hunch unpack -f CommandLine events.ndjson | hunch extract -f full_decoded`,
		RunE: func(cmd *cobra.Command, files []string) error {
			defer paceGC(e.getenv)()
			u, err := up.unpacker(false)
			if err != nil {
				return err
			}
			if jobs < 1 {
				return usagef("--jobs must be at least 1")
			}
			po := pipeline.UnpackOptions{Unpacker: u, Fields: fields, Keep: len(fields) > 0, All: all, Workers: jobs}
			return e.transformEncoded(&in, files, func(src record.Stream) record.Stream {
				return pipeline.Unpack(e.ctx, src, po)
			}, func(src record.Stream, enc *record.Encoder) iter.Seq2[pipeline.Encoded, error] {
				return pipeline.UnpackEncoded(e.ctx, src, po, enc)
			})
		},
	}
	in.register(cmd)
	up.register(cmd)
	fl := cmd.Flags()
	fieldFlag(fl, &fields, "decode")
	fl.BoolVar(&all, "all", false, "also emit a record for each field without blobs (full_decoded = its text)")
	jobsFlag(fl, &jobs)
	return cmd
}
