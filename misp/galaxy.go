package misp

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Galaxy is a collection of clusters of one type (JSON key "Galaxy"): threat actors, ATT&CK
// techniques, malware families… In an event or attribute, the Galaxy list holds the galaxies
// of the clusters attached to it (as misp-galaxy tags), each with just those clusters.
type Galaxy struct {
	ID             FlexInt             `json:"id,omitempty"`
	UUID           string              `json:"uuid"`
	Name           string              `json:"name"`
	Type           string              `json:"type"`
	Description    string              `json:"description"`
	Version        string              `json:"version"`
	Icon           string              `json:"icon"`
	Namespace      string              `json:"namespace"`
	Enabled        FlexBool            `json:"enabled"`
	LocalOnly      FlexBool            `json:"local_only"`
	KillChainOrder map[string][]string `json:"kill_chain_order,omitempty"`
	GalaxyCluster  GalaxyClusterList   `json:"GalaxyCluster"`
}

// GalaxyList is a list of galaxies that encodes as [] when empty, as MISP writes an
// attribute's Galaxy list.
type GalaxyList []Galaxy

// MarshalJSON writes the list, [] when empty.
func (l GalaxyList) MarshalJSON() ([]byte, error) { return marshalList([]Galaxy(l)) }

// GalaxyClusterList is a list of clusters that encodes as [] when empty.
type GalaxyClusterList []GalaxyCluster

// MarshalJSON writes the list, [] when empty.
func (l GalaxyClusterList) MarshalJSON() ([]byte, error) {
	return marshalList([]GalaxyCluster(l))
}

// GalaxyCluster is one entry of a galaxy (JSON key "GalaxyCluster"), e.g. the threat actor
// "Sofacy". TagName is the tag that attaches it (ClusterTagName(Type, Value)). Meta holds
// the cluster's free-form facts (refs, synonyms, country, …) as MISP returns them in events;
// GalaxyElement holds the same facts as the key/value rows galaxy_clusters/view returns.
// In an event, TagID, Local and RelationshipType describe the attachment.
type GalaxyCluster struct {
	ID                       FlexInt                 `json:"id,omitempty"`
	UUID                     string                  `json:"uuid"`
	CollectionUUID           string                  `json:"collection_uuid"`
	Type                     string                  `json:"type"`
	Value                    string                  `json:"value"`
	TagName                  string                  `json:"tag_name"`
	Description              string                  `json:"description"`
	GalaxyID                 FlexInt                 `json:"galaxy_id"`
	Source                   string                  `json:"source"`
	Authors                  []string                `json:"authors"`
	Version                  FlexInt                 `json:"version"`
	Distribution             Distribution            `json:"distribution,omitempty"`
	SharingGroupID           *FlexInt                `json:"sharing_group_id"`
	OrgID                    FlexInt                 `json:"org_id"`
	OrgcID                   FlexInt                 `json:"orgc_id"`
	Default                  FlexBool                `json:"default"`
	Locked                   FlexBool                `json:"locked"`
	ExtendsUUID              string                  `json:"extends_uuid"`
	ExtendsVersion           FlexInt                 `json:"extends_version"`
	Published                FlexBool                `json:"published"`
	Deleted                  FlexBool                `json:"deleted"`
	GalaxyClusterRelation    []GalaxyClusterRelation `json:"GalaxyClusterRelation"`
	TargetingClusterRelation []GalaxyClusterRelation `json:"TargetingClusterRelation,omitempty"`
	Org                      *Organisation           `json:"Org,omitempty"`
	Orgc                     *Organisation           `json:"Orgc,omitempty"`
	Galaxy                   *Galaxy                 `json:"Galaxy,omitempty"`
	GalaxyElement            []GalaxyElement         `json:"GalaxyElement,omitempty"`
	Meta                     GalaxyMeta              `json:"meta,omitempty"`
	TagID                    FlexInt                 `json:"tag_id"`
	EventTagID               FlexInt                 `json:"event_tag_id,omitempty"`
	AttributeTagID           FlexInt                 `json:"attribute_tag_id,omitempty"`
	Local                    FlexBool                `json:"local"`
	RelationshipType         NullString              `json:"relationship_type"`
}

