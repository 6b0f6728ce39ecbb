package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/leadrun/leadrun"
)

// maxRubricBytes bounds a rubric file; real rubrics are a few kilobytes.
const maxRubricBytes = 1 << 20

// DecodeRubric reads one rubric in format "yaml" or "json". Decoding is strict: unknown
// fields, a second document or trailing data are refused, and the rubric must pass
// Validate. Errors are EINVALID with messages that name the line and what to fix.
func DecodeRubric(r io.Reader, format string) (*leadrun.Rubric, error) {
	if format != FormatYAML && format != FormatJSON {
		return nil, invalidf("rubric format %q is not supported: use yaml or json", format)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxRubricBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read rubric: %w", err)
	}
	if len(data) > maxRubricBytes {
		return nil, leadrun.Errorf(leadrun.ETOOLARGE, "rubric is larger than %d bytes (1 MiB): is this the right file?", maxRubricBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // editors on Windows add a byte-order mark
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalidf("rubric is empty: want preamble and attributes")
	}
	var rub leadrun.Rubric
	if format == FormatYAML {
		err = decodeRubricYAML(data, &rub)
	} else {
		err = decodeRubricJSON(data, &rub)
	}
	if err != nil {
		return nil, err
	}
	if len(rub.Attributes) == 0 {
		return nil, invalidf("rubric has no attributes: add at least one under \"attributes\"")
	}
	if err := rub.Validate(); err != nil {
		return nil, err
	}
	return &rub, nil
}

// EncodeRubric writes a rubric as "yaml" or "json" so that DecodeRubric reads it back
// unchanged.
func EncodeRubric(w io.Writer, rubric *leadrun.Rubric, format string) error {
	if rubric == nil {
		return invalidf("no rubric to encode")
	}
	switch format {
	case FormatYAML:
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(rubric); err != nil {
			return fmt.Errorf("encode rubric: %w", err)
		}
		return enc.Close()
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rubric)
	}
	return invalidf("rubric format %q is not supported: use yaml or json", format)
}

func decodeRubricYAML(data []byte, rub *leadrun.Rubric) error {
	if err := checkRubricYAML(data); err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(rub); err != nil {
		return yamlError(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return nil
	case err != nil:
		return yamlError(err)
	}
	return invalidf("rubric YAML: line %d: a second YAML document follows the rubric: keep one rubric per file",
		max(extra.Line, 1))
}

var (
	yamlUnknownField = regexp.MustCompile(`^line (\d+): field (.+) not found in type (\S+)$`)
	yamlTypeWords    = strings.NewReplacer("!!str", "text", "!!int", "a whole number",
		"!!float", "a number", "!!bool", "true/false", "!!seq", "a list", "!!map", "a mapping",
		"!!null", "nothing", "into int", "into a whole number", "into *bool", "into true/false",
		"into bool", "into true/false", "into []string", "into a list of text")
)

// yamlError turns a yaml.v3 error into an EINVALID error that lists every problem.
func yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return invalidf("rubric YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		if g := yamlUnknownField.FindStringSubmatch(m); g != nil {
			m = fmt.Sprintf("line %s: unknown field %q%s: remove it or fix its spelling", g[1], g[2], knownFieldsOf(g[3], "yaml"))
		} else {
			m = yamlTypeWords.Replace(m)
		}
		msgs = append(msgs, m)
	}
	return invalidf("rubric YAML: %s", strings.Join(msgs, "; "))
}

func decodeRubricJSON(data []byte, rub *leadrun.Rubric) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rub); err != nil {
		return jsonError(data, err, "rubric")
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		line, _ := lineCol(data, end+int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n"))))
		return invalidf("rubric JSON: line %d: unexpected data after the rubric object: a file holds one rubric", line)
	}
	return nil
}

// jsonError turns an encoding/json error into an EINVALID error with a line number.
func jsonError(data []byte, err error, what string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("%s JSON ends too early: check for a missing closing bracket or brace", what)
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return invalidf("%s JSON: line %d, column %d: %s", what, line, col, se.Error())
	case errors.As(err, &te):
		line, _ := lineCol(data, te.Offset)
		field := te.Field
		if field == "" {
			field = "the value"
		} else {
			field = "field " + strconv.Quote(field)
		}
		return invalidf("%s JSON: line %d: %s must be %s, not %s", what, line, field, jsonTypeWord(te.Type), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return invalidf("%s JSON: line %d: unknown field %q: remove it or fix its spelling", what, keyLine(data, name), name)
	}
	return invalidf("%s JSON: %s", what, strings.TrimPrefix(err.Error(), "json: "))
}

// keyLine returns the line of the first object key name in data (1 when not found).
func keyLine(data []byte, name string) int {
	quoted, _ := json.Marshal(name)
	for off := 0; ; {
		i := bytes.Index(data[off:], quoted)
		if i < 0 {
			return 1
		}
		off += i + len(quoted)
		if rest := bytes.TrimLeft(data[off:], " \t\r\n"); len(rest) > 0 && rest[0] == ':' {
			line, _ := lineCol(data, int64(off))
			return line
		}
	}
}

func jsonTypeWord(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(jsonTypeWord(t.Elem()), "a "), "an ")
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// rubricTypes names the types a rubric file holds, for messages about unknown fields.
var rubricTypes = map[string]reflect.Type{
	"leadrun.Rubric":        reflect.TypeFor[leadrun.Rubric](),
	"leadrun.Attribute":     reflect.TypeFor[leadrun.Attribute](),
	"leadrun.PostRubric":    reflect.TypeFor[leadrun.PostRubric](),
	"leadrun.PostCriterion": reflect.TypeFor[leadrun.PostCriterion](),
}

// knownFieldsOf returns " in <what> (known fields: …)" for a rubric type name, or "".
func knownFieldsOf(typeName, tag string) string {
	t, ok := rubricTypes[typeName]
	if !ok {
		return ""
	}
	names := make([]string, 0, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	what := map[string]string{
		"leadrun.Rubric": "the rubric", "leadrun.Attribute": "an attribute",
		"leadrun.PostRubric": "the post rubric", "leadrun.PostCriterion": "a post criterion",
	}[typeName]
	return fmt.Sprintf(" in %s (known fields: %s)", what, strings.Join(names, ", "))
}
