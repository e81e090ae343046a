// Package edl serves the intel store's blocklists as External Dynamic Lists, the plain lists
// firewalls pull on a schedule: GET /edl/NAME answers one entry per line in the form Palo Alto
// (EDL: IPs and CIDRs, domains, URLs without their scheme), Fortinet (external threat feeds) or
// Check Point (Custom Intelligence Feed CSV) expects (?format=paloalto|fortinet|checkpoint,
// paloalto by default). Each list is a query of the intel store (package intel's EDLSpec), so it
// changes as the store does and expired entries leave it. Firewalls authenticate with HTTP Basic
// (any user name, an API key as the password) or the Authorization header; answers carry an
// ETag and Last-Modified, and an unchanged list is answered 304.
package edl

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hunchsec/hunch/intel"
	"github.com/hunchsec/hunch/server"
	"github.com/hunchsec/hunch/server/mispapi"
)

// Deps are the handler's parts.
type Deps struct {
	Intel *intel.Service
	Auth  mispapi.Authenticator
	Lists map[string]intel.EDLSpec
	// MaxAge is the Cache-Control max-age of an answer; 5 minutes when zero.
	MaxAge time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

type handler struct{ d Deps }

// New returns the handler for /edl/. Every list must check.
func New(d Deps) (http.Handler, error) {
	for name, sp := range d.Lists {
		if err := sp.Check(); err != nil {
			return nil, fmt.Errorf("edl %s: %w", name, err)
		}
	}
	if d.MaxAge <= 0 {
		d.MaxAge = 5 * time.Minute
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &handler{d: d}, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		server.WriteError(w, r, http.StatusMethodNotAllowed, "EDLs are read with GET.")
		return
	}
	key := r.Header.Get("Authorization")
	if _, pass, ok := r.BasicAuth(); ok {
		key = pass
	}
	p, err := h.d.Auth.Authenticate(r.Context(), strings.TrimSpace(key))
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="hunch EDL"`)
		server.WriteError(w, r, http.StatusUnauthorized, "An API key is needed (HTTP Basic password, or the Authorization header).")
		return
	}
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/edl/"), ".txt")
	if name == "" {
		h.index(w)
		return
	}
	sp, ok := h.d.Lists[name]
	if !ok {
		server.WriteError(w, r, http.StatusNotFound, "No such list.")
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "paloalto"
	}
	if format != "paloalto" && format != "fortinet" && format != "checkpoint" {
		server.WriteError(w, r, http.StatusBadRequest, "format: want paloalto, fortinet or checkpoint.")
		return
	}
	entries, latest, err := h.d.Intel.EDL(r.Context(), p.ACL(), sp, h.d.Now())
	if err != nil {
		h.d.Logger.Error("edl", "list", name, "error", err.Error())
		server.WriteError(w, r, http.StatusInternalServerError, "The list could not be built: "+err.Error())
		return
	}
	body, ctype := Render(name, sp.Kind, format, entries)
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", fmt.Sprintf("private, max-age=%d", int(h.d.MaxAge/time.Second)))
	if !latest.IsZero() {
		hd.Set("Last-Modified", latest.UTC().Format(http.TimeFormat))
	}
	hd.Set("X-Entry-Count", fmt.Sprint(len(entries)))
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// index lists the lists.
func (h *handler) index(w http.ResponseWriter) {
	names := make([]string, 0, len(h.d.Lists))
	for n := range h.d.Lists {
		names = append(names, n)
	}
	sort.Strings(names)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, n := range names {
		fmt.Fprintf(w, "%s\t%s\n", n, h.d.Lists[n].Kind)
	}
}

// Render writes the entries as the firewall expects them (format paloalto, fortinet or checkpoint).
func Render(name, kind, format string, entries []intel.EDLEntry) ([]byte, string) {
	var b bytes.Buffer
	switch format {
	case "checkpoint":
		// Check Point's Custom Intelligence Feed CSV: uniq-name,value,type,confidence,severity,product,comment
		cw := csv.NewWriter(&b)
		cw.Write([]string{"#Uniq-Name", "Value", "Type", "Confidence", "Severity", "Product", "Comment"})
		for i, e := range entries {
			cw.Write([]string{fmt.Sprintf("%s-%d", name, i+1), e.Value, checkPointType(kind, e), "high", "high", "AV",
				commentText(e)})
		}
		cw.Flush()
		return b.Bytes(), "text/csv; charset=utf-8"
	}
	for _, e := range entries {
		v := e.Value
		if kind == intel.EDLURL && format == "paloalto" {
			// PAN-OS URL lists take no scheme
			v = strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://")
		}
		b.WriteString(v)
		b.WriteByte('\n')
	}
	return b.Bytes(), "text/plain; charset=utf-8"
}

func checkPointType(kind string, e intel.EDLEntry) string {
	switch kind {
	case intel.EDLIP:
		return "IP"
	case intel.EDLDomain:
		return "Domain"
	case intel.EDLURL:
		return "URL"
	}
	switch {
	case strings.HasSuffix(e.Type, "md5"):
		return "MD5"
	case strings.HasSuffix(e.Type, "sha256"):
		return "SHA256"
	}
	return "SHA1"
}

// commentText is a comment safe for one CSV cell a spreadsheet might open.
func commentText(e intel.EDLEntry) string {
	c := fmt.Sprintf("hunch event %d", e.EventID)
	if e.Comment != "" {
		c += ": " + strings.NewReplacer("\n", " ", "\r", " ").Replace(e.Comment)
	}
	return c
}
