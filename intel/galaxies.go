package intel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// ClusterIDStride separates the id ranges of galaxies' clusters: the cluster at index i (from 0) of the galaxy with
// id g has id g*ClusterIDStride + i + 1. Galaxy ids number the installed galaxy files in name order, from 1. Both are
// the same on every start as long as the installed files do not change, and a cluster id says which one file holds
// it, so a lookup by id reads one cluster file rather than all of them.
const ClusterIDStride = 1_000_000

// MsgClusterAttached is MISP's answer to galaxies/attachCluster.
const MsgClusterAttached = "Cluster attached."

// galaxyFile is a misp-galaxy galaxies/<type>.json.
type galaxyFile struct {
	Name           string              `json:"name"`
	Type           string              `json:"type"`
	UUID           string              `json:"uuid"`
	Version        misp.FlexInt        `json:"version"`
	Icon           string              `json:"icon"`
	Namespace      string              `json:"namespace"`
	Description    string              `json:"description"`
	KillChainOrder map[string][]string `json:"kill_chain_order"`
}

// clusterFile is a misp-galaxy clusters/<type>.json.
type clusterFile struct {
	Authors     []string     `json:"authors"`
	Description string       `json:"description"`
	Name        string       `json:"name"`
	Source      string       `json:"source"`
	Type        string       `json:"type"`
	UUID        string       `json:"uuid"`
	Version     misp.FlexInt `json:"version"`
	Values      []struct {
		Value       string          `json:"value"`
		UUID        string          `json:"uuid"`
		Description string          `json:"description"`
		Meta        misp.GalaxyMeta `json:"meta"`
		Related     []struct {
			DestUUID string `json:"dest-uuid"`
			Type     string `json:"type"`
		} `json:"related"`
	} `json:"values"`
}

// galaxyPaths returns the installed galaxy files in id order; none installed is empty.
func (s *Service) galaxyPaths() ([]string, error) {
	if s.DataDir() == "" {
		return nil, nil
	}
	root := filepath.Join(s.DataDir(), "galaxies", "galaxies")
	list, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read galaxies: %w", err)
	}
	var out []string
	for _, d := range list {
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			out = append(out, filepath.Join(root, d.Name()))
		}
	}
	return out, nil
}

func readGalaxyJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

func galaxyOf(id int64, f *galaxyFile) misp.Galaxy {
	return misp.Galaxy{ID: misp.FlexInt(id), UUID: f.UUID, Name: f.Name, Type: f.Type, Description: f.Description,
		Version: f.Version.String(), Icon: f.Icon, Namespace: f.Namespace, Enabled: true,
		KillChainOrder: f.KillChainOrder}
}

// Galaxies lists the installed galaxies without their clusters (galaxies/index); none installed is an empty list.
// Only the galaxy files are read.
func (s *Service) Galaxies(ctx context.Context, u acl.User) ([]misp.Galaxy, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	paths, err := s.galaxyPaths()
	if err != nil {
		return nil, err
	}
	out := make([]misp.Galaxy, 0, len(paths))
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var f galaxyFile
		if err := readGalaxyJSON(p, &f); err != nil {
			return nil, err
		}
		out = append(out, galaxyOf(int64(i+1), &f))
	}
	return out, nil
}

// loadGalaxy reads galaxy id; one that is not installed wraps store.ErrNotFound.
func (s *Service) loadGalaxy(id int64) (*misp.Galaxy, error) {
	paths, err := s.galaxyPaths()
	if err != nil {
		return nil, err
	}
	if id < 1 || id > int64(len(paths)) {
		return nil, fmt.Errorf("galaxy %d: %w", id, store.ErrNotFound)
	}
	var f galaxyFile
	if err := readGalaxyJSON(paths[id-1], &f); err != nil {
		return nil, err
	}
	g := galaxyOf(id, &f)
	return &g, nil
}

