package respond

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LDAP disables and enables accounts and removes them from groups in a directory (Active
// Directory: the ACCOUNTDISABLE bit of userAccountControl; accounts found by sAMAccountName, or
// by uid in other directories). It speaks LDAPv3 itself (bind, search, modify, add), over
// ldap:// or ldaps://.
type LDAP struct {
	URL      string // ldap://host:389 or ldaps://host:636
	BindDN   string
	Password string
	BaseDN   string
	// TLS configures ldaps:// (system roots when nil).
	TLS *tls.Config
	// Timeout bounds each operation; 15 s when zero.
	Timeout time.Duration
}

// uacDisabled is userAccountControl's ACCOUNTDISABLE bit.
const uacDisabled = 0x2

// LDAP result codes worth naming.
const (
	ldapSuccess            = 0
	ldapNoSuchObject       = 32
	ldapInvalidCredentials = 49
	ldapInsufficientAccess = 50
	ldapBusy               = 51
	ldapUnavailable        = 52
	ldapNoSuchAttribute    = 16
)

// LDAPError is a result code other than success.
type LDAPError struct {
	Op      string
	Code    int
	Message string
}

func (e *LDAPError) Error() string {
	return fmt.Sprintf("ldap %s: result %d: %s", e.Op, e.Code, e.Message)
}

// Unwrap maps result codes to the package's errors.
func (e *LDAPError) Unwrap() error {
	switch e.Code {
	case ldapNoSuchObject:
		return ErrNotFound
	case ldapInvalidCredentials, ldapInsufficientAccess:
		return ErrForbidden
	case ldapBusy, ldapUnavailable:
		return ErrRateLimited
	}
	return nil
}

// ldapConn is one bound connection.
type ldapConn struct {
	c   net.Conn
	r   *bufio.Reader
	mu  sync.Mutex
	id  int64
	max time.Duration
}

func (l *LDAP) dial(ctx context.Context) (*ldapConn, error) {
	u, err := url.Parse(l.URL)
	if err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	var c net.Conn
	switch u.Scheme {
	case "ldap":
		host := u.Host
		if u.Port() == "" {
			host += ":389"
		}
		c, err = d.DialContext(ctx, "tcp", host)
	case "ldaps":
		host := u.Host
		if u.Port() == "" {
			host += ":636"
		}
		cfg := l.TLS
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
		}
		c, err = (&tls.Dialer{NetDialer: &d, Config: cfg}).DialContext(ctx, "tcp", host)
	default:
		return nil, fmt.Errorf("ldap: scheme %q: want ldap or ldaps", u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}
	lc := &ldapConn{c: c, r: bufio.NewReader(c), max: timeout}
	if err := lc.bind(l.BindDN, l.Password); err != nil {
		c.Close()
		return nil, err
	}
	return lc, nil
}

func (lc *ldapConn) close() {
	lc.send(0x42, nil) // unbind: [APPLICATION 2] NULL
	lc.c.Close()
}

// send writes one message with op's tag and body, and returns its id.
func (lc *ldapConn) send(tag byte, body []byte) (int64, error) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.id++
	msg := berTLV(0x30, append(berInt(0x02, lc.id), berTLV(tag, body)...))
	lc.c.SetWriteDeadline(time.Now().Add(lc.max))
	_, err := lc.c.Write(msg)
	return lc.id, err
}

// read returns the next message's op tag and its element.
func (lc *ldapConn) read(id int64) (byte, *ber, error) {
	lc.c.SetReadDeadline(time.Now().Add(lc.max))
	m, err := readBER(lc.r, 16<<20)
	if err != nil {
		return 0, nil, fmt.Errorf("ldap: %w", err)
	}
	if m.tag != 0x30 || len(m.kids) < 2 {
		return 0, nil, errors.New("ldap: a malformed message")
	}
	if got := m.kids[0].int(); got != id {
		return 0, nil, fmt.Errorf("ldap: reply to message %d, waiting for %d", got, id)
	}
	return m.kids[1].tag, m.kids[1], nil
}

