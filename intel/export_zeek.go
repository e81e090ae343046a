package intel

// The Zeek (Bro) export: MISP's BroExport, an intel file for Zeek's Intel framework.

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// ZeekHeader is the first line of a Zeek intel file as MISP writes it.
const ZeekHeader = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\tmeta.do_notice\tmeta.if_in"

// zeekTypes maps an attribute type to the Zeek indicator type of each value part MISP's BroExport exports
// (its $mapping and $mispTypes): part 1 is the value or a composite's first half, part 2 the second half.
var zeekTypes = map[string][2]string{
	"ip-src": {"ADDR"}, "ip-dst": {"ADDR"}, "ip-src|port": {"ADDR"}, "ip-dst|port": {"ADDR"},
	"domain|ip": {"DOMAIN", "ADDR"}, "url": {"URL"}, "hostname": {"DOMAIN"}, "domain": {"DOMAIN"},
	"ja3-fingerprint-md5": {"JA3"}, "email": {"EMAIL"}, "email-src": {"EMAIL"}, "email-dst": {"EMAIL"},
	"target-email": {"EMAIL"}, "filename": {"FILE_NAME"}, "email-attachment": {"FILE_NAME"}, "pdb": {"FILE_NAME"},
	"filename|md5": {"FILE_NAME", "FILE_HASH"}, "filename|sha1": {"FILE_NAME", "FILE_HASH"},
	"filename|sha256": {"FILE_NAME", "FILE_HASH"}, "malware-sample": {"FILE_NAME", "FILE_HASH"},
	"md5": {"FILE_HASH"}, "sha1": {"FILE_HASH"}, "sha256": {"FILE_HASH"}, "authentihash": {"FILE_HASH"},
	"ssdeep": {"FILE_HASH"}, "imphash": {"FILE_HASH"}, "pehash": {"FILE_HASH"}, "impfuzzy": {"FILE_HASH"},
	"sha224": {"FILE_HASH"}, "sha384": {"FILE_HASH"}, "sha512": {"FILE_HASH"}, "sha512/224": {"FILE_HASH"},
	"sha512/256": {"FILE_HASH"}, "tlsh": {"FILE_HASH"},
	"filename|authentihash": {"", "FILE_HASH"}, "filename|ssdeep": {"", "FILE_HASH"},
	"filename|imphash": {"", "FILE_HASH"}, "filename|pehash": {"", "FILE_HASH"}, "filename|impfuzzy": {"", "FILE_HASH"},
	"filename|sha224": {"", "FILE_HASH"}, "filename|sha384": {"", "FILE_HASH"}, "filename|sha512": {"", "FILE_HASH"},
	"filename|sha512/224": {"", "FILE_HASH"}, "filename|sha512/256": {"", "FILE_HASH"}, "filename|tlsh": {"", "FILE_HASH"},
	"x509-fingerprint-sha1": {"CERT_HASH"}, "user-agent": {"SOFTWARE"},
}

// ZeekEvent is what a Zeek intel line says of the event of its attribute.
type ZeekEvent struct {
	ID       int64
	UUID     string
	Info     string
	OrgcName string
}

// ZeekWriter writes MISP's Zeek intel file: ZeekHeader, then one tab-separated line per exported value
// (indicator, Intel::<type>, "<instance> (<event uuid>) - <creator org>", "<event info>. <comment>",
// <baseurl>/events/view/<id>, T, -), each distinct line once (a 64-bit hash of each is remembered).
type ZeekWriter struct {
	w        io.Writer
	instance string
	baseURL  string
	seed     maphash.Seed
	seen     map[uint64]struct{}
	line     []byte
}

