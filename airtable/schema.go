package airtable

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// Table is a table of a base, as the metadata API describes it.
type Table struct {
	ID             string  `json:"id,omitempty"`
	Name           string  `json:"name"`
	PrimaryFieldID string  `json:"primaryFieldId,omitempty"`
	Fields         []Field `json:"fields"`
}

// Field is a field of a table. Options depend on the type (choices of a select, the linked
// table of a link, the precision of a number).
type Field struct {
	ID      string         `json:"id,omitempty"`
	Name    string         `json:"name"`
	Type    string         `json:"type"`
	Options map[string]any `json:"options,omitempty"`
}

// Field looks a field up by name.
func (t *Table) Field(name string) (*Field, bool) {
	for i := range t.Fields {
		if t.Fields[i].Name == name {
			return &t.Fields[i], true
		}
	}
	return nil, false
}

// Choices are the option names of a select field.
func (f *Field) Choices() []string {
	raw, _ := f.Options["choices"].([]any)
	var out []string
	for _, c := range raw {
		if m, ok := c.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// LinkedTableID is the table a link field points to ("" for other fields).
func (f *Field) LinkedTableID() string {
	id, _ := f.Options["linkedTableId"].(string)
	return id
}

// Computed reports whether Airtable computes the field (it can never be written).
func (f *Field) Computed() bool { return computedTypes[f.Type] }

var computedTypes = map[string]bool{"formula": true, "rollup": true, "count": true, "multipleLookupValues": true,
	"autoNumber": true, "createdTime": true, "lastModifiedTime": true, "createdBy": true, "lastModifiedBy": true,
	"button": true, "aiText": true}

// Schema is a base's tables.
type Schema struct {
	Tables []Table `json:"tables"`
}

// Table looks a table up by name.
func (s *Schema) Table(name string) (*Table, bool) {
	for i := range s.Tables {
		if s.Tables[i].Name == name {
			return &s.Tables[i], true
		}
	}
	return nil, false
}

// Schema reads the base's tables and fields (metadata API; the token needs the
// schema.bases:read scope).
func (c *Client) Schema(ctx context.Context) (*Schema, error) {
	var s Schema
	if err := c.do(ctx, http.MethodGet, c.metaPath()+"/tables", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// CreateTable creates a table with its fields; the first field is the primary one.
func (c *Client) CreateTable(ctx context.Context, t Table) (*Table, error) {
	var out Table
	if err := c.do(ctx, http.MethodPost, c.metaPath()+"/tables", t, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateField adds a field to a table.
func (c *Client) CreateField(ctx context.Context, tableID string, f Field) (*Field, error) {
	var out Field
	if err := c.do(ctx, http.MethodPost, c.metaPath()+"/tables/"+url.PathEscape(tableID)+"/fields", f, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) metaPath() string { return "/v0/meta/bases/" + url.PathEscape(c.base) }

// compatibleTypes lists, per expected type, the field types a value can be written to.
var compatibleTypes = map[string][]string{
	"singleLineText":      {"singleLineText", "multilineText", "richText"},
	"multilineText":       {"multilineText", "richText", "singleLineText"},
	"number":              {"number", "currency", "percent"},
	"currency":            {"currency", "number"},
	"percent":             {"percent", "number"},
	"dateTime":            {"dateTime"},
	"singleSelect":        {"singleSelect"},
	"multipleRecordLinks": {"multipleRecordLinks"},
}

// compatible reports whether a field of type have can take values meant for type want.
func compatible(want, have string) bool { return slices.Contains(compatibleTypes[want], have) }

// describeType names a field type for messages.
func describeType(f *Field) string {
	if f.Type == "multipleRecordLinks" {
		return fmt.Sprintf("link to %s", f.LinkedTableID())
	}
	return f.Type
}
