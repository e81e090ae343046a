// Package app builds hunch's Splunk app: the installable archive that makes hunchunpack,
// hunchextract and hunchlookup search commands run by the static hunch binary (commands.conf
// chunked = true), and reads the app's hunch.conf settings back at run time.
package app

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// Errors a caller may tell apart.
var (
	// ErrNotStatic marks a binary that needs a dynamic loader (PT_INTERP): Splunk's hosts may not have its libraries.
	ErrNotStatic = errors.New("binary is dynamically linked")
	// ErrNotLinuxAMD64 marks a file that is not a linux/amd64 ELF executable.
	ErrNotLinuxAMD64 = errors.New("binary is not a linux/amd64 executable")
)

// Platform is the app directory splunkd searches first for a chunked command's filename.
const Platform = "linux_x86_64"

// DefaultName is the app's directory name and id.
const DefaultName = "hunch"

// CredentialRealm is the realm of the secrets hunch reads from Splunk's credential store
// (storage/passwords) when the app's hunch.conf names one; documented in default/hunch.conf.
const CredentialRealm = "hunch"

// Options describes the app to build.
type Options struct {
	// Name is the app's directory and id (default DefaultName).
	Name string
	// Version is the app version, as in app.conf (default "0.0.0"); a leading v is dropped.
	Version string
	// Build is a build identifier (a commit, say) written to app.conf's [install] build.
	Build string
	// Binary is the path of the hunch executable to ship as <app>/linux_x86_64/bin/hunch.
	// It must be a static linux/amd64 ELF (see CheckBinary).
	Binary string
	// Time stamps the archive's entries (default: the binary's modification time), so that
	// two builds of the same binary are byte-identical.
	Time time.Time
}

var versionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.-]+)?$`)

// CheckBinary reports whether path is an executable splunkd can run on linux/amd64 hosts
// without anything else installed: an ELF for x86-64 without a PT_INTERP program header (so
// statically linked, as CGO_ENABLED=0 Go builds are).
func CheckBinary(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		if errors.As(err, &fe) {
			return fmt.Errorf("%w: %s: %v", ErrNotLinuxAMD64, path, err)
		}
		return fmt.Errorf("opening binary: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || (f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN) {
		return fmt.Errorf("%w: %s is %v %v %v", ErrNotLinuxAMD64, path, f.Class, f.Machine, f.Type)
	}
	if f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX {
		return fmt.Errorf("%w: %s is for OS ABI %v", ErrNotLinuxAMD64, path, f.OSABI)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			interp, _ := io.ReadAll(io.LimitReader(p.Open(), 256))
			return fmt.Errorf("%w: %s asks for the loader %s; build it with CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build ./cmd/hunch and pass it with --binary",
				ErrNotStatic, path, strings.TrimRight(string(interp), "\x00"))
		}
	}
	return nil
}

// file is one archive entry.
type file struct {
	name string
	mode int64
	data []byte
}

// Build writes the app as a gzipped tar (hunch/default/app.conf, …) to w.
func Build(w io.Writer, opts Options) error {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`).MatchString(opts.Name) {
		return fmt.Errorf("app name %q: want letters, digits, _ . -", opts.Name)
	}
	opts.Version = strings.TrimPrefix(opts.Version, "v")
	if opts.Version == "" || opts.Version == "devel" {
		opts.Version = "0.0.0"
	}
	if !versionRE.MatchString(opts.Version) {
		return fmt.Errorf("app version %q: want N.N.N", opts.Version)
	}
	if opts.Binary == "" {
		return errors.New("no binary to ship")
	}
	if err := CheckBinary(opts.Binary); err != nil {
		return err
	}
	bin, err := os.ReadFile(opts.Binary)
	if err != nil {
		return fmt.Errorf("reading binary: %w", err)
	}
	if opts.Time.IsZero() {
		if fi, err := os.Stat(opts.Binary); err == nil {
			opts.Time = fi.ModTime()
		}
	}
	files := []file{
		{"default/app.conf", 0o644, appConf(opts)},
		{"default/commands.conf", 0o644, commandsConf()},
		{"default/searchbnf.conf", 0o644, searchbnfConf()},
		{"default/hunch.conf", 0o644, []byte(hunchConf)},
		{"metadata/default.meta", 0o644, []byte(defaultMeta)},
		{"README", 0o644, readme(opts)},
		{Platform + "/bin/hunch", 0o755, bin},
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	for _, f := range files {
		// Parent directories first, as tar readers (and splunkd's installer) expect.
		parts := strings.Split(opts.Name+"/"+f.name, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/") + "/"
			if dirs[d] {
				continue
			}
			dirs[d] = true
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: opts.Time, Format: tar.FormatPAX}); err != nil {
				return fmt.Errorf("writing archive: %w", err)
			}
		}
		h := &tar.Header{Typeflag: tar.TypeReg, Name: opts.Name + "/" + f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: opts.Time, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing archive: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("writing archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("writing archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("writing archive: %w", err)
	}
	return nil
}

