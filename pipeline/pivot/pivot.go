// Package pivot is hunch's entity model and the registry of what applies to each entity, in
// the manner of msticpy's pivots: start from an IP, a domain, a URL, a hash, an account, a
// host, a process or an e-mail address, see every function that takes it, run one, and feed the
// resulting records to the next. A function here is a description and a command line of
// hunch's own verbs; the caller (the CLI, the web UI, the chat bot) runs it, so every surface
// runs the same thing.
package pivot

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
)

// Kinds of entity.
const (
	IP      = "ip"
	Domain  = "domain"
	URL     = "url"
	Hash    = "hash"
	Account = "account"
	Host    = "host"
	Process = "process"
	Email   = "email"
)

// Kinds lists the entity kinds.
var Kinds = []string{IP, Domain, URL, Hash, Account, Host, Process, Email}

var (
	domainRE  = regexp.MustCompile(`^(?i)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$`)
	hashRE    = regexp.MustCompile(`^(?i)[0-9a-f]{32}$|^(?i)[0-9a-f]{40}$|^(?i)[0-9a-f]{64}$|^(?i)[0-9a-f]{128}$`)
	emailRE   = regexp.MustCompile(`^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$`)
	hostRE    = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9._-]{0,252})$`)
	accountRE = regexp.MustCompile(`^[^\s\x00-\x1f]{1,256}$`)
)

// Check validates a value as an entity of kind and returns it as functions take it.
func Check(kind, value string) (string, error) {
	v := strings.TrimSpace(value)
	ok := false
	switch kind {
	case IP:
		ok = net.ParseIP(v) != nil
	case Domain:
		v = strings.ToLower(strings.TrimSuffix(v, "."))
		ok = domainRE.MatchString(v)
	case URL:
		ok = strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "ftp://")
	case Hash:
		v = strings.ToLower(v)
		ok = hashRE.MatchString(v)
	case Email:
		v = strings.ToLower(v)
		ok = emailRE.MatchString(v)
	case Host:
		ok = hostRE.MatchString(v)
	case Account:
		ok = accountRE.MatchString(v)
	case Process:
		ok = v != "" && len(v) <= 32768
	default:
		return "", fmt.Errorf("entity kind %q: want one of %s", kind, strings.Join(Kinds, ", "))
	}
	if !ok {
		return "", fmt.Errorf("%q is not a valid %s", value, kind)
	}
	return v, nil
}

// Function is one pivot.
type Function struct {
	Name    string
	Summary string
	Kinds   []string
	// Command is the hunch command line the function runs for value, with args (what the user
	// added after the function's name) and, for functions that read records, the value on
	// standard input (Stdin).
	Command func(kind, value string, args []string) ([]string, error)
	// Stdin sends the value as one line on standard input (or, with Input, what Input makes of it).
	Stdin bool
	Input func(value string) string
	// Destructive functions act on a product (isolate a host, block a domain): they need a
	// confirmation where they are run.
	Destructive bool
	// Args describes the arguments the function takes, for the help.
	Args string
}

// Registry holds the functions.
type Registry struct {
	fns []Function
}

// Register adds f; a name may be registered once per kind.
func (r *Registry) Register(f Function) error {
	for _, k := range f.Kinds {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("pivot %s: unknown kind %q", f.Name, k)
		}
		if r.Get(k, f.Name) != nil {
			return fmt.Errorf("pivot %s: registered twice for %s", f.Name, k)
		}
	}
	r.fns = append(r.fns, f)
	return nil
}

// For lists the functions that apply to kind, by name.
func (r *Registry) For(kind string) []Function {
	var out []Function
	for _, f := range r.fns {
		if slices.Contains(f.Kinds, kind) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b Function) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Get returns kind's function name, or nil.
func (r *Registry) Get(kind, name string) *Function {
	for i := range r.fns {
		if r.fns[i].Name == name && slices.Contains(r.fns[i].Kinds, kind) {
			return &r.fns[i]
		}
	}
	return nil
}

// All lists every function.
func (r *Registry) All() []Function { return slices.Clone(r.fns) }

// TemplateParams are the query-template parameter names an entity kind fills.
var TemplateParams = map[string][]string{
	IP:      {"ip", "src_ip", "dest_ip", "source", "address"},
	Host:    {"host", "computer", "hostname"},
	Account: {"user", "account", "username"},
	Domain:  {"domain", "query"},
	Hash:    {"hash", "sha256", "sha1", "md5"},
	Process: {"process", "image"},
	Email:   {"email", "sender", "recipient"},
	URL:     {"url"},
}

// Default is the registry of hunch: every function of hunch that takes an entity, as the command line it runs.
func Default() *Registry {
	r := &Registry{}
	plain := func(verb ...string) func(string, string, []string) ([]string, error) {
		return func(_, v string, args []string) ([]string, error) {
			return append(append(slices.Clone(verb), args...), "--", v), nil
		}
	}
	stdin := func(verb ...string) func(string, string, []string) ([]string, error) {
		return func(_, _ string, args []string) ([]string, error) { return append(slices.Clone(verb), args...), nil }
	}
	for _, f := range []Function{
		{Name: "lookup", Summary: "reputation from the configured providers, one verdict", Kinds: []string{IP, Domain, URL, Hash, Email},
			Command: plain("lookup")},
		{Name: "rep", Summary: "everything known: providers as a DBotScore, GeoIP, the intel store, warninglists, feeds",
			Kinds: []string{IP, Domain, URL, Hash, Email}, Command: func(kind, v string, args []string) ([]string, error) {
				sub := map[string]string{IP: "ip", Domain: "domain", URL: "url", Hash: "file", Email: "email"}[kind]
				return append(append([]string{"rep", sub}, args...), "--", v), nil
			}},
		{Name: "geoip", Summary: "country, city, AS of an address", Kinds: []string{IP}, Command: plain("geoip")},
		{Name: "whois", Summary: "RDAP registration (and Team Cymru's AS for an address)", Kinds: []string{IP, Domain}, Command: plain("whois")},
		{Name: "resolve", Summary: "the domain's addresses (A and AAAA)", Kinds: []string{Domain}, Command: plain("resolve"), Args: "[--dns HOST:PORT]"},
		{Name: "intel", Summary: "what the intel store holds for the value", Kinds: []string{IP, Domain, URL, Hash, Email},
			Command: func(_, v string, args []string) ([]string, error) {
				return append([]string{"intel", "search", "--value", v}, args...), nil
			}},
		{Name: "extract", Summary: "the indicators inside the value (a URL's host, a command line's addresses)",
			Kinds: []string{URL, Email, Process}, Command: stdin("extract", "--format", "text", "--unpack"), Stdin: true},
		{Name: "unpack", Summary: "decode what is encoded in a command line", Kinds: []string{Process}, Command: stdin("unpack", "--format", "text"), Stdin: true},
		{Name: "cmdline", Summary: "score a command line for what attackers do with them", Kinds: []string{Process},
			Command: stdin("analyze", "cmdline", "--format", "text", "--field", "_raw"), Stdin: true},
		{Name: "sigma", Summary: "the Sigma rules that fire on the command line (as a process-creation event)", Kinds: []string{Process},
			Args: "RULES… (files or folders of rules)", Stdin: true, Input: processEvent,
			Command: func(kind, v string, args []string) ([]string, error) {
				if len(args) == 0 {
					return nil, fmt.Errorf("sigma needs rules: hunch pivot process VALUE sigma RULES… (a SigmaHQ release: hunch sigma update)")
				}
				return append(append([]string{"sigma", "scan"}, args...), "--", "-"), nil
			}},
		{Name: "query", Summary: "run a SIEM query template with the value as its parameter", Kinds: []string{IP, Host, Account, Domain, Hash, Process, Email, URL},
			Args: "TEMPLATE [--connection C | --files GLOB] [--last 7d]", Command: func(kind, v string, args []string) ([]string, error) {
				if len(args) == 0 || strings.HasPrefix(args[0], "-") {
					return nil, fmt.Errorf("query needs a template name: hunch pivot %s VALUE query TEMPLATE (hunch pivot %s VALUE lists the ones that fit)", kind, kind)
				}
				return append([]string{"query", "run", args[0], "-p", TemplateParams[kind][0] + "=" + v}, args[1:]...), nil
			}},
		{Name: "isolate", Summary: "isolate the host on the EDR", Kinds: []string{Host}, Destructive: true, Args: "[--edr mde|crowdstrike] --yes | --dry-run",
			Command: plain("respond", "isolate")},
		{Name: "release", Summary: "end the host's isolation on the EDR", Kinds: []string{Host}, Destructive: true, Args: "[--edr mde|crowdstrike] --yes | --dry-run",
			Command: plain("respond", "release")},
		{Name: "disable", Summary: "disable the account in the directory (LDAP, Active Directory)", Kinds: []string{Account}, Destructive: true,
			Args: "--yes | --dry-run", Command: plain("respond", "disable")},
		{Name: "enable", Summary: "enable the account in the directory again", Kinds: []string{Account}, Destructive: true,
			Args: "--yes | --dry-run", Command: plain("respond", "enable")},
		{Name: "block", Summary: "put the value on a blocklist served as an External Dynamic List", Kinds: []string{IP, Domain, URL},
			Destructive: true, Args: "--list NAME --yes", Command: plain("respond", "block")},
	} {
		if err := r.Register(f); err != nil {
			panic(err) // a programming error: the table above is fixed
		}
	}
	return r
}

// processEvent is a command line as the process-creation event (Sysmon 1) Sigma rules are written
// for: its image is the first word when that names an executable.
func processEvent(cmdline string) string {
	image := ""
	if f := strings.Fields(strings.Trim(cmdline, `"`)); len(f) > 0 {
		first := strings.Trim(f[0], `"`)
		if strings.HasSuffix(strings.ToLower(first), ".exe") || strings.ContainsAny(first, `\/`) {
			image = first
		}
	}
	b, _ := json.Marshal(map[string]any{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": image, "CommandLine": cmdline})
	return string(b) + "\n"
}
