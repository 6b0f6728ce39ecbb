// Package migrate moves an agency off the original Airtable platform: it maps the
// original's records (Clients, Leads, Scoring Attributes, Post Scoring Attributes, the
// portal's lead export) to leadrun clients, leads with their scores, and rubrics, and
// stores them idempotently and resumably with a report per client. Records come from a
// Source: a folder of CSV exports here; an Airtable base can be another Source.
package migrate

import (
	"context"
	"errors"
)

// Tables of the original platform.
const (
	TableClients        = "Clients"                 // master base
	TableLeads          = "Leads"                   // each client's base; the portal export reads the same
	TableAttributes     = "Scoring Attributes"      // each client's lead rubric
	TablePostAttributes = "Post Scoring Attributes" // each client's post rubric
)

// ErrNoTable says a source does not hold a table (a client without a post rubric).
var ErrNoTable = errors.New("table not found")

// Record is one row: field name → value, as Airtable's API returns fields (text, numbers,
// booleans, lists) or as a CSV export holds them (text).
type Record map[string]any

// Source is where the original's tables come from.
type Source interface {
	// Clients returns the master base's Clients table.
	Clients(ctx context.Context) ([]Record, error)
	// Table calls fn with each record of one table of a client's base, in order. A table
	// the source does not hold is an error wrapping ErrNoTable.
	Table(ctx context.Context, clientID, table string, fn func(Record) error) error
	// Size estimates how many records a table holds (0 when unknown), for progress.
	Size(clientID, table string) int
}