// roundTrip sends one request and reads its single reply, which must carry want, as op's result.
func (lc *ldapConn) roundTrip(op string, tag byte, body []byte, want byte) error {
	id, err := lc.send(tag, body)
	if err != nil {
		return err
	}
	got, e, err := lc.read(id)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("ldap %s: unexpected reply %#x", op, got)
	}
	return result(op, e)
}

// result reads an LDAPResult's code and message.
func result(op string, e *ber) error {
	if len(e.kids) < 3 {
		return fmt.Errorf("ldap %s: a malformed result", op)
	}
	if code := int(e.kids[0].int()); code != ldapSuccess {
		return &LDAPError{Op: op, Code: code, Message: string(e.kids[2].val)}
	}
	return nil
}

func (lc *ldapConn) bind(dn, password string) error {
	body := append(append(berInt(0x02, 3), berTLV(0x04, []byte(dn))...), berTLV(0x80, []byte(password))...)
	return lc.roundTrip("bind", 0x60, body, 0x61)
}

// entry is a search result.
type entry struct {
	DN    string
	Attrs map[string][]string
}

// search finds the entries under base where attr equals value.
func (lc *ldapConn) search(base, attr, value string, attrs ...string) ([]entry, error) {
	filter := berTLV(0xA3, append(berTLV(0x04, []byte(attr)), berTLV(0x04, []byte(value))...))
	var list []byte
	for _, a := range attrs {
		list = append(list, berTLV(0x04, []byte(a))...)
	}
	body := berTLV(0x04, []byte(base))
	body = append(body, berInt(0x0A, 2)...) // wholeSubtree
	body = append(body, berInt(0x0A, 0)...) // neverDerefAliases
	body = append(body, berInt(0x02, 10)...)
	body = append(body, berInt(0x02, int64(lc.max/time.Second))...)
	body = append(body, berTLV(0x01, []byte{0})...)
	body = append(body, filter...)
	body = append(body, berTLV(0x30, list)...)
	id, err := lc.send(0x63, body)
	if err != nil {
		return nil, err
	}
	var out []entry
	for {
		tag, e, err := lc.read(id)
		if err != nil {
			return nil, err
		}
		switch tag {
		case 0x64: // SearchResultEntry
			if len(e.kids) < 2 {
				return nil, errors.New("ldap search: a malformed entry")
			}
			en := entry{DN: string(e.kids[0].val), Attrs: map[string][]string{}}
			for _, a := range e.kids[1].kids {
				if len(a.kids) < 2 {
					continue
				}
				name := strings.ToLower(string(a.kids[0].val))
				for _, v := range a.kids[1].kids {
					en.Attrs[name] = append(en.Attrs[name], string(v.val))
				}
			}
			out = append(out, en)
		case 0x73: // SearchResultReference: not followed
		case 0x65: // SearchResultDone
			return out, result("search", e)
		default:
			return nil, fmt.Errorf("ldap search: unexpected reply %#x", tag)
		}
	}
}

// modify applies one change: op 0 add, 1 delete, 2 replace.
func (lc *ldapConn) modify(dn string, op int64, attr string, values ...string) error {
	var vals []byte
	for _, v := range values {
		vals = append(vals, berTLV(0x04, []byte(v))...)
	}
	change := berTLV(0x30, append(berInt(0x0A, op), berTLV(0x30, append(berTLV(0x04, []byte(attr)), berTLV(0x31, vals)...))...))
	return lc.roundTrip("modify", 0x66, append(berTLV(0x04, []byte(dn)), berTLV(0x30, change)...), 0x67)
}