// clusterFileFor reads the cluster file of galaxy g (see clusterPathFor); a galaxy without clusters has none (nil).
func (s *Service) clusterFileFor(ctx context.Context, g *misp.Galaxy, galaxyPath string, index map[string]string) (*clusterFile, error) {
	p, err := s.clusterPathFor(ctx, g, galaxyPath, index)
	if err != nil || p == "" {
		return nil, err
	}
	var f clusterFile
	if err := readGalaxyJSON(p, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// clusterPathFor finds the cluster file of galaxy g: clusters/<name>.json named as the galaxy's file, or else the
// one whose type is the galaxy's (index, from clusterFileTypes; nil to build it here). "" when there is none.
func (s *Service) clusterPathFor(ctx context.Context, g *misp.Galaxy, galaxyPath string, index map[string]string) (string, error) {
	same := filepath.Join(s.DataDir(), "galaxies", "clusters", filepath.Base(galaxyPath))
	if typ, err := clusterFileType(same); err == nil && typ == g.Type {
		return same, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if index == nil {
		var err error
		if index, err = s.clusterFileTypes(ctx); err != nil {
			return "", err
		}
	}
	return index[g.Type], nil
}

// clusterFileHolds reports whether the cluster file at path has a value with uuid, decoding only the uuids.
func clusterFileHolds(path, uuid string) (bool, error) {
	var f struct {
		Values []struct {
			UUID string `json:"uuid"`
		} `json:"values"`
	}
	if err := readGalaxyJSON(path, &f); err != nil {
		return false, err
	}
	for _, v := range f.Values {
		if strings.EqualFold(v.UUID, uuid) {
			return true, nil
		}
	}
	return false, nil
}

// clusterFileTypes maps each cluster file's type to its path, reading only the head of each file.
func (s *Service) clusterFileTypes(ctx context.Context) (map[string]string, error) {
	dir := filepath.Join(s.DataDir(), "galaxies", "clusters")
	list, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	} else if err != nil {
		return nil, fmt.Errorf("read clusters: %w", err)
	}
	out := map[string]string{}
	for _, d := range list {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			continue
		}
		p := filepath.Join(dir, d.Name())
		typ, err := clusterFileType(p)
		if err != nil {
			return nil, err
		}
		if _, dup := out[typ]; !dup && typ != "" {
			out[typ] = p
		}
	}
	return out, nil
}

// clusterFileType reads a cluster file's "type" without decoding its values when, as in misp-galaxy's files (keys
// in order), the type comes first.
func clusterFileType(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	defer fh.Close()
	dec := json.NewDecoder(fh)
	bad := fmt.Errorf("decode %s: not a cluster file", path)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", bad
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", bad
		}
		key, _ := tok.(string)
		if key == "type" {
			var typ string
			if err := dec.Decode(&typ); err != nil {
				return "", bad
			}
			return typ, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", bad
		}
	}
	return "", nil
}

// clustersOf returns galaxy g's clusters from file f, with ids, tag names and elements.
func clustersOf(g *misp.Galaxy, f *clusterFile) []misp.GalaxyCluster {
	if f == nil {
		return nil
	}
	out := make([]misp.GalaxyCluster, 0, len(f.Values))
	for i, v := range f.Values {
		id := misp.FlexInt(int64(g.ID)*ClusterIDStride + int64(i) + 1)
		c := misp.GalaxyCluster{ID: id, UUID: v.UUID, CollectionUUID: f.UUID, Type: f.Type, Value: v.Value,
			TagName: misp.ClusterTagName(f.Type, v.Value), Description: v.Description, GalaxyID: g.ID,
			Source: f.Source, Authors: f.Authors, Version: f.Version, Default: true, Published: true, Meta: v.Meta}
		for _, r := range v.Related {
			c.GalaxyClusterRelation = append(c.GalaxyClusterRelation, misp.GalaxyClusterRelation{
				GalaxyClusterID: id, GalaxyClusterUUID: v.UUID, ReferencedGalaxyClusterUUID: r.DestUUID,
				ReferencedGalaxyClusterType: r.Type, Default: true})
		}
		out = append(out, c)
	}
	return out
}

// GalaxyByID returns galaxy id (galaxies/view), with its clusters when withClusters is set. One that is not
// installed wraps store.ErrNotFound. Only the galaxy's own files are read.
func (s *Service) GalaxyByID(ctx context.Context, u acl.User, id int64, withClusters bool) (*misp.Galaxy, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	g, err := s.loadGalaxy(id)
	if err != nil || !withClusters {
		return g, err
	}
	paths, err := s.galaxyPaths()
	if err != nil {
		return nil, err
	}
	f, err := s.clusterFileFor(ctx, g, paths[id-1], nil)
	if err != nil {
		return nil, err
	}
	g.GalaxyCluster = clustersOf(g, f)
	return g, nil
}

