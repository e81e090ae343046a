package intel

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hunchsec/hunch/misp"
)

// stixClusterGalaxies are the galaxy types whose clusters a STIX object of each type is matched against, in order
// of preference.
var stixClusterGalaxies = map[string][]string{
	"malware":          {"mitre-malware", "malpedia", "ransomware"},
	"threat-actor":     {"threat-actor", "mitre-intrusion-set"},
	"intrusion-set":    {"mitre-intrusion-set", "threat-actor"},
	"attack-pattern":   {"mitre-attack-pattern"},
	"tool":             {"mitre-tool", "tool"},
	"course-of-action": {"mitre-course-of-action"},
}

// STIXClusterMatcher returns the matcher stix.ParseOptions.Cluster takes: the name of a STIX malware,
// threat-actor, intrusion-set, attack-pattern, tool or course-of-action matched, without regard to case, against
// the values (then the synonyms) of the installed galaxy clusters of the galaxies its type maps to, answered as that
// cluster's tag (misp-galaxy:threat-actor="APT1"). Without installed galaxies it matches nothing.
func (s *Service) STIXClusterMatcher(ctx context.Context) (func(stixType, name string) (string, bool), error) {
	wanted := map[string]bool{}
	for _, gs := range stixClusterGalaxies {
		for _, g := range gs {
			wanted[g] = true
		}
	}
	// galaxy type → lower-case value → tag, and lower-case synonym → tag
	byGalaxy, bySynonym := map[string]map[string]string{}, map[string]map[string]string{}
	if s.DataDir() != "" {
		files, err := filepath.Glob(filepath.Join(s.DataDir(), "galaxies", "clusters", "*.json"))
		if err != nil {
			return nil, fmt.Errorf("galaxy clusters: %w", err)
		}
		for _, p := range files {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			typ, err := clusterFileType(p)
			if err != nil || !wanted[typ] {
				// not a cluster file, or gone since listed: nothing to match against
				continue
			}
			var f clusterFile
			if err := readGalaxyJSON(p, &f); err != nil {
				return nil, err
			}
			names, syns := byGalaxy[typ], bySynonym[typ]
			if names == nil {
				names, syns = map[string]string{}, map[string]string{}
				byGalaxy[typ], bySynonym[typ] = names, syns
			}
			for _, v := range f.Values {
				tag := misp.ClusterTagName(typ, v.Value)
				if k := strings.ToLower(v.Value); names[k] == "" {
					names[k] = tag
				}
				for _, n := range v.Meta["synonyms"] {
					if k := strings.ToLower(n); syns[k] == "" {
						syns[k] = tag
					}
				}
			}
		}
	}
	return func(stixType, name string) (string, bool) {
		k := strings.ToLower(strings.TrimSpace(name))
		// a cluster's own value first, in any of the galaxies, then its synonyms
		for _, m := range []map[string]map[string]string{byGalaxy, bySynonym} {
			for _, g := range stixClusterGalaxies[stixType] {
				if tag, ok := m[g][k]; ok {
					return tag, true
				}
			}
		}
		return "", false
	}, nil
}
