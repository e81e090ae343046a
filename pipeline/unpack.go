package pipeline

import (
	"context"
	"iter"

	"github.com/hunchsec/hunch/record"
	"github.com/hunchsec/hunch/unpack"
)

// UnpackOptions configures Unpack.
type UnpackOptions struct {
	// Unpacker decodes; nil means unpack's defaults.
	Unpacker *unpack.Unpacker
	// Fields names the fields to decode (dotted names reach into nested objects). Empty means
	// every string in the record.
	Fields []string
	// Keep appends the input record's fields that were not decoded to every blob record.
	Keep bool
	// All also yields one record for each scanned field without any blob (blob fields empty,
	// full_decoded the field's text), so that every input text reaches the next step.
	All bool
	// Workers is the number of goroutines decoding records (≤ 1: the caller's goroutine).
	Workers int
}

// Blob record fields, in output order (source, record and field as for Extract).
const (
	FieldBlob        = "blob"         // 0-based index of the blob within its field
	FieldParent      = "parent"       // index of the blob it was found in, -1 for the field itself
	FieldDepth       = "depth"        // 1 for blobs in the field's text
	FieldKind        = "kind"         // text, pe, elf, macho, zip, gzip, binary, …
	FieldMember      = "member"       // archive member name
	FieldSize        = "size"         // decoded bytes
	FieldMD5         = "md5"          // of the decoded bytes
	FieldSHA1        = "sha1"         // of the decoded bytes
	FieldSHA256      = "sha256"       // of the decoded bytes
	FieldDecoded     = "decoded"      // decoded text, or a hex preview for binaries
	FieldError       = "error"        // limit hit or corrupt data on this blob
	FieldFullDecoded = "full_decoded" // the field's text with every blob replaced by its decoding
)

// Unpack finds and recursively decodes the encoded blobs in the records of in and yields one
// record per blob. full_decoded is set on the first blob record of each field (empty on the
// others), so a following Extract over full_decoded sees each text exactly once. Errors in the
// input stream are passed through in their place.
func Unpack(ctx context.Context, in record.Stream, opts UnpackOptions) record.Stream {
	u := opts.Unpacker
	if u == nil {
		var err error
		if u, err = unpack.New(unpack.DefaultOptions()); err != nil {
			return failed(err)
		}
	}
	return mapOrdered(ctx, in, opts.Workers, func(rec record.Record, out []record.Record) []record.Record {
		return unpackRecord(u, opts, rec, out)
	})
}

// UnpackEncoded is Unpack for a sink that takes rendered records (a record.EncodingWriter): the
// workers render their blob records with enc as well as decoding them, so rendering runs in
// parallel too. It yields runs of rendered records in input order, and the errors Unpack yields
// in the same places; the bytes are those enc renders for Unpack's records.
func UnpackEncoded(ctx context.Context, in record.Stream, opts UnpackOptions, enc *record.Encoder) iter.Seq2[Encoded, error] {
	u := opts.Unpacker
	if u == nil {
		var err error
		if u, err = unpack.New(unpack.DefaultOptions()); err != nil {
			return func(yield func(Encoded, error) bool) { yield(Encoded{}, err) }
		}
	}
	return mapEncoded(ctx, in, opts.Workers, func() renderFunc {
		var out []record.Record
		return func(rec record.Record, dst []byte) ([]byte, int) {
			out = unpackRecord(u, opts, rec, out[:0])
			for _, r := range out {
				dst = enc.AppendRecord(dst, r)
			}
			n := len(out)
			clear(out)
			return dst, n
		}
	})
}

// unpackRecord appends the blob records of rec to out.
func unpackRecord(u *unpack.Unpacker, opts UnpackOptions, rec record.Record, out []record.Record) []record.Record {
	for _, tf := range texts(rec, opts.Fields, nil) {
		res := u.Unpack(tf.text)
		if len(res.Blobs) == 0 {
			if opts.All {
				r := blobRecord(opts, rec, tf.name, nil)
				r.Set(FieldFullDecoded, record.String(tf.text))
				out = append(out, r)
			}
			continue
		}
		for i := range res.Blobs {
			r := blobRecord(opts, rec, tf.name, &res.Blobs[i])
			if i == 0 {
				r.Set(FieldFullDecoded, record.String(res.FullDecoded))
			}
			out = append(out, r)
		}
	}
	return out
}

func blobRecord(opts UnpackOptions, src record.Record, field string, b *unpack.Blob) record.Record {
	var r record.Record
	r.Meta = src.Meta
	r.Grow(18 + src.Len())
	r.Append(FieldSource, record.String(src.Meta.Source))
	r.Append(FieldRecord, record.Int(int64(src.Meta.N)))
	r.Append(FieldField, record.String(field))
	if b == nil {
		b = &unpack.Blob{Index: -1, Parent: -1}
	}
	r.Append(FieldBlob, record.Int(int64(b.Index)))
	r.Append(FieldParent, record.Int(int64(b.Parent)))
	r.Append(FieldDepth, record.Int(int64(b.Depth)))
	r.Append(FieldStart, record.Int(int64(b.Start)))
	r.Append(FieldEnd, record.Int(int64(b.End)))
	r.Append(FieldEncoding, record.String(b.Encoding()))
	r.Append(FieldKind, record.String(b.Kind))
	r.Append(FieldMember, record.String(b.Member))
	r.Append(FieldSize, record.Int(int64(b.Size)))
	r.Append(FieldMD5, record.String(b.MD5))
	r.Append(FieldSHA1, record.String(b.SHA1))
	r.Append(FieldSHA256, record.String(b.SHA256))
	dec := b.Text
	if b.Kind != "text" {
		dec = b.Preview
	}
	r.Append(FieldDecoded, record.String(dec))
	errText := ""
	if b.Err != nil {
		errText = b.Err.Error()
	}
	r.Append(FieldError, record.String(errText))
	r.Append(FieldFullDecoded, record.String(""))
	if opts.Keep {
		appendSource(&r, src, opts.Fields)
	}
	return r
}