// GalaxyCluster returns a cluster by id or uuid (galaxy_clusters/view) with its galaxy and its facts as
// GalaxyElement rows. One that is not installed wraps store.ErrNotFound. A lookup by id reads one cluster file; by
// uuid it reads them in turn until the cluster is found.
func (s *Service) GalaxyCluster(ctx context.Context, u acl.User, ref string) (*misp.GalaxyCluster, error) {
	if err := s.Policy().CanUseAPI(u); err != nil {
		return nil, err
	}
	c, err := s.findCluster(ctx, ref)
	if err != nil {
		return nil, err
	}
	c.GalaxyElement = c.ElementsFromMeta()
	return c, nil
}

func (s *Service) findCluster(ctx context.Context, ref string) (*misp.GalaxyCluster, error) {
	notFound := fmt.Errorf("galaxy cluster %q: %w", ref, store.ErrNotFound)
	paths, err := s.galaxyPaths()
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(paths))
	index := -1
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		g := id / ClusterIDStride
		if g < 1 || g > int64(len(paths)) || id%ClusterIDStride == 0 {
			return nil, notFound
		}
		ids, index = append(ids, g), int(id%ClusterIDStride-1)
	} else if misp.ValidUUID(ref) {
		for i := range paths {
			ids = append(ids, int64(i+1))
		}
	} else {
		return nil, notFound
	}
	types, err := s.clusterFileTypes(ctx)
	if err != nil {
		return nil, err
	}
	for _, gid := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g, err := s.loadGalaxy(gid)
		if err != nil {
			return nil, err
		}
		p, err := s.clusterPathFor(ctx, g, paths[gid-1], types)
		if err != nil {
			return nil, err
		}
		if p == "" {
			continue
		}
		if index < 0 {
			// By uuid: decode the whole file only when it holds the cluster.
			if ok, err := clusterFileHolds(p, ref); err != nil {
				return nil, err
			} else if !ok {
				continue
			}
		}
		var f clusterFile
		if err := readGalaxyJSON(p, &f); err != nil {
			return nil, err
		}
		clusters := clustersOf(g, &f)
		for i := range clusters {
			if i == index || index < 0 && strings.EqualFold(clusters[i].UUID, ref) {
				c := clusters[i]
				c.Galaxy = g
				return &c, nil
			}
		}
	}
	return nil, notFound
}

// ClusterTarget is what galaxies/attachCluster attaches a cluster to.
type ClusterTarget struct {
	// Type is "event" or "attribute".
	Type string
	// ID is the target's id or uuid.
	ID string
}

// AttachCluster attaches galaxy cluster clusterID to an event or attribute (galaxies/attachCluster) by attaching
// its tag (misp-galaxy:<type>="<value>"), created when missing, under the rules of AttachTags. A cluster that is
// not installed is 404 "Invalid Galaxy cluster."; a target type other than event or attribute 405.
func (s *Service) AttachCluster(ctx context.Context, u acl.User, clusterID int64, target ClusterTarget, local bool) (*TagResult, error) {
	if err := tagGate(s.Policy(), u); err != nil {
		return nil, err
	}
	c, err := s.findCluster(ctx, strconv.FormatInt(clusterID, 10))
	if errors.Is(err, store.ErrNotFound) {
		return nil, &TagError{Class: acl.ErrNotFound, Message: "Invalid Galaxy cluster."}
	} else if err != nil {
		return nil, err
	}
	var tt TagTarget
	ref := strings.TrimSpace(target.ID)
	id, perr := strconv.ParseInt(ref, 10, 64)
	switch target.Type {
	case "event":
		if misp.ValidUUID(ref) {
			ev, err := s.tagEventHeader(ctx, store.EventFilter{UUIDs: []string{strings.ToLower(ref)}})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if ev == nil {
				return nil, acl.NotFound(acl.MsgInvalidTarget)
			}
			id, perr = int64(ev.ID), nil
		}
		if perr != nil || id <= 0 {
			return nil, acl.NotFound(acl.MsgInvalidTarget)
		}
		tt.EventID = id
	case "attribute":
		if misp.ValidUUID(ref) {
			a, err := s.st.AttributeByUUID(ctx, strings.ToLower(ref))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if a == nil {
				return nil, acl.NotFound(acl.MsgInvalidTarget)
			}
			id, perr = int64(a.ID), nil
		}
		if perr != nil || id <= 0 {
			return nil, acl.NotFound(acl.MsgInvalidTarget)
		}
		tt.AttributeID = id
	default:
		return nil, &TagError{Class: acl.ErrNotAllowed, Message: "Invalid target type."}
	}
	return s.AttachTags(ctx, u, TagAttach{Target: tt, Tags: []string{c.TagName}, Local: local, Create: true})
}

