// Package sigma loads Sigma detection rules, compiles them into a small expression tree
// (Expr) with every value modifier already applied, and evaluates them over record streams.
// The translators in sigma/backend render the same tree as SPL, KQL and ES|QL, so a rule means
// the same thing whether hunch runs it locally or pushes it down into the SIEM.
//
// Rules are parsed by github.com/bradleyjkemp/sigma-go; the modifiers (contains, startswith,
// endswith, all, re with i/m/s, windash, base64, base64offset, wide/utf16*, cidr, exists,
// fieldref, gt/gte/lt/lte, cased) and the log-source conditions are hunch's own. A modifier
// hunch does not know is an error for that rule, never a silently weaker match.
//
// SigmaHQ's rules are under the Detection Rule License 1.1: every match carries the rule's
// author, title, id and a link (Attribution), and hunch never ships the rules themselves.
package sigma

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	sigmago "github.com/bradleyjkemp/sigma-go"
)

// DefaultMaxRuleSize is the largest rule file Load reads.
const DefaultMaxRuleSize = 1 << 20

// Rule is a parsed Sigma rule and the file it came from.
type Rule struct {
	sigmago.Rule
	// Path is the file the rule was read from ("" for a rule parsed from memory).
	Path string
}

// Parse parses one rule from YAML; name is used in errors.
func Parse(name string, data []byte) (*Rule, error) {
	r, err := parseRuleYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(r.Detection.Conditions) == 0 {
		return nil, fmt.Errorf("%s: detection has no condition", name)
	}
	if r.Title == "" {
		return nil, fmt.Errorf("%s: rule has no title", name)
	}
	return &Rule{Rule: r, Path: name}, nil
}

// LoadOptions bounds what LoadPaths reads.
type LoadOptions struct {
	// MaxRuleSize is the largest rule file read; default DefaultMaxRuleSize.
	MaxRuleSize int64
}

// LoadPaths reads the rules in paths: files, and directories searched recursively for *.yml
// and *.yaml. A file that cannot be read or parsed is an error naming it, and the other rules
// still load. Rules come back in path order.
func LoadPaths(paths []string, opts LoadOptions) ([]*Rule, []error) {
	if opts.MaxRuleSize <= 0 {
		opts.MaxRuleSize = DefaultMaxRuleSize
	}
	var (
		files []string
		errs  []error
	)
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	sort.Strings(files)
	var rules []*Rule
	for _, f := range files {
		r, err := loadFile(f, opts.MaxRuleSize)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	return rules, errs
}

func loadFile(path string, limit int64) (*Rule, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a rule may have", path, st.Size(), limit)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// ErrNoRules is returned when a command is given paths holding no rules.
var ErrNoRules = errors.New("no Sigma rules found")

// Link is where the rule can be read: SigmaHQ's repository for a file under one of its rule
// folders (rules/, rules-emerging-threats/, rules-threat-hunting/, …), else the file itself.
func (r *Rule) Link() string {
	p := filepath.ToSlash(r.Path)
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if (s == "rules" || strings.HasPrefix(s, "rules-")) && i < len(parts)-1 {
			return "https://github.com/SigmaHQ/sigma/blob/master/" + strings.Join(parts[i:], "/")
		}
	}
	return p
}

// Attribution is the notice the Detection Rule License asks for with every use of a rule:
// title, id, author and link.
func (r *Rule) Attribution() string {
	author := r.Author
	if author == "" {
		author = "unknown author"
	}
	return fmt.Sprintf("%q (%s) by %s — %s", r.Title, r.ID, author, r.Link())
}

// LicenceNotice is printed wherever SigmaHQ's rules are fetched or used in bulk.
const LicenceNotice = "Sigma rules by their authors, SigmaHQ (https://github.com/SigmaHQ/sigma), " +
	"under the Detection Rule License 1.1 (https://github.com/SigmaHQ/Detection-Rule-License)."
