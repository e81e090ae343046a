package intel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hunchsec/hunch/intel/acl"
	"github.com/hunchsec/hunch/misp"
	"github.com/hunchsec/hunch/store"
)

// FreeTextGuess is one value a free text holds, typed as MISP's freetext import types it
// (events/freeTextImport with returnMetaAttributes).
type FreeTextGuess struct {
	// Type is the default type; Types every type MISP offers for the value, Type first.
	Type  string
	Types []string
	// Category is Type's default category and ToIDS its default to_ids flag.
	Category string
	ToIDS    bool
	// Value is the value refanged and normalised for Type.
	Value string
	// Comment notes what the guess dropped ("On port 8080"), "" when nothing.
	Comment string
}

// freeTextSeparators split a free text into tokens, as MISP's ComplexTypeTool splits it: white space, commas,
// semicolons and angle brackets.
const freeTextSeparators = " \t\r\n\v\f,;<>"

// GuessFreeText returns the values text holds, in order of first appearance and each once, typed by
// misp.GuessAttribute (hunch's indicator scanner under MISP's rules). Tokens that are no indicator are skipped;
// so are quoted phrases, which MISP keeps as text and hunch does not.
func GuessFreeText(text string) []FreeTextGuess {
	var out []FreeTextGuess
	seen := map[string]bool{}
	for tok := range strings.FieldsFuncSeq(text, func(r rune) bool { return strings.ContainsRune(freeTextSeparators, r) }) {
		tok = strings.Trim(tok, "'\"` \x00")
		if tok == "" {
			continue
		}
		g, ok := misp.GuessAttribute(tok)
		if !ok || g.Value == "" {
			continue
		}
		k := g.Type + "\x00" + g.Value
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, FreeTextGuess{Type: g.Type, Types: g.Types, Category: g.Category, ToIDS: g.ToIDS,
			Value: g.Value, Comment: g.Comment})
	}
	return out
}

// FreeTextOptions tune FreeTextImport.
type FreeTextOptions struct {
	// Distribution of the new attributes; unset means the instance's default attribute distribution.
	Distribution misp.Distribution
	// SharingGroupID is their sharing group when Distribution is 4.
	SharingGroupID int64
	// MetaOnly returns the guesses without adding anything (returnMetaAttributes).
	MetaOnly bool
	// Warninglists is adhereToWarninglists: WarninglistsSkip leaves out values that hit an enabled warninglist,
	// WarninglistsSoft adds them with to_ids off; empty adds them as they are.
	Warninglists string
}

// The adhereToWarninglists modes of FreeTextOptions.Warninglists.
const (
	WarninglistsSkip = "skip"
	WarninglistsSoft = "soft"
)

// FreeTextResult is what FreeTextImport did: the guesses it found, the attributes it added, and how many it could
// not add (values the event already holds).
type FreeTextResult struct {
	Guesses []FreeTextGuess
	Added   []misp.Attribute
	Failed  int
}

// FreeTextImport finds the indicators in text (GuessFreeText) and adds each as an attribute of the event ref names
// (events/freeTextImport), unless opts.MetaOnly, which only returns the guesses. Adding needs CanAddAttribute on
// the event; a value the event already holds is skipped and counted in Failed, as MISP does. When anything was
// added the event is unpublished, as MISP unpublishes it.
func (s *Service) FreeTextImport(ctx context.Context, u acl.User, ref, text string, opts FreeTextOptions) (*FreeTextResult, error) {
	e, err := s.evtLoad(ctx, ref, acl.NotFound(acl.MsgInvalidEventDot))
	if err != nil {
		return nil, err
	}
	p := s.Policy()
	ev := ACLEvent(e)
	if err := p.CanReadEvent(u, ev); err != nil {
		return nil, acl.NotFound(acl.MsgInvalidEventDot)
	}
	res := &FreeTextResult{Guesses: GuessFreeText(text), Added: []misp.Attribute{}}
	if opts.MetaOnly {
		return res, nil
	}
	if err := p.CanAddAttribute(u, ev); err != nil {
		return nil, err
	}
	d := opts.Distribution
	if d == misp.DistributionUnset {
		d = s.DefaultAttributeDistribution()
	}
	if !d.Valid() {
		return nil, Invalid("Could not add Attribute", "distribution", "Options: 0, 1, 2, 3, 4, 5")
	}
	sg := misp.FlexInt(0)
	if d.Level() == int(acl.SharingGroupOnly) {
		if opts.SharingGroupID == 0 {
			return nil, Invalid("Could not add Attribute", "sharing_group_id",
				"If the distribution is set to \"Sharing Group\", a sharing group has to be selected.")
		}
		if err := p.CanUseSharingGroup(u, opts.SharingGroupID); err != nil {
			return nil, err
		}
		sg = misp.FlexInt(opts.SharingGroupID)
	}
	warned := func(string, string) bool { return false }
	if opts.Warninglists != "" {
		if warned, err = s.WarninglistFilter(ctx); err != nil {
			return nil, fmt.Errorf("intel: warninglists: %w", err)
		}
	}
	for _, g := range res.Guesses {
		a := misp.Attribute{Type: g.Type, Category: g.Category, ToIDS: misp.OptBoolOf(g.ToIDS), Value: g.Value,
			Comment: g.Comment, Distribution: d, SharingGroupID: sg}
		if warned(g.Type, g.Value) {
			if opts.Warninglists != WarninglistsSoft {
				continue
			}
			a.ToIDS = misp.OptBoolOf(false)
		}
		if err := s.st.AddAttribute(ctx, int64(e.ID), &a); err != nil {
			var dup *store.DuplicateAttributeError
			if errors.As(err, &dup) {
				res.Failed++
				continue
			}
			return nil, fmt.Errorf("add attribute to event %d: %w", e.ID, err)
		}
		res.Added = append(res.Added, a)
	}
	// What was added is flagged with the lists it hits, as an event view shows it.
	w, err := s.newWarner(ctx)
	if err != nil {
		return nil, err
	}
	for i := range res.Added {
		w.warn(&res.Added[i])
	}
	if len(res.Added) > 0 && bool(e.Published) {
		if err := s.st.UnpublishEvent(ctx, int64(e.ID)); err != nil {
			return nil, fmt.Errorf("unpublish event %d: %w", e.ID, err)
		}
	}
	return res, nil
}
