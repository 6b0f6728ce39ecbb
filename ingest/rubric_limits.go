package ingest

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/leadrun/leadrun"
)

// MaxRubricBytes bounds a rubric file, and also the rubric it decodes to: YAML aliases
// (*name) count every time they are used, so a small file cannot expand into a huge
// rubric. Real rubrics are a few kilobytes.
const MaxRubricBytes = maxRubricBytes

// pointFields are the rubric fields that hold whole numbers of points.
var pointFields = map[string]bool{"max_points": true, "penalty": true, "min_to_qualify": true, "max_score": true}

// checkRubricYAML parses data into a node tree (aliases are not expanded there) and
// refuses, before decoding, a document that would expand beyond MaxRubricBytes and point
// fields that are not whole numbers (yaml.v3 silently truncates 5.5 to 5).
func checkRubricYAML(data []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return yamlError(err)
	}
	sizer := yamlSizer{memo: map[*yaml.Node]int64{}, active: map[*yaml.Node]bool{}}
	size, err := sizer.size(&root)
	if err != nil {
		return err
	}
	if size > MaxRubricBytes {
		return leadrun.Errorf(leadrun.ETOOLARGE,
			"rubric YAML expands to more than %d bytes through its aliases (*name): write the values out or shorten the rubric", MaxRubricBytes)
	}
	if problems := pointProblems(&root, nil); len(problems) > 0 {
		return invalidf("rubric YAML: %s", strings.Join(problems, "; "))
	}
	return nil
}

// yamlSizer measures the decoded size of a node tree with every alias expanded, without
// expanding it: each anchored node is measured once and its size reused.
type yamlSizer struct {
	memo   map[*yaml.Node]int64
	active map[*yaml.Node]bool // on the current path: an alias to one of them is a cycle
}

func (s *yamlSizer) size(n *yaml.Node) (int64, error) {
	if n == nil {
		return 0, nil
	}
	if v, ok := s.memo[n]; ok {
		return v, nil
	}
	if s.active[n] {
		return 0, invalidf("rubric YAML: line %d: an alias refers to a value that contains it", n.Line)
	}
	s.active[n] = true
	defer delete(s.active, n)
	total := int64(len(n.Value)) + 1
	children := n.Content
	if n.Kind == yaml.AliasNode {
		children = []*yaml.Node{n.Alias}
	}
	for _, c := range children {
		v, err := s.size(c)
		if err != nil {
			return 0, err
		}
		// Saturate instead of overflowing: anything past the limit is refused anyway.
		total = min(total+v, MaxRubricBytes+1)
	}
	s.memo[n] = total
	return total, nil
}

// pointProblems lists the point fields whose value is not a whole number, with lines.
func pointProblems(n *yaml.Node, seen map[*yaml.Node]bool) []string {
	if n == nil {
		return nil
	}
	if seen == nil {
		seen = map[*yaml.Node]bool{}
	}
	if seen[n] {
		return nil
	}
	seen[n] = true
	var out []string
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			for val.Kind == yaml.AliasNode && val.Alias != nil {
				val = val.Alias
			}
			if pointFields[key.Value] && val.Kind == yaml.ScalarNode && val.Tag == "!!float" {
				out = append(out, fmt.Sprintf("line %d: %s must be a whole number of points, not %q", val.Line, key.Value, val.Value))
			}
		}
	}
	children := n.Content
	if n.Kind == yaml.AliasNode {
		children = []*yaml.Node{n.Alias}
	}
	for _, c := range children {
		out = append(out, pointProblems(c, seen)...)
	}
	return out
}