// UpdateGalaxies is galaxies/update (site admins): the installed galaxies are read from their files on every use,
// so updating checks that each installed galaxy file reads, and returns how many there are. Galaxies are
// installed by `hunch intel update`.
func (s *Service) UpdateGalaxies(ctx context.Context, u acl.User) (int, error) {
	if err := s.Policy().CanManageServers(u); err != nil {
		return 0, err
	}
	gs, err := s.Galaxies(ctx, u)
	return len(gs), err
}

// taggedClusters are the clusters of one cluster file by tag name, parsed once while the file is unchanged.
type taggedClusters struct {
	byTag map[string]misp.GalaxyCluster
}

// clustersByTag returns galaxy g's clusters from the cluster file at path, by tag name (cached in Service.files).
func (s *Service) clustersByTag(g *misp.Galaxy, path string) (*taggedClusters, error) {
	v, err := s.files.load(path, func(p string) (any, error) {
		var f clusterFile
		if err := readGalaxyJSON(p, &f); err != nil {
			return nil, err
		}
		tc := &taggedClusters{byTag: map[string]misp.GalaxyCluster{}}
		for _, c := range clustersOf(g, &f) {
			tc.byTag[c.TagName] = c
		}
		return tc, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*taggedClusters), nil
}

// galaxiesOfTags returns the Galaxy block MISP shows beside tags: for each misp-galaxy cluster tag among tags
// whose cluster is installed, its galaxy with the cluster (several clusters of one galaxy grouped under it), in
// the order of the tags. Tags of clusters not installed are left as plain tags.
func (s *Service) galaxiesOfTags(ctx context.Context, tags []misp.Tag) ([]misp.Galaxy, error) {
	var out []misp.Galaxy
	var galaxies []misp.Galaxy
	var paths []string
	var types map[string]string
	for _, t := range tags {
		typ, _, ok := misp.ParseClusterTag(t.Name)
		if !ok {
			continue
		}
		if galaxies == nil {
			var err error
			if galaxies, err = s.Galaxies(ctx, System); err != nil {
				return nil, err
			}
			if paths, err = s.galaxyPaths(); err != nil {
				return nil, err
			}
			if types, err = s.clusterFileTypes(ctx); err != nil {
				return nil, err
			}
		}
		gi := slices.IndexFunc(galaxies, func(g misp.Galaxy) bool { return g.Type == typ })
		if gi < 0 || gi >= len(paths) {
			continue
		}
		g := &galaxies[gi]
		p, err := s.clusterPathFor(ctx, g, paths[gi], types)
		if err != nil {
			return nil, err
		}
		if p == "" {
			continue
		}
		tc, err := s.clustersByTag(g, p)
		if err != nil {
			return nil, err
		}
		c, ok := tc.byTag[t.Name]
		if !ok {
			continue
		}
		oi := slices.IndexFunc(out, func(o misp.Galaxy) bool { return o.ID == g.ID })
		if oi < 0 {
			block := *g
			block.GalaxyCluster = nil
			out = append(out, block)
			oi = len(out) - 1
		}
		out[oi].GalaxyCluster = append(out[oi].GalaxyCluster, c)
	}
	return out, nil
}

// attachGalaxies sets the Galaxy blocks of e and of each of its attributes (objects' included) from their tags.
func (s *Service) attachGalaxies(ctx context.Context, e *misp.Event) error {
	g, err := s.galaxiesOfTags(ctx, e.Tag)
	if err != nil {
		return err
	}
	e.Galaxy = g
	each := func(a *misp.Attribute) error {
		g, err := s.galaxiesOfTags(ctx, a.Tag)
		if err == nil {
			a.Galaxy = g
		}
		return err
	}
	for i := range e.Attribute {
		if err := each(&e.Attribute[i]); err != nil {
			return err
		}
	}
	for i := range e.Object {
		for j := range e.Object[i].Attribute {
			if err := each(&e.Object[i].Attribute[j]); err != nil {
				return err
			}
		}
	}
	return nil
}
