package whois

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ASNInfo is Team Cymru's answer for one IP address: the origin AS of the most specific BGP
// prefix covering it, with the registry data of that prefix.
type ASNInfo struct {
	// ASN is the origin AS; 0 when the address is not announced (Cymru's "NA").
	ASN uint32 `json:"asn"`
	// OtherASNs are further origin ASes when several announce the prefix.
	OtherASNs []uint32 `json:"other_asns,omitempty"`
	// Prefix is the BGP prefix; invalid when not announced.
	Prefix    netip.Prefix `json:"prefix,omitzero"`
	Country   string       `json:"country,omitempty"`  // country code assigned to the prefix
	Registry  string       `json:"registry,omitempty"` // arin, ripencc, apnic, lacnic, afrinic, other
	Allocated time.Time    `json:"allocated,omitzero"` // allocation date of the prefix (UTC midnight)
	Name      string       `json:"as_name,omitempty"`  // AS name as Cymru gives it, e.g. "GOOGLE, US"
}

// CymruASN asks Team Cymru's whois service (bulk verbose mode) for the origin AS of each
// address. Addresses are sent in batches of CymruBatchSize, one TCP connection per batch;
// duplicates are sent once and IPv4-mapped IPv6 addresses as IPv4. The map is keyed by the
// addresses as given. An address the service has no match for ("Error: no ASN or IP
// match") is absent from the map; one it knows but that is not announced maps to an
// ASNInfo with ASN 0.
//
// More than CymruMaxIPs distinct addresses are refused with ErrTooMany. A reply line longer
// than CymruMaxLineBytes, a reply with more lines than the batch can explain, or a line that
// does not parse fails with ErrBadReply; cancelling ctx or reaching Timeout closes the
// connection. On error the map holds what was answered before the failure.
func (c *Client) CymruASN(ctx context.Context, ips []netip.Addr) (map[netip.Addr]ASNInfo, error) {
	// canonical address → the caller's spellings of it
	want := make(map[netip.Addr][]netip.Addr, len(ips))
	var order []netip.Addr
	for _, ip := range ips {
		if !ip.IsValid() {
			return nil, fmt.Errorf("team cymru: %w: invalid address", ErrBadQuery)
		}
		k := ip.WithZone("").Unmap()
		if _, seen := want[k]; !seen {
			order = append(order, k)
		}
		if !containsAddr(want[k], ip) {
			want[k] = append(want[k], ip)
		}
	}
	if len(order) > c.opts.CymruMaxIPs {
		return nil, fmt.Errorf("team cymru: %w: %d distinct addresses, at most %d per call", ErrTooMany, len(order), c.opts.CymruMaxIPs)
	}
	out := make(map[netip.Addr]ASNInfo, len(ips))
	if len(order) == 0 {
		return out, nil
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	for start := 0; start < len(order); start += c.opts.CymruBatchSize {
		batch := order[start:min(start+c.opts.CymruBatchSize, len(order))]
		got, err := c.cymruBatch(ctx, batch)
		for k, info := range got {
			for _, ip := range want[k] {
				out[ip] = info
			}
		}
		if err != nil {
			return out, fmt.Errorf("team cymru %s: %w", c.opts.CymruAddr, err)
		}
	}
	return out, nil
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, b := range list {
		if a == b {
			return true
		}
	}
	return false
}

// cymruBatch runs one bulk query on its own connection.
func (c *Client) cymruBatch(ctx context.Context, batch []netip.Addr) (map[netip.Addr]ASNInfo, error) {
	conn, err := c.dial(ctx, "tcp", c.opts.CymruAddr)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	// Cancellation and the Timeout both end ctx; closing the connection then unblocks any
	// read or write at once.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	ctxErr := func(err error) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return err
	}

	var req strings.Builder
	req.WriteString("begin\nverbose\n")
	for _, ip := range batch {
		req.WriteString(ip.String())
		req.WriteByte('\n')
	}
	req.WriteString("end\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return nil, fmt.Errorf("sending: %w", ctxErr(err))
	}

	inBatch := make(map[netip.Addr]bool, len(batch))
	for _, ip := range batch {
		inBatch[ip] = true
	}
	maxLines := 2*len(batch) + 8
	got := make(map[netip.Addr]ASNInfo, len(batch))
	r := bufio.NewReaderSize(conn, 4096)
	var bad []string
	for n := 1; ; n++ {
		line, err := readLine(r, c.opts.CymruMaxLineBytes)
		if errors.Is(err, io.EOF) && line == "" {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, ErrBadReply) {
				return got, err
			}
			return got, fmt.Errorf("reading: %w", ctxErr(err))
		}
		if n > maxLines {
			return got, fmt.Errorf("%w: more than %d lines for %d addresses", ErrBadReply, maxLines, len(batch))
		}
		ip, info, kind, perr := parseCymruLine(line)
		switch {
		case perr != nil:
			bad = append(bad, fmt.Sprintf("line %d: %v", n, perr))
		case kind == lineData && inBatch[ip]:
			if _, dup := got[ip]; !dup { // keep the first answer for an address
				got[ip] = info
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return got, context.Cause(ctx)
	}
	if len(bad) > 0 {
		return got, fmt.Errorf("%w: %d line(s) did not parse: %s", ErrBadReply, len(bad), strings.Join(bad[:min(len(bad), 3)], "; "))
	}
	return got, nil
}

// readLine reads one line without its end of line, failing with ErrBadReply when it is
// longer than limit bytes.
func readLine(r *bufio.Reader, limit int) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		b = append(b, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(b) > limit+1 {
				return "", fmt.Errorf("%w: reply line longer than %d bytes", ErrBadReply, limit)
			}
			continue
		}
		s := strings.TrimRight(string(b), "\r\n")
		if len(s) > limit {
			return "", fmt.Errorf("%w: reply line longer than %d bytes", ErrBadReply, limit)
		}
		return s, err
	}
}