func appConf(o Options) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `# hunch: threat hunting search commands (hunchunpack, hunchextract, hunchlookup).

[install]
is_configured = false
state = enabled
`)
	if o.Build != "" {
		fmt.Fprintf(&b, "build = %s\n", confValue(o.Build))
	}
	fmt.Fprintf(&b, `
[package]
id = %s
check_for_updates = false

[launcher]
author = hunch
description = Decode, extract indicators from and enrich events inside Splunk with the hunch search commands.
version = %s

[ui]
is_visible = false
label = Hunch
`, o.Name, o.Version)
	return b.Bytes()
}

// confValue keeps a value on one line.
func confValue(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

// Command is one search command of the app, with its searchbnf documentation.
type Command struct {
	Name        string
	Verb        string // the hunch verb whose options it takes
	Syntax      string
	ShortDesc   string
	Description string
	Examples    [][2]string // SPL, comment
	Tags        string
	// Risky marks commands that reach outside Splunk (is_risky in commands.conf).
	Risky bool
}

// Commands are the search commands the app declares, in commands.conf order.
func Commands() []Command {
	return []Command{
		{
			Name: "hunchunpack", Verb: "unpack",
			Syntax:      "hunchunpack (field=<field>)* (all=<bool>)? (min_len=<int>)? (max_decoded=<size>)? (max_depth=<int>)? (max_members=<int>)? (max_ratio=<num>)? (jobs=<int>)? (<field>)*",
			ShortDesc:   "Finds and recursively decodes base64, hex, compressed and archived blobs in fields.",
			Description: "Finds base64 and hex blobs in the given fields (default: every field), decodes them through gzip, zlib, zip, tar, UTF-16 and nested encodings, and recognises PowerShell's -EncodedCommand. Each blob becomes a result with its encoding chain, decoded text, size and hashes; full_decoded holds the field's text with every blob replaced by its decoding. Events without blobs are passed on (all=f drops them). The event's fields are kept; a field whose name the command writes is renamed src_<name>.",
			Examples: [][2]string{
				{"index=wineventlog EventCode=4688 | hunchunpack field=CommandLine | table _time host CommandLine encoding full_decoded", "Decode encoded PowerShell command lines."},
				{"... | hunchunpack field=CommandLine | hunchextract field=full_decoded types=url,ipv4,domain", "Find the URLs, addresses and domains hidden in encoded commands."},
			},
			Tags: "hunch decode base64 powershell",
		},
		{
			Name: "hunchextract", Verb: "extract",
			Syntax:      "hunchextract (field=<field>)* (types=<string>)? (unique=none|record|global)? (max_unique=<int>)? (unpack=<bool>)? (file_tlds=<bool>)? (custom=<string>)* (jobs=<int>)? (<field>)*",
			ShortDesc:   "Extracts indicators of compromise (IPs, domains, URLs, hashes, ...) from fields.",
			Description: "Scans the given fields (default: every field) for indicators and returns one result per indicator: type, value (refanged, normalised), raw text, offsets, defanged, registrable domain, ip_flags, and the event's fields. unpack=t decodes blobs first and marks indicators seen only in decoded text via=decoded. unique=global drops repeats across the whole search.",
			Examples: [][2]string{
				{"index=proxy | hunchextract field=url types=domain unique=global", "The distinct domains in proxy logs."},
				{"index=wineventlog EventCode=4688 | hunchextract field=CommandLine unpack=t", "Indicators in command lines, encoded ones included."},
			},
			Tags: "hunch ioc indicator extract",
		},
		{
			Name: "hunchlookup", Verb: "lookup",
			Syntax:      "hunchlookup (field=<field>)? (type_field=<field>)? (keep=<bool>)? (providers=<string>)? (min_verdict=benign|suspicious|malicious)? (no_geoip=<bool>)? (no_cache=<bool>)? (refresh=<bool>)? (batch=<int>)? (details=<bool>)? (<field>)?",
			ShortDesc:   "Looks indicators up in threat-intelligence providers and GeoIP.",
			Description: "Asks the providers configured in the app's hunch.yaml (see default/hunch.conf) about the indicator in the given field (default: value, indicator or _raw) and appends the combined verdict, the deciding provider, one column per provider and GeoIP fields to each event (keep=f: one result per distinct indicator). Answers are cached.",
			Examples: [][2]string{
				{"... | hunchextract field=CommandLine unpack=t | hunchlookup field=value min_verdict=suspicious", "Only the indicators a provider finds suspicious or malicious."},
			},
			Tags:  "hunch enrich threatintel lookup",
			Risky: true,
		},
	}
}

func commandsConf() []byte {
	var b bytes.Buffer
	b.WriteString("# hunch search commands: one static binary speaking the chunked protocol (SCP v2).\n")
	b.WriteString("# splunkd runs <app>/" + Platform + "/bin/hunch splunk-command <name>; the search's options reach it in getinfo.\n")
	for _, c := range Commands() {
		fmt.Fprintf(&b, "\n[%s]\nchunked = true\nfilename = hunch\ncommand.arg.1 = splunk-command\ncommand.arg.2 = %s\n", c.Name, c.Name)
		if c.Risky {
			b.WriteString("is_risky = true\n")
		}
	}
	return b.Bytes()
}

func searchbnfConf() []byte {
	var b bytes.Buffer
	for i, c := range Commands() {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "[%s-command]\nsyntax = %s\nshortdesc = %s\ndescription = %s\nusage = public\n", c.Name, c.Syntax, c.ShortDesc, c.Description)
		for j, ex := range c.Examples {
			fmt.Fprintf(&b, "example%d = %s\ncomment%d = %s\n", j+1, ex[0], j+1, ex[1])
		}
		fmt.Fprintf(&b, "tags = %s\n", c.Tags)
	}
	return b.Bytes()
}

