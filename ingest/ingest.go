// Package ingest turns files and payloads into domain values: rubrics from YAML or JSON,
// leads from CSV, JSON or Linked Helper person objects, and posts from JSON. It never
// stores anything; callers upsert what it returns.
//
// A structurally broken input (not JSON, a CSV without a header, an unknown format, too
// many items) is an EINVALID error. A bad item inside a good file becomes an ItemError and
// never blocks the other items.
package ingest

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/leadrun/leadrun"
)

// Formats understood by the decoders.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
	FormatCSV  = "csv"
)

// MaxItems is the most leads or posts one input may hold; larger inputs are refused so a
// runaway export cannot exhaust memory. Split bigger files.
const MaxItems = 100_000

// FormatFromPath returns the format a file name implies: "yaml" for .yaml and .yml,
// "json" for .json, "csv" for .csv (case-insensitive).
func FormatFromPath(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return FormatYAML, nil
	case ".json":
		return FormatJSON, nil
	case ".csv":
		return FormatCSV, nil
	}
	return "", leadrun.Errorf(leadrun.EINVALID,
		"cannot tell the format of %q from its extension: name it .yaml, .yml, .json or .csv", path)
}

// invalidf returns an EINVALID domain error.
func invalidf(format string, args ...any) error {
	return leadrun.Errorf(leadrun.EINVALID, format, args...)
}

// errorMessage is the message of err without the "leadrun error: code=…" wrapping, for
// item reasons that are read by people.
func errorMessage(err error) string {
	if leadrun.ErrorCode(err) == leadrun.EINTERNAL {
		return err.Error()
	}
	return leadrun.ErrorMessage(err)
}

// lineCol converts a byte offset in data to a 1-based line and column.
func lineCol(data []byte, offset int64) (line, col int) {
	if offset < 0 {
		offset = 0
	}
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