// lineKind classifies a Cymru reply line.
type lineKind int

const (
	lineSkip  lineKind = iota // banner, column header, blank
	lineError                 // "Error: no ASN or IP match on line N."
	lineData                  // an answer
)

// parseCymruLine reads one line of a bulk verbose reply:
//
//	AS      | IP               | BGP Prefix          | CC | Registry | Allocated  | AS Name
//	15169   | 8.8.8.8          | 8.8.8.0/24          | US | arin     | 2023-12-28 | GOOGLE, US
//	NA      | 10.1.2.3         | NA                  |    | other    |            | NA
//
// The AS Name column may itself hold "|" and is taken as the rest of the line.
func parseCymruLine(line string) (netip.Addr, ASNInfo, lineKind, error) {
	t := strings.TrimSpace(line)
	switch {
	case t == "", strings.HasPrefix(t, "Bulk mode;"):
		return netip.Addr{}, ASNInfo{}, lineSkip, nil
	case strings.HasPrefix(t, "Error:"):
		return netip.Addr{}, ASNInfo{}, lineError, nil
	}
	f := strings.SplitN(t, "|", 7)
	if len(f) != 7 {
		return netip.Addr{}, ASNInfo{}, lineSkip, fmt.Errorf("%d columns, want 7", len(f))
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	if f[0] == "AS" && f[1] == "IP" {
		return netip.Addr{}, ASNInfo{}, lineSkip, nil
	}
	ip, err := netip.ParseAddr(f[1])
	if err != nil {
		return netip.Addr{}, ASNInfo{}, lineSkip, fmt.Errorf("address %q does not parse", clip(f[1], 64))
	}
	ip = ip.WithZone("").Unmap()
	var info ASNInfo
	if !isNA(f[0]) {
		for i, s := range strings.Fields(f[0]) {
			n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(s), "AS"), 10, 32)
			if err != nil {
				return netip.Addr{}, ASNInfo{}, lineSkip, fmt.Errorf("AS number %q does not parse", clip(s, 32))
			}
			if n == 0 { // RFC 7607: AS 0 never originates a route; 0 here means "NA"
				return netip.Addr{}, ASNInfo{}, lineSkip, errors.New("AS 0 as an origin")
			}
			if i == 0 {
				info.ASN = uint32(n)
			} else {
				info.OtherASNs = append(info.OtherASNs, uint32(n))
			}
		}
	}
	if !isNA(f[2]) {
		p, err := netip.ParsePrefix(f[2])
		if err != nil {
			return netip.Addr{}, ASNInfo{}, lineSkip, fmt.Errorf("BGP prefix %q does not parse", clip(f[2], 64))
		}
		info.Prefix = p
	}
	if !isNA(f[3]) {
		info.Country = f[3]
	}
	if !isNA(f[4]) {
		info.Registry = f[4]
	}
	if d, err := time.Parse("2006-01-02", f[5]); err == nil {
		info.Allocated = d
	}
	if !isNA(f[6]) {
		info.Name = f[6]
	}
	return ip, info, lineData, nil
}

func isNA(s string) bool { return s == "" || strings.EqualFold(s, "NA") }
