package sigma

import (
	"bytes"
	"fmt"
	"strings"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"go.yaml.in/yaml/v3"
)

// MaxConditionLength bounds a condition's text.
const MaxConditionLength = 64 << 10

// parseRuleYAML parses a rule with sigma-go, but reads the condition with hunch's own parser:
// sigma-go's lexer refuses search names such as selection_1* or set1* that SigmaHQ's rules use.
func parseRuleYAML(data []byte) (sigmago.Rule, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return sigmago.Rule{}, err
	}
	var conds []string
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value != "detection" || root.Content[i+1].Kind != yaml.MappingNode {
				continue
			}
			det := root.Content[i+1]
			for j := 0; j+1 < len(det.Content); j += 2 {
				if det.Content[j].Value != "condition" {
					continue
				}
				c := det.Content[j+1]
				switch c.Kind {
				case yaml.ScalarNode:
					conds = append(conds, c.Value)
				case yaml.SequenceNode:
					for _, x := range c.Content {
						conds = append(conds, x.Value)
					}
				}
				// sigma-go gets a condition it can parse; hunch's parse replaces it below.
				det.Content[j+1] = &yaml.Node{Kind: yaml.ScalarNode, Value: "1 of them"}
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(&doc); err != nil {
		return sigmago.Rule{}, err
	}
	r, err := sigmago.ParseRule(buf.Bytes())
	if err != nil {
		return sigmago.Rule{}, err
	}
	r.Detection.Conditions = nil
	for _, c := range conds {
		e, err := ParseCondition(c)
		if err != nil {
			return sigmago.Rule{}, err
		}
		r.Detection.Conditions = append(r.Detection.Conditions, sigmago.Condition{Search: e})
	}
	return r, nil
}

// ParseCondition parses a Sigma condition: search names (with * wildcards in "of" forms),
// and, or, not, parentheses, "1 of X", "all of X", "1 of them", "all of them". Aggregations
// (| count() …) are refused.
func ParseCondition(s string) (sigmago.SearchExpr, error) {
	if len(s) > MaxConditionLength {
		return nil, fmt.Errorf("condition of %d bytes, more than %d", len(s), MaxConditionLength)
	}
	if strings.Contains(s, "|") {
		return nil, fmt.Errorf("condition %q: aggregations (| count() …) are not supported", s)
	}
	p := &condParser{toks: condTokens(s), src: s}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("condition %q: unexpected %q", s, p.toks[p.i])
	}
	return e, nil
}

func condTokens(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '(' || r == ')':
			flush()
			out = append(out, string(r))
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

type condParser struct {
	toks []string
	i    int
	src  string
}

// maxConditionDepth bounds nesting, so a hostile condition cannot exhaust the stack.
const maxConditionDepth = 100

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return strings.ToLower(p.toks[p.i])
	}
	return ""
}

func (p *condParser) or(depth int) (sigmago.SearchExpr, error) {
	return p.list(depth, "or", p.and, func(xs []sigmago.SearchExpr) sigmago.SearchExpr { return sigmago.Or(xs) })
}

func (p *condParser) and(depth int) (sigmago.SearchExpr, error) {
	return p.list(depth, "and", p.not, func(xs []sigmago.SearchExpr) sigmago.SearchExpr { return sigmago.And(xs) })
}

// list parses operands joined by the keyword op; one operand stands alone.
func (p *condParser) list(depth int, op string, operand func(int) (sigmago.SearchExpr, error),
	join func([]sigmago.SearchExpr) sigmago.SearchExpr) (sigmago.SearchExpr, error) {
	first, err := operand(depth)
	if err != nil {
		return nil, err
	}
	xs := []sigmago.SearchExpr{first}
	for p.peek() == op {
		p.i++
		x, err := operand(depth)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	if len(xs) == 1 {
		return first, nil
	}
	return join(xs), nil
}

func (p *condParser) not(depth int) (sigmago.SearchExpr, error) {
	if p.peek() == "not" {
		p.i++
		if depth > maxConditionDepth {
			return nil, fmt.Errorf("condition %q: nested too deeply", p.src)
		}
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return sigmago.Not{Expr: x}, nil
	}
	return p.primary(depth)
}

func (p *condParser) primary(depth int) (sigmago.SearchExpr, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("condition %q: ends early", p.src)
	}
	t := p.toks[p.i]
	switch lt := strings.ToLower(t); {
	case t == "(":
		if depth > maxConditionDepth {
			return nil, fmt.Errorf("condition %q: nested too deeply", p.src)
		}
		p.i++
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("condition %q: missing )", p.src)
		}
		p.i++
		return e, nil
	case lt == "1" || lt == "any" || lt == "all":
		p.i++
		if p.peek() != "of" {
			return nil, fmt.Errorf("condition %q: %q without of", p.src, t)
		}
		p.i++
		if p.i >= len(p.toks) || p.toks[p.i] == "(" || p.toks[p.i] == ")" {
			return nil, fmt.Errorf("condition %q: of what?", p.src)
		}
		target := p.toks[p.i]
		p.i++
		all := lt == "all"
		switch {
		case strings.EqualFold(target, "them") && all:
			return sigmago.AllOfThem{}, nil
		case strings.EqualFold(target, "them"):
			return sigmago.OneOfThem{}, nil
		case all:
			return sigmago.AllOfPattern{Pattern: target}, nil
		}
		return sigmago.OneOfPattern{Pattern: target}, nil
	case t == ")" || lt == "and" || lt == "or" || lt == "of":
		return nil, fmt.Errorf("condition %q: unexpected %q", p.src, t)
	}
	p.i++
	return sigmago.SearchIdentifier{Name: t}, nil
}
