package misp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The source formats of a feed (Feed.SourceFormat).
const (
	FeedFormatMISP     = "misp"
	FeedFormatFreetext = "freetext"
	FeedFormatCSV      = "csv"
)

// The input sources of a feed (Feed.InputSource).
const (
	FeedInputNetwork = "network"
	FeedInputLocal   = "local"
)

// Feed is a MISP feed (app/Model/Feed.php): a remote or local source of events (source_format misp: a manifest
// and one file per event) or of values (freetext and csv), fetched into events or cached for lookups. It encodes
// as MISP's feeds/view answers it, inside {"Feed": {…}}: ids as strings, flags as booleans, rules, settings and
// headers as strings holding what MISP stores there.
type Feed struct {
	ID             FlexInt      `json:"id,omitempty"`
	Name           string       `json:"name"`
	Provider       string       `json:"provider"`
	URL            string       `json:"url"`
	Rules          JSONText     `json:"rules"`
	Enabled        FlexBool     `json:"enabled"`
	Distribution   Distribution `json:"distribution"`
	SharingGroupID FlexInt      `json:"sharing_group_id"`
	TagID          FlexInt      `json:"tag_id"`
	Default        FlexBool     `json:"default"`
	SourceFormat   string       `json:"source_format"`
	FixedEvent     FlexBool     `json:"fixed_event"`
	DeltaMerge     FlexBool     `json:"delta_merge"`
	EventID        FlexInt      `json:"event_id"`
	Publish        FlexBool     `json:"publish"`
	OverrideIDs    FlexBool     `json:"override_ids"`
	// Settings are the csv and common settings (FeedSettings), stored and sent as a JSON string.
	Settings       FeedSettings `json:"settings"`
	InputSource    string       `json:"input_source"`
	DeleteLocal    FlexBool     `json:"delete_local_file"`
	LookupVisible  FlexBool     `json:"lookup_visible"`
	Headers        string       `json:"headers"`
	CachingEnabled FlexBool     `json:"caching_enabled"`
	ForceToIDS     FlexBool     `json:"force_to_ids"`
	OrgcID         FlexInt      `json:"orgc_id"`
	// CacheTimestamp is when the feed was last cached (MISP's attachFeedCacheTimestamps); false when never.
	CacheTimestamp Timestamp `json:"cache_timestamp"`
	// Tag is the feed's tag (tag_id) as loaded with it; only the default feeds file carries it in.
	Tag *Tag `json:"Tag,omitempty"`
}

// FeedSettings are a feed's settings: for csv feeds, which columns hold values and what separates them; for
// every freetext or csv feed, a regular expression excluding lines. MISP sends them as a JSON string and accepts
// them as a string or an object; both decode here, and they encode as a string.
type FeedSettings struct {
	CSV struct {
		// Value lists the 1-based columns holding values, comma-separated; empty means the first.
		Value     string `json:"value"`
		Delimiter string `json:"delimiter"`
	} `json:"csv"`
	Common struct {
		// ExcludeRegex drops the lines it matches (MISP's PCRE, delimiters included: "/^#/").
		ExcludeRegex string `json:"excluderegex"`
	} `json:"common"`
	// DisableCorrelation and UnpublishEvent are MISP's optional event settings.
	DisableCorrelation FlexBool `json:"disable_correlation,omitempty"`
	UnpublishEvent     FlexBool `json:"unpublish_event,omitempty"`
}

// MarshalJSON writes the settings as a JSON string, as MISP does.
func (s FeedSettings) MarshalJSON() ([]byte, error) {
	if s.CSV.Delimiter == "" {
		s.CSV.Delimiter = ","
	}
	type plain FeedSettings
	b, err := json.Marshal(plain(s))
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON reads a JSON string holding the settings object, the object itself, or "", [] and null (none).
func (s *FeedSettings) UnmarshalJSON(b []byte) error {
	*s = FeedSettings{}
	b = bytes.TrimSpace(b)
	// A string holds the settings' JSON; some of MISP's own default feeds encode it twice.
	for range 3 {
		if len(b) == 0 || b[0] != '"' {
			break
		}
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(str))
	}
	if len(b) == 0 || string(b) == "null" || string(b) == "[]" || string(b) == "{}" {
		return nil
	}
	var raw struct {
		CSV struct {
			Value     json.RawMessage `json:"value"`
			Delimiter string          `json:"delimiter"`
		} `json:"csv"`
		Common struct {
			ExcludeRegex string `json:"excluderegex"`
		} `json:"common"`
		DisableCorrelation FlexBool `json:"disable_correlation"`
		UnpublishEvent     FlexBool `json:"unpublish_event"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return malformed("feed settings: %v", err)
	}
	switch v := bytes.TrimSpace(raw.CSV.Value); {
	case len(v) == 0 || string(v) == "null":
	case v[0] == '"':
		if err := json.Unmarshal(v, &s.CSV.Value); err != nil {
			return malformed("feed settings csv value: %v", err)
		}
	default:
		var n FlexInt
		if err := json.Unmarshal(v, &n); err != nil {
			return malformed("feed settings csv value: %v", err)
		}
		s.CSV.Value = strconv.FormatInt(int64(n), 10)
	}
	s.CSV.Delimiter, s.Common.ExcludeRegex = raw.CSV.Delimiter, raw.Common.ExcludeRegex
	s.DisableCorrelation, s.UnpublishEvent = raw.DisableCorrelation, raw.UnpublishEvent
	return nil
}

// Columns returns the 0-based columns of CSV.Value ("1,3" is [0 2]); empty means [0]. A column that is not a
// positive number is an error.
func (s FeedSettings) Columns() ([]int, error) {
	if strings.TrimSpace(s.CSV.Value) == "" {
		return []int{0}, nil
	}
	var out []int
	for f := range strings.SplitSeq(s.CSV.Value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("csv value column %q is not a positive number", f)
		}
		out = append(out, n-1)
	}
	return out, nil
}

// JSONText is a field MISP stores as a JSON document in a string column (a feed's rules): it encodes as that
// string and decodes from a string or from the JSON value itself, which it keeps as compact text.
type JSONText string

// MarshalJSON writes the text as a JSON string.
func (t JSONText) MarshalJSON() ([]byte, error) { return json.Marshal(string(t)) }

// UnmarshalJSON reads a string, or any other JSON value kept as its compact text; null is "".
func (t *JSONText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*t = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = JSONText(s)
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return err
		}
		*t = JSONText(buf.String())
	}
	return nil
}

// FeedHit is one feed holding an attribute's value, as MISP puts it in an attribute's Feed list (events/view and
// restSearch with includeFeedCorrelations).
type FeedHit struct {
	ID            FlexInt  `json:"id"`
	Name          string   `json:"name"`
	Provider      string   `json:"provider"`
	URL           string   `json:"url"`
	SourceFormat  string   `json:"source_format"`
	LookupVisible FlexBool `json:"lookup_visible"`
}

// FeedManifestEntry is one event of a MISP feed's manifest.json (keyed there by the event's uuid).
type FeedManifestEntry struct {
	Info          string        `json:"info"`
	Date          string        `json:"date"`
	Analysis      FlexInt       `json:"analysis"`
	ThreatLevelID FlexInt       `json:"threat_level_id"`
	Timestamp     Timestamp     `json:"timestamp"`
	Orgc          *Organisation `json:"Orgc,omitempty"`
	Tag           []Tag         `json:"Tag,omitempty"`
}
