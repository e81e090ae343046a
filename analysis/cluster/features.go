package cluster

import (
	"fmt"
	"hash/crc32"
	"math"
	"regexp"
	"strings"

	"github.com/hunchsec/hunch/record"
)

// The process-event features, named as msticpy's add_process_features names them.
const (
	ProcessNameLen        = "processNameLen"        // length of the process path
	ProcessNameTokens     = "processNameTokens"     // elements of the path
	CommandlineTokens     = "commandlineTokens"     // space-separated tokens of the command line
	CommandlineLen        = "commandlineLen"        // length of the command line
	CommandlineLogLen     = "commandlineLogLen"     // log10 of that (0 for an empty one)
	CommandlineTokensFull = "commandlineTokensFull" // delimiters in the command line
	CommandlineTokensHash = "commandlineTokensHash" // CRC32 of the delimiters, in order
	CommandlineScore      = "commandlineScore"      // sum of the characters' code points
	CommandlineLogScore   = "commandlineLogScore"   // log10 of that
	PathScore             = "pathScore"             // sum of the path's code points
	PathLogScore          = "pathLogScore"          // log10 of that
	PathHash              = "pathHash"              // CRC32 of the path
	IsSystemSession       = "isSystemSession"       // 1 for logon id 0x3e7 (SYSTEM) or -1
)

// FeatureNames lists every process feature, in a fixed order.
func FeatureNames() []string {
	return []string{ProcessNameLen, ProcessNameTokens, CommandlineTokens, CommandlineLen, CommandlineLogLen,
		CommandlineTokensFull, CommandlineTokensHash, CommandlineScore, CommandlineLogScore, PathScore, PathLogScore,
		PathHash, IsSystemSession}
}

// DefaultFeatures are the features msticpy's documentation clusters process events on.
var DefaultFeatures = []string{CommandlineTokensFull, PathScore, IsSystemSession}

// delims are the characters msticpy's delim_count and delim_hash count: [\s\-\\/\.,"\'|&:;%$()].
var delims = regexp.MustCompile(`[\s\-\\/\.,"'|&:;%$()]`)

// ProcessFields names the record fields the features are read from; each list is tried in order.
type ProcessFields struct {
	Path, CommandLine, LogonID []string
}

// DefaultProcessFields fit Sysmon 1, Security 4688, ECS and hunch's auditd records.
var DefaultProcessFields = ProcessFields{
	Path:        []string{"NewProcessName", "Image", "process.executable", "exe"},
	CommandLine: []string{"CommandLine", "process.command_line", "cmdline"},
	LogonID:     []string{"SubjectLogonId", "LogonId", "winlog.event_data.LogonId", "ses"},
}

func first(r record.Record, names []string) string {
	for _, n := range names {
		if v, ok := r.Lookup(n); ok && !v.IsNull() {
			return v.Text()
		}
	}
	return ""
}

func log10(v float64) float64 {
	if v == 0 {
		return 0
	}
	return math.Log10(v)
}

func ordScore(s string) float64 {
	t := 0
	for _, r := range s {
		t += int(r)
	}
	return float64(t)
}

// ProcessFeatures computes the named features (FeatureNames) of one process event.
func ProcessFeatures(r record.Record, f ProcessFields, names []string) ([]float64, error) {
	path := first(r, f.Path)
	cmd := first(r, f.CommandLine)
	sep := `\`
	if strings.Contains(path, "/") && !strings.Contains(path, `\`) {
		sep = "/"
	}
	out := make([]float64, len(names))
	for i, n := range names {
		var v float64
		switch n {
		case ProcessNameLen:
			v = float64(len([]rune(path)))
		case ProcessNameTokens:
			v = float64(len(strings.Split(path, sep)))
		case CommandlineTokens:
			v = float64(len(strings.Split(cmd, " ")))
		case CommandlineLen:
			v = float64(len([]rune(cmd)))
		case CommandlineLogLen:
			v = log10(float64(len([]rune(cmd))))
		case CommandlineTokensFull:
			v = float64(len(delims.FindAllStringIndex(cmd, -1)))
		case CommandlineTokensHash:
			v = float64(crc32.ChecksumIEEE([]byte(strings.Join(delims.FindAllString(cmd, -1), ""))))
		case CommandlineScore:
			v = ordScore(cmd)
		case CommandlineLogScore:
			v = log10(ordScore(cmd))
		case PathScore:
			v = ordScore(path)
		case PathLogScore:
			v = log10(ordScore(path))
		case PathHash:
			v = float64(crc32.ChecksumIEEE([]byte(path)))
		case IsSystemSession:
			if id := strings.ToLower(first(r, f.LogonID)); id == "0x3e7" || id == "-1" {
				v = 1
			}
		default:
			return nil, fmt.Errorf("unknown process feature %q (known: %s)", n, strings.Join(FeatureNames(), ", "))
		}
		out[i] = v
	}
	return out, nil
}

// Scaling says how feature rows are scaled before clustering.
type Scaling string

// Scalings.
const (
	ScaleNone        Scaling = "none"        // as they are (sklearn's DBSCAN alone)
	ScaleNormalize   Scaling = "normalize"   // each row to unit length (sklearn's Normalizer, as msticpy does)
	ScaleStandardize Scaling = "standardize" // each column to mean 0, deviation 1 (sklearn's StandardScaler)
)

// Scale scales x in place.
func Scale(x [][]float64, s Scaling) error {
	switch s {
	case ScaleNone, "":
	case ScaleNormalize:
		for _, r := range x {
			n := 0.0
			for _, v := range r {
				n += v * v
			}
			if n = math.Sqrt(n); n > 0 {
				for j := range r {
					r[j] /= n
				}
			}
		}
	case ScaleStandardize:
		if len(x) == 0 {
			return nil
		}
		for j := range x[0] {
			mean, sq := 0.0, 0.0
			for _, r := range x {
				mean += r[j]
			}
			mean /= float64(len(x))
			for _, r := range x {
				sq += (r[j] - mean) * (r[j] - mean)
			}
			sd := math.Sqrt(sq / float64(len(x)))
			for _, r := range x {
				r[j] -= mean
				if sd > 0 {
					r[j] /= sd
				}
			}
		}
	default:
		return fmt.Errorf("scaling %q: want none, normalize or standardize", s)
	}
	return nil
}
