package unpack

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Sentinel errors recorded (wrapped) in Blob.Err and Result.Err. Test with errors.Is.
var (
	// ErrTooLarge means the decoded-bytes budget of one input (Options.MaxBytes) ran out.
	ErrTooLarge = errors.New("decoded size limit reached")
	// ErrTooDeep means nesting or the number of layers in a chain passed Options.MaxDepth.
	ErrTooDeep = errors.New("depth limit reached")
	// ErrTooManyMembers means an archive held more members than Options.MaxMembers.
	ErrTooManyMembers = errors.New("archive member limit reached")
	// ErrRatio means a decompression stream expanded beyond Options.MaxRatio.
	ErrRatio = errors.New("expansion ratio limit reached")
	// ErrCorrupt means the data was malformed: bad checksum, truncated or invalid stream.
	ErrCorrupt = errors.New("corrupt data")
	// ErrUnsupported means a recognised container used a feature that cannot be decoded
	// (an encrypted zip member, an unknown compression method).
	ErrUnsupported = errors.New("unsupported data")
)

// Default limits, used by DefaultOptions and for zero fields of Options.
const (
	// DefaultMinLen is the default minimum candidate length. 20 base64 characters are
	// 15 bytes: shorter runs are dominated by words and identifiers (WindowsPowerShell is
	// 17), while 15 bytes that must all be printable text or a known magic leave random
	// identifiers almost no chance to pass. PowerShell arguments are exempt (8 suffice).
	DefaultMinLen = 20
	// DefaultMaxBytes is the default decoded-bytes budget per input: 16 MiB.
	DefaultMaxBytes = 16 << 20
	// DefaultMaxDepth is the default nesting limit.
	DefaultMaxDepth = 6
	// DefaultMaxMembers is the default number of members read from one archive.
	DefaultMaxMembers = 1000
	// DefaultMaxRatio is the default expansion limit of one decompression stream. Text
	// and scripts compress 3–10 times; 100 leaves room for logs and refuses bombs, which
	// expand about 1000 times.
	DefaultMaxRatio = 100
)

// ratioAllowance is the output every decompression stream may produce whatever its ratio.
const ratioAllowance = 64 << 10

// Options configures an Unpacker. A zero field takes its default; a negative one is an
// error from New.
type Options struct {
	// MinLen is the minimum length in characters of a base64 or hex candidate that has no
	// PowerShell context (default DefaultMinLen).
	MinLen int
	// MaxBytes is the decoded-bytes budget for one input, whole tree (default 16 MiB).
	MaxBytes int64
	// MaxDepth bounds blob nesting and the compression layers of one chain (default 6).
	MaxDepth int
	// MaxMembers is the number of archive members read per archive (default 1000).
	MaxMembers int
	// MaxRatio is the largest decompressed/compressed size ratio of one stream (default
	// 100); every stream may produce 64 KiB whatever its ratio.
	MaxRatio float64
	// NoHex turns off hex-blob detection, which is on by default.
	NoHex bool
	// NoHashes skips the hashes and preview of each blob (MD5, SHA1, SHA256 and Preview
	// stay empty), for callers that only read the decoded text. Hashes are on by default.
	NoHashes bool
}

// DefaultOptions returns the default limits with hex detection on.
func DefaultOptions() Options {
	return Options{
		MinLen:     DefaultMinLen,
		MaxBytes:   DefaultMaxBytes,
		MaxDepth:   DefaultMaxDepth,
		MaxMembers: DefaultMaxMembers,
		MaxRatio:   DefaultMaxRatio,
	}
}

