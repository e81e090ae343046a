// Package ioc finds indicators of compromise (IP addresses, domains, URLs, e-mail addresses,
// hashes, file paths, registry keys, CVE and ATT&CK identifiers) in text, refangs defanged
// indicators and validates what it finds against the public suffix list and IP ranges.
//
// # Design
//
// Extraction is a single pass over the input by a hand-written scanner, not a set of regular
// expressions. A 256-entry byte-class table drives a tight skip loop over bytes that cannot
// begin an indicator, and plain words (letters, digits and hyphens) that no separator
// follows — a full stop counts only before another label — are stepped over in the same
// loop unless they can be a hash, a CVE identifier or an ATT&CK technique by themselves.
// At each remaining candidate start the scanner reads one "token": labels of
// letters, digits, '-' and '_' joined by dots or by defanged dots. What follows the token
// picks the parser: "://" (or a defanged form) after a scheme starts a URL, an "@" (or "[at]")
// an e-mail address, ":\" after a drive letter a Windows path, "\" after HKLM and friends a
// registry key, ":" after a short hex group an IPv6 address; otherwise the token itself is
// classified as an IPv4 address, a domain, a CVE or ATT&CK identifier, or searched for hash
// runs. "/" at a word boundary starts a Linux path, "\\" a UNC path, "%VAR%\" an
// environment-rooted path and "::" an IPv6 address. The scanner never backtracks over
// consumed input: once an indicator is found, scanning resumes after it, so nothing is
// reported twice — except that a URL's host, an e-mail address's domain and a UNC path's
// host are reported again as their own domain/ipv4/ipv6 match with Within set (URL, Email,
// WindowsPath), so that enrichment sees every host. Allocation happens only per match: the
// strings of a call share arena blocks, and Raw is a substring of the input for Extract.
// Public-suffix look-ups happen only for real domain candidates; each Extractor memoises
// top-level labels and keeps a lock-free direct-mapped cache of validated domains with
// their registrable domains.
//
// # Rules
//
//   - IPv4: four dot-separated decimal octets 0–255 (at most three digits each) with digit
//     boundaries on both sides: "1234.5.6.7", "999.1.1.1" and "11.22.33.4444" are nothing,
//     while a letter is not a digit, so "ip1.2.3.4x" holds 1.2.3.4.
//     A run of five or more dotted numbers ("5.1.19041.3803", OIDs) is a version, never an
//     address, and so is a dotted quad written straight after a User-Agent product token
//     ("Chrome/120.0.0.0": a name of letters, digits and '-' at a word start, then "/").
//   - Domains: LDH labels of at most 63 bytes, at most 253 bytes in all, the last label a
//     top-level domain of the ICANN section of the public suffix list, and a real right
//     boundary ("a.ps1" is not "a.ps"). The domain must be longer than its public suffix.
//     File names are not domains unless Options.FileNameTLDs is set: a two-label name
//     whose extension is a common file extension that is also a TLD (invoice.zip, run.py,
//     start.sh, lib.so, …), and code-like names whose top-level label is written in mixed
//     case (s.Read, $wc.Download) or in upper case after a lower-case label (System.IO), and
//     a name right after a backslash (CORP\report.pdf, Downloads\tool.com).
//     Registrable reports the eTLD+1, honouring private suffixes (evil.blogspot.com is its
//     own registrable domain) unless Options.ICANNOnly is set.
//   - IPv6: all RFC 4291 forms, with an embedded IPv4 tail and a zone; values are in RFC 5952
//     form. Without "::" exactly eight groups are needed, so times ("12:34:56",
//     "12:34:56.789") and MAC addresses are never addresses.
//   - URLs: a known scheme that carries a host (http, https, ftp, ftps, sftp, tcp, udp, ws,
//     wss, smb, rdp, ldap, …), "://", optional userinfo, a host validated as an IP address or
//     a domain, an optional port, then a path, query and fragment. Trailing punctuation,
//     quotes and unbalanced closing brackets are trimmed; balanced parentheses are kept.
//   - Hashes: hex runs of exactly 32, 40, 64 or 128 digits with non-hex bytes on both sides;
//     values are lower-case.
//   - E-mail addresses: a local part of letters, digits and "._%+-", "@", and a domain that
//     passes the domain rules (file-name rules aside).
//   - Windows paths: "C:\…", "\\host\share\…" and "%VAR%\…" (also with JSON-escaped "\\"
//     separators, reported with single backslashes); registry keys: HKLM, HKCU, HKU,
//     HKCR, HKCC and their HKEY_ spellings, optionally after "Registry::". A space belongs to
//     a path only inside a directory name (followed by more name and a backslash).
//   - Linux paths: "/" at a word boundary followed by at least two non-empty segments
//     ("/tmp/x", not "/c" or "/24"); dates (12/31/2024) and ratios never start at a
//     boundary, URL paths are consumed by their URL, and a path after an HTTP method
//     ("GET /index.html") is a URL path, not a file.
//   - CVE identifiers (CVE-2021-44228, upper-cased) and ATT&CK techniques (T1059,
//     T1059.001) with word boundaries.
//
// # Defanged indicators
//
// The scanner reads these forms and refangs them in Value, keeps the text in Raw and sets
// Defanged: schemes hxxp, hxxps, hXXp, fxp, fxps, ftx; dots "[.]", "(.)", "{.}", "[dot]",
// "(dot)", "[ . ]" and "\."; "[:]" and "[://]"; at signs "[@]", "[at]", "(at)". A defanged
// scheme keeps its security: hxxps becomes https.
package ioc