// add creates an entry.
func (lc *ldapConn) add(dn string, attrs map[string][]string) error {
	var list []byte
	for name, vs := range attrs {
		var vals []byte
		for _, v := range vs {
			vals = append(vals, berTLV(0x04, []byte(v))...)
		}
		list = append(list, berTLV(0x30, append(berTLV(0x04, []byte(name)), berTLV(0x31, vals)...))...)
	}
	return lc.roundTrip("add", 0x68, append(berTLV(0x04, []byte(dn)), berTLV(0x30, list)...), 0x69)
}

// AccountResult is what an account action did.
type AccountResult struct {
	Account string `json:"account"`
	DN      string `json:"dn"`
	Action  string `json:"action"`
	Before  string `json:"before,omitempty"` // userAccountControl before
	After   string `json:"after,omitempty"`
	Group   string `json:"group,omitempty"`
	DryRun  bool   `json:"dry_run,omitempty"`
}

// find looks an account up by sAMAccountName, then uid.
func (l *LDAP) find(lc *ldapConn, account string) (entry, error) {
	for _, attr := range []string{"sAMAccountName", "uid"} {
		es, err := lc.search(l.BaseDN, attr, account, "userAccountControl", "memberOf")
		if err != nil {
			var le *LDAPError
			if errors.As(err, &le) && le.Code == 17 { // undefinedAttributeType: a directory without it
				continue
			}
			return entry{}, err
		}
		switch len(es) {
		case 0:
			continue
		case 1:
			return es[0], nil
		default:
			return entry{}, fmt.Errorf("ldap: %d accounts named %q", len(es), account)
		}
	}
	return entry{}, fmt.Errorf("ldap: account %q: %w", account, ErrNotFound)
}

// SetDisabled disables (or enables) an account by setting (or clearing) ACCOUNTDISABLE.
func (l *LDAP) SetDisabled(ctx context.Context, account string, disabled, dryRun bool) (AccountResult, error) {
	r := AccountResult{Account: account, Action: map[bool]string{true: "disable", false: "enable"}[disabled], DryRun: dryRun}
	lc, err := l.dial(ctx)
	if err != nil {
		return r, err
	}
	defer lc.close()
	en, err := l.find(lc, account)
	if err != nil {
		return r, err
	}
	r.DN = en.DN
	uac := int64(0x200) // NORMAL_ACCOUNT when the entry has none
	if v := en.Attrs["useraccountcontrol"]; len(v) > 0 {
		if uac, err = strconv.ParseInt(v[0], 10, 64); err != nil {
			return r, fmt.Errorf("ldap: %s: userAccountControl %q", en.DN, v[0])
		}
	}
	r.Before = strconv.FormatInt(uac, 10)
	next := uac &^ uacDisabled
	if disabled {
		next = uac | uacDisabled
	}
	r.After = strconv.FormatInt(next, 10)
	if dryRun || next == uac {
		return r, nil
	}
	return r, lc.modify(en.DN, 2, "userAccountControl", r.After)
}

// RemoveFromGroup deletes the account from the group (by the group's DN or cn).
func (l *LDAP) RemoveFromGroup(ctx context.Context, account, group string, dryRun bool) (AccountResult, error) {
	r := AccountResult{Account: account, Action: "remove from group", Group: group, DryRun: dryRun}
	lc, err := l.dial(ctx)
	if err != nil {
		return r, err
	}
	defer lc.close()
	en, err := l.find(lc, account)
	if err != nil {
		return r, err
	}
	r.DN = en.DN
	gdn := group
	if !strings.Contains(group, "=") {
		gs, err := lc.search(l.BaseDN, "cn", group, "member")
		if err != nil {
			return r, err
		}
		if len(gs) != 1 {
			return r, fmt.Errorf("ldap: group %q: %w", group, ErrNotFound)
		}
		gdn = gs[0].DN
	}
	r.Group = gdn
	if dryRun {
		return r, nil
	}
	err = lc.modify(gdn, 1, "member", en.DN)
	var le *LDAPError
	if errors.As(err, &le) && le.Code == ldapNoSuchAttribute {
		return r, fmt.Errorf("ldap: %s is not a member of %s: %w", en.DN, gdn, ErrNotFound)
	}
	return r, err
}