// Blob is one decoded item: a blob found in text, or a member of an archive.
type Blob struct {
	// Index is the blob's position in Result.Blobs.
	Index int
	// Parent is the index of the parent blob, -1 when found in the input itself. A parent
	// always comes before its children.
	Parent int
	// Depth is 1 for blobs found in the input, parent's depth + 1 otherwise.
	Depth int
	// Start and End are the byte span of the encoded text in the parent's Text (in the
	// input for depth 1). Archive members have an empty span (0, 0).
	Start, End int
	// Chain lists the encodings from outer to inner, e.g. ["base64", "gzip", "utf16le"]:
	// first "base64", "hex" or "hexbytes" (a 0xfc,0xe8,… list) for blobs found in text, or
	// "zip" or "tar" for archive members; then "gzip", "zlib", "bzip2" or "deflate" per
	// compression layer; last "utf16le" or "utf16be" for UTF-16 text.
	Chain []string
	// Member is the archive member name, "" when the blob is not an archive member.
	Member string
	// Kind is "text", a format ("pe", "elf", "macho", "zip", "tar", "gzip", "zlib",
	// "bzip2", "pdf", "7z", "rar", "ole", "javaclass", "xz"), "binary" or "empty".
	Kind string
	// Text is the decoded text when Kind is "text": UTF-16 converted, NULs stripped.
	Text string
	// Preview is the hex of the first 32 decoded bytes when Kind is not "text".
	Preview string
	// Size is the decoded size in bytes.
	Size int
	// MD5, SHA1 and SHA256 are the lower-case hex digests of the decoded bytes.
	MD5, SHA1, SHA256 string
	// Err records a limit hit or corrupt data on this blob; processing continued.
	Err error
}

// Encoding returns the chain joined with ">", e.g. "base64>gzip>utf16le".
func (b Blob) Encoding() string { return strings.Join(b.Chain, ">") }

// Result is the outcome of unpacking one input.
type Result struct {
	// Blobs lists every blob, parents before children.
	Blobs []Blob
	// FullDecoded is the input with every top-level blob's span replaced by its
	// (recursively) decoded text; binaries keep their encoded text.
	FullDecoded string
	// Err is set (wrapping ErrTooLarge) when the decoded-bytes budget ran out and later
	// candidates were not decoded.
	Err error
}

// Unpacker decodes blobs with fixed options. It is safe for concurrent use; it keeps
// decoding buffers in a pool between calls.
type Unpacker struct {
	opts    Options
	buffers sync.Pool // of *buffers
}

// New validates opts, fills zero fields with defaults and returns an Unpacker.
func New(opts Options) (*Unpacker, error) {
	d := DefaultOptions()
	switch {
	case opts.MinLen < 0:
		return nil, fmt.Errorf("unpack: min length %d is negative", opts.MinLen)
	case opts.MinLen > 0 && opts.MinLen < 8:
		return nil, fmt.Errorf("unpack: min length %d is below 8", opts.MinLen)
	case opts.MaxBytes < 0:
		return nil, fmt.Errorf("unpack: max bytes %d is negative", opts.MaxBytes)
	case opts.MaxDepth < 0:
		return nil, fmt.Errorf("unpack: max depth %d is negative", opts.MaxDepth)
	case opts.MaxMembers < 0:
		return nil, fmt.Errorf("unpack: max members %d is negative", opts.MaxMembers)
	case opts.MaxRatio < 0 || opts.MaxRatio != opts.MaxRatio:
		return nil, fmt.Errorf("unpack: max ratio %v is not a positive number", opts.MaxRatio)
	case opts.MaxRatio > 0 && opts.MaxRatio < 1:
		return nil, fmt.Errorf("unpack: max ratio %v is below 1", opts.MaxRatio)
	}
	if opts.MinLen == 0 {
		opts.MinLen = d.MinLen
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = d.MaxBytes
	}
	if opts.MaxDepth == 0 {
		opts.MaxDepth = d.MaxDepth
	}
	if opts.MaxMembers == 0 {
		opts.MaxMembers = d.MaxMembers
	}
	if opts.MaxRatio == 0 {
		opts.MaxRatio = d.MaxRatio
	}
	return &Unpacker{opts: opts}, nil
}

// Options returns the options in effect, defaults filled in.
func (u *Unpacker) Options() Options { return u.opts }

// Unpack finds and decodes every blob in text.
func (u *Unpacker) Unpack(text string) Result {
	w := walker{opts: &u.opts, remaining: u.opts.MaxBytes, pool: &u.buffers}
	w.scanText(text, -1, 1, false)
	r := Result{Blobs: w.blobs, FullDecoded: text, Err: w.stopErr}
	if len(w.blobs) > 0 {
		r.FullDecoded = w.replaceSpans(text, -1, w.fullTexts())
	}
	w.done()
	return r
}

// Unpack unpacks text with DefaultOptions.
func Unpack(text string) Result {
	return (&Unpacker{opts: DefaultOptions()}).Unpack(text)
}
