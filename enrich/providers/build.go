package providers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/hunchsec/hunch/enrich"
	"github.com/hunchsec/hunch/enrich/abusech"
	"github.com/hunchsec/hunch/enrich/abuseipdb"
	"github.com/hunchsec/hunch/enrich/greynoise"
	"github.com/hunchsec/hunch/enrich/local"
	"github.com/hunchsec/hunch/enrich/misp"
	"github.com/hunchsec/hunch/enrich/otx"
	"github.com/hunchsec/hunch/enrich/shodan"
	"github.com/hunchsec/hunch/enrich/tor"
	"github.com/hunchsec/hunch/enrich/virustotal"
	"github.com/hunchsec/hunch/enrich/xforce"
)

// Deps are what Build gives every provider.
type Deps struct {
	// Client sends the requests (nil: a client with sane connection pooling).
	Client *http.Client
	Clock  enrich.Clock
	Getenv func(string) string
	// DataDir holds provider state that survives restarts (the Tor list, say); "" keeps none.
	DataDir string
	// UserAgent is sent with every request.
	UserAgent string
	Logger    *slog.Logger
}

// kind describes one provider package: how to build it and what it needs.
type kind struct {
	needsKey bool
	offline  bool // answers without the network
	build    func(p Provider, key string, h *enrich.HTTP, d Deps) (enrich.Provider, error)
}

var kinds = map[string]kind{
	virustotal.Name: {needsKey: true, build: func(p Provider, key string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return virustotal.New(virustotal.Options{HTTP: h, BaseURL: p.BaseURL, Key: key})
	}},
	otx.Name: {needsKey: true, build: func(p Provider, key string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return otx.New(otx.Options{HTTP: h, BaseURL: p.BaseURL, Key: key})
	}},
	xforce.Name: {needsKey: true, build: func(p Provider, key string, h *enrich.HTTP, d Deps) (enrich.Provider, error) {
		pw, err := p.Password.Resolve(d.Getenv)
		if err != nil || pw == "" {
			return nil, fmt.Errorf("%s: the API password is required (password: env:NAME or file:PATH)%s", p.Name, reason(err))
		}
		return xforce.New(xforce.Options{HTTP: h, BaseURL: p.BaseURL, Key: key, Password: pw})
	}},
	abuseipdb.Name: {needsKey: true, build: func(p Provider, key string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return abuseipdb.New(abuseipdb.Options{HTTP: h, BaseURL: p.BaseURL, Key: key, MaxAgeInDays: p.MaxAgeDays})
	}},
	greynoise.Name: {build: func(p Provider, key string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return greynoise.New(greynoise.Options{HTTP: h, BaseURL: p.BaseURL, Key: key})
	}},
	abusech.URLhausName:       abusechKind(abusech.URLhausName),
	abusech.ThreatFoxName:     abusechKind(abusech.ThreatFoxName),
	abusech.MalwareBazaarName: abusechKind(abusech.MalwareBazaarName),
	shodan.Name: {build: func(p Provider, _ string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return shodan.New(shodan.Options{HTTP: h, BaseURL: p.BaseURL})
	}},
	tor.Name: {build: func(p Provider, _ string, h *enrich.HTTP, d Deps) (enrich.Provider, error) {
		o := tor.Options{HTTP: h, BaseURL: p.BaseURL, Refresh: p.Refresh}
		if d.DataDir != "" {
			o.CacheDir = filepath.Join(d.DataDir, "tor")
		}
		return tor.New(o)
	}},
	misp.Name: {needsKey: true, build: func(p Provider, key string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return misp.New(misp.Options{HTTP: h, BaseURL: p.BaseURL, Key: key, Limit: p.Limit})
	}},
	local.Name: {offline: true, build: func(p Provider, _ string, _ *enrich.HTTP, d Deps) (enrich.Provider, error) {
		return local.New(local.Options{Name: p.Name, Paths: p.Files, Clock: d.Clock})
	}},
}

