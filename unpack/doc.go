// Package unpack finds encoded blobs in text (base64, hex, PowerShell -EncodedCommand and
// FromBase64String arguments) and decodes them recursively through gzip, zlib, raw deflate,
// bzip2, zip and tar into text, recognised binaries and archive members, within fixed limits.
//
// # Detection
//
// The input is scanned once, eight bytes at a time through a table of byte pairs, for
// runs of the base64 alphabet (standard A–Z a–z 0–9 + / and URL-safe - _, with up to two
// '=' of padding). A run becomes a candidate when it is at least Options.MinLen characters
// long, or when PowerShell context vouches for it (see below) or it follows HTTP "Basic "
// (credentials), in which case 8 characters suffice.
//
//   - A run made only of hex digits is a hex candidate (unless Options.NoHex), never a
//     base64 one; hex runs of hash lengths (32, 40, 56, 64, 96 and 128 characters) and of
//     odd length are never decoded, so MD5/SHA hashes stay as they are.
//   - A run that mixes the two base64 alphabets ('+' or '/' together with '-' or '_') is
//     split at the URL-safe characters; a run with '/' whose whole does not decode is
//     retried segment by segment (base64 at the end of a URL path).
//   - Lists of at least 16 bytes written 0xfc,0xe8,… (PowerShell and C shellcode arrays)
//     or \xfc\xe8… are blobs too (chain "hexbytes"), binary or not, unless Options.NoHex.
//   - GUIDs are never candidates.
//   - Lines of base64 of one length (a multiple of 4, at least 40) followed by a shorter or
//     equal last line are joined into one candidate across LF or CRLF (MIME, PEM, certutil).
//
// A candidate becomes a Blob only when its decoding means something: printable text
// (UTF-8, or UTF-16LE/BE recognised by a byte-order mark or by the pattern of NUL bytes),
// or a recognised format (gzip, zlib, bzip2, zip, tar, PE, ELF, Mach-O, PDF, 7z, RAR, OLE,
// Java class, xz). Before the full decode the first six decoded bytes must look like the
// start of one of these, so most non-blobs cost a few nanoseconds. Text means valid UTF-8
// with letters or digits and no control characters (one in 64 tolerated in longer texts). Random identifiers,
// paths, GUIDs, runs of one character and JWT signatures decode to binary noise and are
// dropped; the JWT header and payload decode to JSON text and are reported.
//
// # PowerShell
//
// An argument of -EncodedCommand or any abbreviation of it (-e, -ec, -en, -enc, -enco, …),
// in any case, introduced by '-', '/', or an en dash, em dash or horizontal bar, is decoded
// as UTF-16LE text (chain base64>utf16le) unless its bytes are plainly UTF-8 text. The
// literal argument of [Convert]::FromBase64String('…') or [System.Convert]::… is always a
// blob, binary or not (shellcode is reported with its hashes). When the surrounding text
// mentions DeflateStream, base64 whose bytes are not otherwise recognised (32 characters or
// more, with upper- and lower-case letters and digits) is inflated as raw deflate (chain
// base64>deflate); GzipStream payloads are recognised by their magic bytes. An
// -EncodedCommand argument damaged in transit decodes up to the damage (ErrCorrupt).
//
// # Recursion and limits
//
// Compression layers of one stream collapse into one Blob whose Chain lists them outer to
// inner. Decoded text is scanned again for blobs (children with Parent set, spans in the
// parent's Text); archive members become children too, with Member set, an empty span, and a
// chain starting with "zip" or "tar", and are decoded further (a .gz inside a tar is
// inflated and scanned). Limits, each recorded on the blob where it was hit as Err wrapping
// the matching sentinel, while processing of the rest continues:
//
//   - MaxBytes (16 MiB): decoded bytes for one input, counted over the whole tree
//     (ErrTooLarge; once reached no further candidate is decoded and Result.Err is set);
//   - MaxDepth (6): nesting of blobs, and compression layers in one chain (ErrTooDeep);
//   - MaxMembers (1000): members read from one archive (ErrTooManyMembers);
//   - MaxRatio (100): output of one decompression stream over its compressed size, with a
//     64 KiB allowance so small, very regular streams are never refused (ErrRatio).
//
// Corrupt data (bad gzip CRC, truncated zip or tar) is reported as ErrCorrupt; a blob keeps
// whatever was decoded before the error. Time is linear in the input size.
//
// # Hashes
//
// Every blob carries the MD5, SHA-1 and SHA-256 of its decoded bytes and, unless it is
// text, the hex of its first 32 bytes. Options.NoHashes skips them, for callers that only
// read the decoded text (an indicator extractor): the blobs are otherwise the same.
//
// # FullDecoded
//
// Result.FullDecoded is the input with the span of every top-level blob replaced by its
// decoded text, itself with its own children replaced, so that an indicator extractor sees
// the decoded script in place. Only the blob's own span is replaced, never other identical
// text. An archive is replaced by the decoded texts of its text members joined by newlines.
// Binaries (and archives without text members) keep their original encoded text: no hex dump
// ever reaches FullDecoded.
package unpack