// MarshalJSON writes the cluster with authors and GalaxyClusterRelation as [] when empty.
// A default cluster (one shipped in misp-galaxy) is written without distribution and
// sharing group: it is visible to everyone, and PyMISP refuses to load a default cluster
// that carries either.
func (c GalaxyCluster) MarshalJSON() ([]byte, error) {
	type plain GalaxyCluster
	p := plain(c)
	if p.Default {
		p.Distribution, p.SharingGroupID = DistributionUnset, nil
	}
	p.Authors = nonNil(p.Authors)
	p.GalaxyClusterRelation = nonNil(p.GalaxyClusterRelation)
	return json.Marshal(p)
}

// normalize clears what a default cluster cannot meaningfully carry (see MarshalJSON), so
// that a decoded cluster equals the decoding of its encoding.
func (c *GalaxyCluster) normalize() {
	if c.Default {
		c.Distribution, c.SharingGroupID = DistributionUnset, nil
	}
}

func normalizeGalaxies(galaxies []Galaxy) {
	for i := range galaxies {
		for j := range galaxies[i].GalaxyCluster {
			galaxies[i].GalaxyCluster[j].normalize()
		}
	}
}

// MetaFromElements returns the cluster's facts from its GalaxyElement rows, grouped by key
// in row order.
func (c *GalaxyCluster) MetaFromElements() GalaxyMeta {
	if len(c.GalaxyElement) == 0 {
		return nil
	}
	m := GalaxyMeta{}
	for _, e := range c.GalaxyElement {
		m[e.Key] = append(m[e.Key], e.Value)
	}
	return m
}

// ElementsFromMeta returns the cluster's Meta as GalaxyElement rows (keys sorted, values in
// order), without ids.
func (c *GalaxyCluster) ElementsFromMeta() []GalaxyElement {
	keys := make([]string, 0, len(c.Meta))
	for k := range c.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []GalaxyElement
	for _, k := range keys {
		for _, v := range c.Meta[k] {
			out = append(out, GalaxyElement{GalaxyClusterID: c.ID, Key: k, Value: v})
		}
	}
	return out
}

// GalaxyElement is one key/value fact of a cluster (synonyms, refs, country, …).
type GalaxyElement struct {
	ID              FlexInt `json:"id,omitempty"`
	GalaxyClusterID FlexInt `json:"galaxy_cluster_id"`
	Key             string  `json:"key"`
	Value           string  `json:"value"`
}

// GalaxyClusterRelation links a cluster to another (e.g. "similar", "uses").
type GalaxyClusterRelation struct {
	ID                          FlexInt      `json:"id,omitempty"`
	GalaxyClusterID             FlexInt      `json:"galaxy_cluster_id"`
	ReferencedGalaxyClusterID   FlexInt      `json:"referenced_galaxy_cluster_id"`
	ReferencedGalaxyClusterUUID string       `json:"referenced_galaxy_cluster_uuid"`
	ReferencedGalaxyClusterType string       `json:"referenced_galaxy_cluster_type"`
	GalaxyClusterUUID           string       `json:"galaxy_cluster_uuid"`
	Distribution                Distribution `json:"distribution,omitempty"`
	SharingGroupID              *FlexInt     `json:"sharing_group_id"`
	Default                     FlexBool     `json:"default"`
	Tag                         []Tag        `json:"Tag,omitempty"`
}

// GalaxyMeta holds a cluster's facts: each key maps to its values. MISP sends lists of
// strings; the galaxy files also use single strings and numbers, which decode as
// one-element lists (numbers in their JSON spelling, nested objects as compact JSON). It
// encodes as an object of string lists.
type GalaxyMeta map[string][]string

// UnmarshalJSON accepts an object whose values are strings, numbers, booleans, or lists of
// them, and null.
func (m *GalaxyMeta) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*m = nil
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		// MISP sends an empty meta as [] (a PHP empty array).
		if bytes.Equal(bytes.TrimSpace(b), []byte("[]")) {
			*m = nil
			return nil
		}
		return malformed("galaxy cluster meta is not an object")
	}
	if len(raw) == 0 {
		*m = nil
		return nil
	}
	out := make(GalaxyMeta, len(raw))
	for k, v := range raw {
		v = bytes.TrimSpace(v)
		if len(v) > 0 && v[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				return malformed("galaxy cluster meta %q: %v", k, err)
			}
			vals := make([]string, 0, len(items))
			for _, it := range items {
				vals = append(vals, metaScalar(it))
			}
			out[k] = vals
			continue
		}
		if isNull(v) {
			out[k] = nil
			continue
		}
		out[k] = []string{metaScalar(v)}
	}
	*m = out
	return nil
}

