package benchcorpus

// The word lists below mirror ../shared/bench/gen_corpus.py. They are read-only tables; the
// package keeps no mutable state outside a Generator.

var words = [...]string{
	"alpha", "bravo", "cloud", "secure", "update", "login", "portal", "cdn", "static", "api",
	"files", "data", "sync", "micro", "soft", "net", "web", "mail", "office", "account",
	"verify", "billing", "service", "support", "track", "media", "img", "video", "shop", "store",
	"pay", "wallet", "crypto", "node", "edge", "zone", "host", "core", "link", "global",
	"fast", "safe", "trust", "auth", "sso", "id", "vault", "docs", "drive", "box",
	"share", "team", "chat",
}

var wordsUpper = func() [len(words)]string {
	var u [len(words)]string
	for i, w := range words {
		b := []byte(w)
		for j, c := range b {
			if 'a' <= c && c <= 'z' {
				b[j] = c - 'a' + 'A'
			}
		}
		u[i] = string(b)
	}
	return u
}()

var tlds = [...]string{
	"com", "net", "org", "io", "ru", "cn", "xyz", "top", "info", "biz", "co.uk",
	"de", "online", "site", "club", "su", "in", "me", "tk", "cc",
}

var domainPrefixes = [...]string{"www", "cdn", "mail", "api", "update", "dl", "c2", "ns1"}

var legitDomains = [...]string{
	"microsoft.com", "windowsupdate.com", "login.microsoftonline.com", "google.com",
	"www.google.com", "github.com", "raw.githubusercontent.com", "cdn.jsdelivr.net",
	"update.googleapis.com", "s3.amazonaws.com", "outlook.office365.com",
	"download.mozilla.org", "archive.ubuntu.com", "security.debian.org", "pypi.org",
	"registry.npmjs.org", "slack.com", "zoom.us", "dropbox.com", "pastebin.com",
}

var users = [...]string{
	"jdoe", "asmith", "bwayne", "ckent", "dprince", "svc_backup", "administrator",
	"root", "admin", "oracle", "www-data", "ubuntu", "pi", "test", "guest",
}

var firstNames = [...]string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
	"judy", "mallory", "oscar", "peggy", "trent", "victor", "walter",
}

var lastNames = [...]string{
	"smith", "jones", "brown", "taylor", "wilson", "evans", "thomas", "roberts",
	"walker", "wright", "clark", "hall", "young", "king",
}

var roleMailboxes = [...]string{"billing", "noreply", "support", "hr-dept", "it.helpdesk", "invoice"}

// hostsWin is WKS-001 … WKS-059 followed by SRV-DC01 … SRV-DC03.
var hostsWin = func() [62]string {
	var h [62]string
	for i := 1; i < 60; i++ {
		h[i-1] = "WKS-0" + string(rune('0'+i/10)) + string(rune('0'+i%10))
	}
	for i := 1; i < 4; i++ {
		h[58+i] = "SRV-DC0" + string(rune('0'+i))
	}
	return h
}()

var hostsLinux = [...]string{
	"web01", "web02", "db01", "bastion", "k8s-node-3", "mail01", "ci-runner",
	"fw-edge", "proxy01", "nas",
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

var userAgents = [...]string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) " +
		"Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
	"Microsoft-CryptoAPI/10.0", "curl/7.88.1", "Wget/1.21.3", "python-requests/2.31.0",
	"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; WOW64; Trident/7.0)",
	"WindowsPowerShell/5.1.19041.3803",
}

const (
	pathCertutil   = `C:\Windows\System32\certutil.exe`
	pathBitsadmin  = `C:\Windows\System32\bitsadmin.exe`
	pathRegsvr32   = `C:\Windows\System32\regsvr32.exe`
	pathNet        = `C:\Windows\System32\net.exe`
	pathRundll32   = `C:\Windows\System32\rundll32.exe`
	pathSchtasks   = `C:\Windows\System32\schtasks.exe`
	pathCmd        = `C:\Windows\System32\cmd.exe`
	pathMshta      = `C:\Windows\System32\mshta.exe`
	pathPowerShell = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
)