func abusechKind(name string) kind {
	return kind{needsKey: true, build: func(p Provider, key string, h *enrich.HTTP, _ Deps) (enrich.Provider, error) {
		return abusech.New(name, abusech.Options{HTTP: h, BaseURL: p.BaseURL, Key: key})
	}}
}

// Kinds returns the provider types Build knows, sorted.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func reason(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

// Status says whether one configured provider can be used, and why not.
type Status struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Enabled bool   `json:"enabled"`
	Usable  bool   `json:"usable"`
	Offline bool   `json:"offline"` // answers without the network
	Reason  string `json:"reason,omitempty"`
}

// Built is the result of Build: the engine's sources and the status of every configured provider.
type Built struct {
	Sources []enrich.Source
	Status  []Status
}

// Build constructs every enabled provider of cfg. A provider that cannot be built (unknown type,
// missing key, unreadable list) is reported in Status and left out; Build itself fails only when
// nothing is wrong with any provider but the deps are unusable.
func Build(cfg Config, d Deps) Built {
	if d.Getenv == nil {
		d.Getenv = func(string) string { return "" }
	}
	if d.Client == nil {
		d.Client = NewHTTPClient(0)
	}
	var b Built
	for _, p := range cfg.Providers {
		st := Status{Name: p.Name, Type: p.Kind(), Enabled: p.IsEnabled()}
		k, known := kinds[p.Kind()]
		st.Offline = k.offline
		src, err := func() (enrich.Source, error) {
			if !known {
				return enrich.Source{}, fmt.Errorf("unknown provider type %q (known: %v)", p.Kind(), Kinds())
			}
			if !st.Enabled {
				return enrich.Source{}, errDisabled
			}
			key, err := p.Key.Resolve(d.Getenv)
			if err != nil || (k.needsKey && key == "") {
				return enrich.Source{}, fmt.Errorf("an API key is required (key: env:NAME or file:PATH)%s", reason(err))
			}
			h := &enrich.HTTP{Provider: p.Name, Client: d.Client, Clock: d.Clock, Timeout: p.Timeout,
				Retries: p.Retries, MaxReply: p.MaxReply, UserAgent: d.UserAgent,
				Limiter: enrich.NewLimiter(p.Rate, d.Clock)}
			prov, err := k.build(p, key, h, d)
			if err != nil {
				return enrich.Source{}, err
			}
			if prov.Name() != p.Name {
				prov = renamed{prov, p.Name}
			}
			return enrich.Source{Provider: prov, Reliability: p.Reliability, Concurrency: p.Concurrency,
				TTL: mergeTTL(p.TTL, cfg.TTL), NoCache: k.offline}, nil
		}()
		switch {
		case err == nil:
			st.Usable = true
			b.Sources = append(b.Sources, src)
		case errors.Is(err, errDisabled):
			st.Reason = "disabled in the configuration"
		default:
			st.Reason = err.Error()
		}
		b.Status = append(b.Status, st)
	}
	return b
}

var errDisabled = errors.New("disabled")

// renamed gives a provider the name of its configuration entry (two VirusTotal accounts, say).
type renamed struct {
	enrich.Provider
	name string
}

func (r renamed) Name() string { return r.name }

// MaxBatch passes the wrapped provider's batch size on.
func (r renamed) MaxBatch() int {
	if b, ok := r.Provider.(enrich.Batcher); ok {
		return b.MaxBatch()
	}
	return 1
}

func mergeTTL(own, def enrich.TTL) enrich.TTL {
	pick := func(a, b time.Duration) time.Duration {
		if a != 0 {
			return a
		}
		return b
	}
	return enrich.TTL{Malicious: pick(own.Malicious, def.Malicious), Suspicious: pick(own.Suspicious, def.Suspicious),
		Benign: pick(own.Benign, def.Benign), Unknown: pick(own.Unknown, def.Unknown)}
}

// NewHTTPClient returns the client providers share: it keeps enough idle connections per host for
// concurrency requests in flight (the default keeps two, so a pool of 16 would reconnect constantly).
func NewHTTPClient(concurrency int) *http.Client {
	if concurrency < 16 {
		concurrency = 16
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = concurrency
	return &http.Client{Transport: t}
}