// Add creates an entry (setting up a directory, and in tests).
func (l *LDAP) Add(ctx context.Context, dn string, attrs map[string][]string) error {
	lc, err := l.dial(ctx)
	if err != nil {
		return err
	}
	defer lc.close()
	return lc.add(dn, attrs)
}

// Entry reads one entry's attributes by its DN attribute value (for checks).
func (l *LDAP) Entry(ctx context.Context, attr, value string, attrs ...string) (string, map[string][]string, error) {
	lc, err := l.dial(ctx)
	if err != nil {
		return "", nil, err
	}
	defer lc.close()
	es, err := lc.search(l.BaseDN, attr, value, attrs...)
	if err != nil {
		return "", nil, err
	}
	if len(es) != 1 {
		return "", nil, fmt.Errorf("ldap: %d entries with %s=%s", len(es), attr, value)
	}
	return es[0].DN, es[0].Attrs, nil
}

// ---- BER, the part LDAP needs ----

type ber struct {
	tag  byte
	val  []byte
	kids []*ber
}

func (b *ber) int() int64 {
	var n int64
	for i, c := range b.val {
		if i == 0 && c&0x80 != 0 {
			n = -1
		}
		n = n<<8 | int64(c)
	}
	return n
}

func berLen(n int) []byte {
	if n < 0x80 {
		return []byte{byte(n)}
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte(n)}, b...)
		n >>= 8
	}
	return append([]byte{0x80 | byte(len(b))}, b...)
}

func berTLV(tag byte, v []byte) []byte {
	return append(append([]byte{tag}, berLen(len(v))...), v...)
}

func berInt(tag byte, n int64) []byte {
	var b []byte
	for {
		b = append([]byte{byte(n)}, b...)
		if (n >= -128 && n < 128) || len(b) == 8 {
			break
		}
		n >>= 8
	}
	return berTLV(tag, b)
}

// readBER reads one element, at most max bytes, parsing constructed ones into kids.
func readBER(r io.Reader, max int) (*ber, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := int(h[1])
	if n&0x80 != 0 {
		k := n & 0x7F
		if k == 0 || k > 4 {
			return nil, errors.New("ber: unsupported length")
		}
		var lb [4]byte
		if _, err := io.ReadFull(r, lb[:k]); err != nil {
			return nil, err
		}
		n = 0
		for _, c := range lb[:k] {
			n = n<<8 | int(c)
		}
	}
	if n > max {
		return nil, fmt.Errorf("ber: element of %d bytes, more than %d", n, max)
	}
	v := make([]byte, n)
	if _, err := io.ReadFull(r, v); err != nil {
		return nil, err
	}
	return parseBER(h[0], v, 0)
}

func parseBER(tag byte, v []byte, depth int) (*ber, error) {
	b := &ber{tag: tag, val: v}
	if tag&0x20 == 0 {
		return b, nil
	}
	if depth > 32 {
		return nil, errors.New("ber: nested too deep")
	}
	for rest := v; len(rest) > 0; {
		if len(rest) < 2 {
			return nil, errors.New("ber: truncated")
		}
		t, n := rest[0], int(rest[1])
		off := 2
		if n&0x80 != 0 {
			k := n & 0x7F
			if k == 0 || k > 4 || len(rest) < 2+k {
				return nil, errors.New("ber: bad length")
			}
			n = 0
			for _, c := range rest[2 : 2+k] {
				n = n<<8 | int(c)
			}
			off += k
		}
		if n < 0 || off+n > len(rest) {
			return nil, errors.New("ber: truncated")
		}
		kid, err := parseBER(t, rest[off:off+n], depth+1)
		if err != nil {
			return nil, err
		}
		b.kids = append(b.kids, kid)
		rest = rest[off+n:]
	}
	return b, nil
}