func metaScalar(v json.RawMessage) string {
	if s, quoted, err := unquote(v); quoted && err == nil {
		return s
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return string(v)
	}
	return buf.String()
}

// MarshalJSON writes an object of string lists.
func (m GalaxyMeta) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("{}"), nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = nonNil(v)
	}
	return json.Marshal(out)
}

// Cluster returns the cluster of g with the given UUID, or nil.
func (g *Galaxy) Cluster(uuid string) *GalaxyCluster {
	for i := range g.GalaxyCluster {
		if g.GalaxyCluster[i].UUID == uuid {
			return &g.GalaxyCluster[i]
		}
	}
	return nil
}

// galaxyEnvelope decodes {"Galaxy": {…}, "GalaxyCluster": […]} (galaxies/view),
// {"Galaxy": {…, "GalaxyCluster": […]}} and a bare galaxy.
type galaxyEnvelope struct {
	Wrapped  *Galaxy         `json:"Galaxy"`
	Clusters []GalaxyCluster `json:"GalaxyCluster"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	Galaxy
}

func (env *galaxyEnvelope) parts() ([]Galaxy, [][]byte, *Galaxy) {
	if env.Wrapped != nil {
		g := *env.Wrapped
		if len(g.GalaxyCluster) == 0 {
			g.GalaxyCluster = env.Clusters
		}
		return []Galaxy{g}, nil, nil
	}
	env.Galaxy.GalaxyCluster = env.Clusters
	return nil, joinNested(env.Response, env.Request), &env.Galaxy
}

// DecodeGalaxy decodes one galaxy body: galaxies/view's {"Galaxy": {…}, "GalaxyCluster":
// […]}, {"Galaxy": {…}} or a bare galaxy with its clusters.
func DecodeGalaxy(data []byte) (*Galaxy, error) {
	g, err := decodeOne[Galaxy, galaxyEnvelope](data, "galaxy")
	if err != nil {
		return nil, err
	}
	normalizeGalaxies([]Galaxy{*g})
	return g, nil
}

// EncodeGalaxy writes g as MISP answers galaxies/view: {"Galaxy": {…}, "GalaxyCluster": […]},
// the clusters beside the galaxy rather than inside it.
func EncodeGalaxy(g *Galaxy) ([]byte, error) {
	type plain Galaxy
	p := plain(*g)
	p.GalaxyCluster = nil
	inner, err := json.Marshal(struct {
		plain
		GalaxyCluster []GalaxyCluster `json:"GalaxyCluster,omitempty"`
	}{plain: p})
	if err != nil {
		return nil, err
	}
	clusters, err := json.Marshal(nonNil(g.GalaxyCluster))
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 0, len(inner)+len(clusters)+32)
	buf = append(buf, `{"Galaxy":`...)
	buf = append(buf, inner...)
	buf = append(buf, `,"GalaxyCluster":`...)
	buf = append(buf, clusters...)
	return append(buf, '}'), nil
}

type galaxyClusterEnvelope struct {
	Wrapped  *GalaxyCluster  `json:"GalaxyCluster"`
	Response json.RawMessage `json:"response"`
	Request  json.RawMessage `json:"request"`
	GalaxyCluster
}

func (env *galaxyClusterEnvelope) parts() ([]GalaxyCluster, [][]byte, *GalaxyCluster) {
	if env.Wrapped != nil {
		return []GalaxyCluster{*env.Wrapped}, nil, nil
	}
	return nil, joinNested(env.Response, env.Request), &env.GalaxyCluster
}

// DecodeGalaxyCluster decodes one cluster body: {"GalaxyCluster": {…}} or a bare cluster.
func DecodeGalaxyCluster(data []byte) (*GalaxyCluster, error) {
	c, err := decodeOne[GalaxyCluster, galaxyClusterEnvelope](data, "galaxy cluster")
	if err != nil {
		return nil, err
	}
	c.normalize()
	return c, nil
}

// EncodeGalaxyCluster writes c as MISP answers galaxy_clusters/view: {"GalaxyCluster": {…}}.
func EncodeGalaxyCluster(c *GalaxyCluster) ([]byte, error) {
	return encodeWrapped("GalaxyCluster", c)
}
