package airtable

import (
	"context"
	"fmt"
)

// Init creates in the base what the mirror needs and is missing: the two tables, or their
// missing fields (the link from client results to runs included). It never changes or
// deletes an existing field; it returns what it created.
func Init(ctx context.Context, c *Client, names Tables) ([]string, error) {
	s, err := c.Schema(ctx)
	if err != nil {
		return nil, err
	}
	var created []string
	runsID, made, err := ensureTable(ctx, c, s, names.Runs, expectedRuns, "")
	created = append(created, made...)
	if err != nil {
		return created, err
	}
	_, made, err = ensureTable(ctx, c, s, names.Clients, expectedClients, runsID)
	return append(created, made...), err
}

// ensureTable creates the table, or its missing fields, and returns the table's ID.
func ensureTable(ctx context.Context, c *Client, s *Schema, name string, want []expectedField, linkTo string) (string, []string, error) {
	fields := make([]Field, 0, len(want))
	for _, w := range want {
		f := w.Field
		if f.Type == "multipleRecordLinks" {
			f.Options = map[string]any{"linkedTableId": linkTo}
		}
		fields = append(fields, f)
	}
	t, ok := s.Table(name)
	if !ok {
		nt, err := c.CreateTable(ctx, Table{Name: name, Fields: fields})
		if err != nil {
			return "", nil, err
		}
		return nt.ID, []string{fmt.Sprintf("table %q with %d fields", name, len(fields))}, nil
	}
	var created []string
	for _, f := range fields {
		if _, exists := t.Field(f.Name); exists {
			continue
		}
		if f.Type == "multipleRecordLinks" {
			if _, linked := s.LinkField(name, s.tableName(linkTo)); linked {
				continue
			}
		}
		if _, err := c.CreateField(ctx, t.ID, f); err != nil {
			return t.ID, created, err
		}
		created = append(created, fmt.Sprintf("field %q in %q", f.Name, name))
	}
	return t.ID, created, nil
}

// tableName is the name of the table with the ID.
func (s *Schema) tableName(id string) string {
	for _, t := range s.Tables {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}