// hunchConf is default/hunch.conf: where the commands find their configuration. Copy it to
// local/hunch.conf to change a value.
const hunchConf = `# hunch settings for the search commands. Put changes in local/hunch.conf, not here.

[settings]
# hunch.yaml with the provider settings (enrich.providers, geoip, ioc.custom), relative to the
# app directory or absolute. A missing file means no providers: hunchlookup then refuses to run.
config = local/hunch.yaml
# Data directory for the lookup cache and GeoIP databases, relative to the app directory or absolute.
data = local/data

[credentials]
# Provider secrets are not written here. hunch.yaml names each secret as env:NAME or file:PATH;
# storing them in Splunk's credential store (storage/passwords) under this realm, with NAME as
# the user name, is the documented place for a deployment to keep them.
realm = ` + CredentialRealm + `
`

const defaultMeta = `# Everyone may run the commands; only admins change the app.
[]
access = read : [ * ], write : [ admin ]
export = system

[commands]
access = read : [ * ], write : [ admin ]
export = system
`

func readme(o Options) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `hunch %s for Splunk
==================

Search commands that decode, extract indicators from and enrich events inside Splunk, so
the events never leave it. They are one static Go binary (%s/bin/hunch) speaking Splunk's
custom search command protocol v2 (commands.conf chunked = true); no Python is needed.

Commands
--------
`, o.Version, Platform)
	for _, c := range Commands() {
		fmt.Fprintf(&b, "\n%s — %s\n  %s\n", c.Name, c.ShortDesc, c.Syntax)
		for _, ex := range c.Examples {
			fmt.Fprintf(&b, "  e.g. %s\n", ex[0])
		}
	}
	fmt.Fprintf(&b, `
Each option name=value is the flag --name of the matching hunch verb (hunch %s --help);
a bare word names a field. Errors appear in the job inspector.

Configuration
-------------
default/hunch.conf says where the commands find hunch.yaml (the provider settings) and their
data directory; override it in local/hunch.conf. Provider secrets belong in hunch.yaml as
env:NAME or file:PATH references; see [credentials] in default/hunch.conf.

Installation
------------
Install the archive from Apps > Manage Apps > Install app from file, or unpack it into
$SPLUNK_HOME/etc/apps/ and restart splunkd. The binary runs on linux x86-64 hosts (search
heads and, for distributed streaming, indexers).
`, "unpack|extract|lookup")
	return b.Bytes()
}