var winTools = [...]string{
	pathCmd, pathPowerShell, pathRundll32, pathRegsvr32, pathCertutil, pathBitsadmin, pathMshta,
	pathSchtasks, pathNet, `C:\Windows\System32\wbem\WMIC.exe`, `C:\Windows\explorer.exe`,
	`C:\Program Files\Google\Chrome\Application\chrome.exe`,
	`C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
	`C:\Windows\System32\svchost.exe`, `C:\Windows\System32\services.exe`,
}

// dropDir is a drop directory; when perUser is set the user name goes between head and tail.
type dropDir struct {
	head, tail string
	perUser    bool
}

var dropDirs = [...]dropDir{
	{head: `C:\Users\Public`}, {head: `C:\ProgramData`}, {head: `C:\Windows\Temp`},
	{head: `C:\Users\`, tail: `\AppData\Local\Temp`, perUser: true},
	{head: `C:\Users\`, tail: `\AppData\Roaming\Microsoft`, perUser: true},
	{head: `C:\Users\`, tail: `\Downloads`, perUser: true},
}

var dropNames = [...]string{
	"update.exe", "svch0st.exe", "payload.dll", "invoice_0423.doc.exe", "setup64.exe",
	"WinSvc.dll", "tmp4F2A.tmp", "report.hta", "stage2.bin", "msupdate.dat",
}

// dropNamesDLL is dropNames with the last extension replaced by .dll (the rundll32 case).
var dropNamesDLL = [...]string{
	"update.dll", "svch0st.dll", "payload.dll", "invoice_0423.doc.dll", "setup64.dll",
	"WinSvc.dll", "tmp4F2A.dll", "report.dll", "stage2.dll", "msupdate.dll",
}

var linuxBins = [...]string{
	"/usr/bin/curl", "/usr/bin/wget", "/bin/bash", "/usr/bin/python3", "/bin/sh",
	"/usr/bin/nc", "/usr/sbin/useradd", "/usr/bin/crontab", "/usr/bin/base64",
	"/usr/bin/chmod", "/usr/bin/ssh", "/usr/bin/scp",
}

// linuxDrop is a dropped-file path; when perUser is set the user name goes between head and tail.
type linuxDrop struct {
	head, tail string
	perUser    bool
}

var linuxDrops = [...]linuxDrop{
	{head: "/tmp/.x/kinsing"}, {head: "/dev/shm/.cache/xmrig"}, {head: "/var/tmp/.ICE-unix/sd"},
	{head: "/tmp/update"}, {head: "/home/", tail: "/.ssh/authorized_keys", perUser: true},
	{head: "/etc/cron.d/sysupdate"}, {head: "/usr/local/lib/libprocesshider.so"},
	{head: "/opt/app/config/settings.yaml"}, {head: "/var/www/html/uploads/shell.php"},
	{head: "/etc/ld.so.preload"},
}

var minerDrops = [...]string{"/tmp/.x/kinsing", "/dev/shm/.cache/xmrig", "/var/tmp/.ICE-unix/sd"}

// sudoTarget is a sudo COMMAND= value and the Linux paths it contains.
type sudoTarget struct {
	cmd   string
	paths []string
}

var sudoTargets = [...]sudoTarget{
	{"/bin/cat /etc/shadow", []string{"/bin/cat", "/etc/shadow"}},
	{"/usr/bin/vim /etc/sudoers", []string{"/usr/bin/vim", "/etc/sudoers"}},
	{"/usr/bin/systemctl restart nginx", []string{"/usr/bin/systemctl"}},
	{"/bin/chmod 4755 /tmp/update", []string{"/bin/chmod", "/tmp/update"}},
}

// urlPaths are URL paths; the one with nPath gets a random number after "/b/".
var urlPaths = [...]string{
	"/gate.php", "/wp-content/plugins/x/load.php", "/api/v2/beacon", "/images/logo.png",
	"/download/update.exe", "/s/a.ps1", "/static/js/app.min.js", "/index.html",
	"/login", nPath, "/cdn-cgi/trace", "/news/2024/03/story.html",
	"/dl/invoice.zip", "/x86_64/bot", "/c2/checkin",
}

const nPath = "/b/{n}/payload.bin"

var ipFirstOctets = [...]int{
	5, 23, 31, 45, 62, 77, 89, 91, 103, 104, 141, 146, 158, 172, 178,
	185, 188, 193, 194, 198, 203, 212, 217,
}

var ipv6FirstGroups = [...]string{"2001", "2a00", "2a01", "2606", "2607", "2620", "fe80", "fd12"}

var urlSchemes = [...]string{"http", "https", "https", "http", "ftp"}

var urlPorts = [...]string{":8080", ":8443", ":443", ":4444", ":81"}

var psFlags = [...]string{"-enc", "-EncodedCommand", "-e", "-ec", "-EnC"}

var psOpts = [...]string{
	"-nop -w hidden", "-NoProfile -NonInteractive -WindowStyle Hidden",
	"-NoP -NonI -W Hidden -Exec Bypass", "-ep bypass",
}

var psPorts = [...]string{"443", "4444", "8080", "53"}

var ufwPorts = [...]string{"22", "23", "445", "3389", "6379"}

var squidResults = [...]string{"MISS", "HIT", "TUNNEL", "DENIED"}

var squidCodes = [...]string{"200", "200", "302", "403", "404"}

var squidMethods = [...]string{"GET", "POST", "CONNECT"}

var contentTypes = [...]string{"text/html", "application/octet-stream", "application/javascript"}

var w3cMethods = [...]string{"GET", "POST"}

var w3cCodes = [...]string{"200", "301", "403"}

var w3cCategories = [...]string{"Malware", "Business", "Uncategorized", "Phishing"}

var mailStatus = [...]string{"sent", "deferred", "bounced"}

var flowPorts = [...]string{"443", "80", "22"}

var flowActions = [...]string{"allow", "deny"}

var httpSchemes = [...]string{"http", "https"}

var proxySchemes = [...]string{"http", "https", "http"}

var defangedHTTP = [...]string{"hxxp", "hXXp"}

var atForms = [...]string{"[at]", "[AT]", "@"}