// NewZeekWriter returns a ZeekWriter writing to w. instance names the source ("<host org> MISP", or "MISP"
// without a host organisation); baseURL is MISP.baseurl.
func NewZeekWriter(w io.Writer, instance, baseURL string) *ZeekWriter {
	return &ZeekWriter{w: w, instance: instance, baseURL: baseURL, seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
}

// WriteHeader writes the #fields line.
func (z *ZeekWriter) WriteHeader() error { return z.write(ZeekHeader + "\n") }

func (z *ZeekWriter) write(s string) error {
	if _, err := io.WriteString(z.w, s); err != nil {
		return fmt.Errorf("intel: write zeek: %w", err)
	}
	return nil
}

// Write writes the lines of a, of event e; types Zeek has no indicator type for write nothing.
func (z *ZeekWriter) Write(a *misp.Attribute, e ZeekEvent) error {
	types, ok := zeekTypes[a.Type]
	if !ok {
		return nil
	}
	v1, v2, composite := a.Value, "", false
	if strings.Contains(a.Type, "|") || a.Type == "malware-sample" {
		v1, v2, composite = strings.Cut(a.Value, "|")
	}
	for part, zt := range types {
		if zt == "" {
			continue
		}
		v := v1
		if part == 1 {
			if !composite {
				continue
			}
			v = v2
		}
		if part == 0 && (a.Type == "ip-src" || a.Type == "ip-dst" || strings.HasSuffix(a.Type, "|port")) &&
			strings.Contains(v, "/") {
			zt = "SUBNET"
		}
		v = zeekClean(v)
		if a.Type == "url" { // MISP's '#^https?://#' replacement
			if rest, ok := strings.CutPrefix(v, "http://"); ok {
				v = rest
			} else {
				v = strings.TrimPrefix(v, "https://")
			}
		}
		z.line = z.line[:0]
		z.line = append(z.line, v...)
		z.line = append(z.line, "\tIntel::"...)
		z.line = append(z.line, zt...)
		z.line = append(z.line, '\t')
		z.line = append(z.line, z.instance...)
		z.line = append(z.line, " ("...)
		z.line = append(z.line, e.UUID...)
		z.line = append(z.line, ") - "...)
		z.line = append(z.line, e.OrgcName...)
		z.line = append(z.line, '\t')
		z.line = append(z.line, zeekClean(e.Info)...)
		z.line = append(z.line, ". "...)
		z.line = append(z.line, zeekClean(a.Comment)...)
		z.line = append(z.line, '\t')
		z.line = append(z.line, z.baseURL...)
		z.line = append(z.line, "/events/view/"...)
		z.line = strconv.AppendInt(z.line, e.ID, 10)
		z.line = append(z.line, "\tT\t-\n"...)
		h := maphash.Bytes(z.seed, z.line)
		if _, dup := z.seen[h]; dup {
			continue
		}
		z.seen[h] = struct{}{}
		if _, err := z.w.Write(z.line); err != nil {
			return fmt.Errorf("intel: write zeek: %w", err)
		}
	}
	return nil
}

// zeekClean does what MISP's BroExport::replaceIllegalChars does to a field: tabs, vertical tabs and line
// breaks become spaces, HTML tags and bytes above 0x7f are stripped (FILTER_SANITIZE_STRING with
// FILTER_FLAG_STRIP_HIGH).
func zeekClean(v string) string {
	var b strings.Builder
	inTag := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inTag:
			if c == '>' {
				inTag = false
			}
		case c == '<':
			inTag = true
		case c == '\t' || c == '\v' || c == '\r' || c == '\n':
			b.WriteByte(' ')
		case c >= 0x80:
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// zeekInstance is the source name MISP gives its Zeek lines: the host organisation's name and " MISP".
func (s *Service) zeekInstance(ctx context.Context) (string, error) {
	id := s.Policy().Settings().Instance.HostOrgID
	if id == 0 {
		return "MISP", nil
	}
	o, err := s.st.Org(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "MISP", nil
	}
	if err != nil {
		return "", fmt.Errorf("intel: read host organisation: %w", err)
	}
	return o.Name + " MISP", nil
}

func zeekEventOf(e *misp.Event) ZeekEvent {
	ze := ZeekEvent{ID: int64(e.ID), UUID: e.UUID, Info: e.Info}
	if e.Orgc != nil {
		ze.OrgcName = e.Orgc.Name
	}
	return ze
}

// exportZeek writes the Zeek intel file of what q selects for u in scope.
func (s *Service) exportZeek(ctx context.Context, u acl.User, scope Scope, q Search, w io.Writer) error {
	instance, err := s.zeekInstance(ctx)
	if err != nil {
		return err
	}
	opts, err := s.nidsOptions(ctx, acl.User{}, FormatSuricata)
	if err != nil {
		return err
	}
	zw := NewZeekWriter(w, instance, opts.BaseURL)
	if err := zw.WriteHeader(); err != nil {
		return err
	}
	if scope == ScopeEvents {
		q.Metadata = false
		events, _ := s.SearchEvents(ctx, u, q)
		for e, err := range events {
			if err != nil {
				return err
			}
			ze := zeekEventOf(e)
			for _, a := range eventAttributes(e, q) {
				if err := zw.Write(a.attr, ze); err != nil {
					return err
				}
			}
		}
		return nil
	}
	events := newEventCache(s.st)
	attrs, _ := s.SearchAttributes(ctx, u, q)
	for a, err := range attrs {
		if err != nil {
			return err
		}
		e, err := events.get(ctx, int64(a.EventID))
		if err != nil {
			return err
		}
		if err := zw.Write(a, zeekEventOf(e)); err != nil {
			return err
		}
	}
	return nil
}
