package migrate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/leadrun/leadrun"
)

// Files names the CSV exports an import reads: the master Clients table, and per client
// ID the files of each table (Leads may have several: Airtable's export and the portal's).
type Files struct {
	Clients string
	Tables  map[string]map[string][]string // client ID → table → files, in reading order
}

// Add names a file for a client's table.
func (f *Files) Add(clientID, table, path string) {
	if f.Tables == nil {
		f.Tables = map[string]map[string][]string{}
	}
	if f.Tables[clientID] == nil {
		f.Tables[clientID] = map[string][]string{}
	}
	f.Tables[clientID][table] = append(f.Tables[clientID][table], path)
}

// ScanDir finds the exports in a folder laid out as
//
//	DIR/Clients.csv                        the master base's Clients ("Clients-Grid view.csv" too)
//	DIR/<Client ID>/Leads.csv              Airtable's "Download CSV" of Leads
//	DIR/<Client ID>/Scoring Attributes.csv
//	DIR/<Client ID>/Post Scoring Attributes.csv
//	DIR/<Client ID>/<any other>.csv        the portal's "Export All to CSV" (any file with a
//	                                       LinkedIn Profile URL column), read after Leads
//
// A folder without a Clients export is not an error here: the caller may name one.
func ScanDir(dir string) (*Files, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, leadrun.Errorf(leadrun.EINVALID, "read folder %s: %v", dir, err)
	}
	f := &Files{}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			if err := scanClientDir(f, e.Name(), path); err != nil {
				return nil, err
			}
		case tableOfFile(e.Name()) == TableClients:
			if f.Clients != "" {
				return nil, leadrun.Errorf(leadrun.EINVALID, "two Clients exports in %s: %s and %s", dir, filepath.Base(f.Clients), e.Name())
			}
			f.Clients = path
		}
	}
	return f, nil
}

func scanClientDir(f *Files, clientID, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var portal []string
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".csv") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if table := tableOfFile(e.Name()); table != "" && table != TableClients {
			f.Add(clientID, table, path)
		} else if hasProfileColumn(path) {
			portal = append(portal, path)
		}
	}
	sort.Strings(portal)
	for _, p := range portal {
		f.Add(clientID, TableLeads, p)
	}
	return nil
}

// tableOfFile recognises an Airtable export by its name ("Leads-Grid view.csv").
func tableOfFile(name string) string {
	key := fieldKey(strings.TrimSuffix(name, filepath.Ext(name)))
	for _, t := range []string{TablePostAttributes, TableAttributes, TableClients, TableLeads} {
		if strings.HasPrefix(key, fieldKey(t)) {
			return t
		}
	}
	return ""
}

func hasProfileColumn(path string) bool {
	file, err := os.Open(path)
	if err != nil {
		return false
	}
	defer file.Close()
	header, err := newCSVReader(file).Read()
	if err != nil {
		return false
	}
	for _, h := range header {
		if k := fieldKey(h); k == "linkedinprofileurl" || k == "linkedinurl" || k == "profileurl" {
			return true
		}
	}
	return false
}

// CSVSource reads the original's tables from CSV exports.
type CSVSource struct{ files *Files }

// NewCSVSource reads the named files.
func NewCSVSource(files *Files) *CSVSource { return &CSVSource{files: files} }

// Clients reads the Clients export.
func (s *CSVSource) Clients(ctx context.Context) ([]Record, error) {
	if s.files.Clients == "" {
		return nil, leadrun.Errorf(leadrun.EINVALID, "no Clients export: put the master base's Clients.csv in the folder, or name it with --clients-file")
	}
	var out []Record
	err := readCSVFile(ctx, s.files.Clients, func(r Record) error { out = append(out, r); return nil })
	return out, err
}

// Table reads a client's table from its files, in order.
func (s *CSVSource) Table(ctx context.Context, clientID, table string, fn func(Record) error) error {
	paths := s.files.Tables[clientID][table]
	if len(paths) == 0 {
		return fmt.Errorf("%s of %s: %w", table, clientID, ErrNoTable)
	}
	for _, p := range paths {
		if err := readCSVFile(ctx, p, fn); err != nil {
			return err
		}
	}
	return nil
}

// Size estimates a table's records from the lines of its files.
func (s *CSVSource) Size(clientID, table string) int {
	n := 0
	for _, p := range s.files.Tables[clientID][table] {
		n += countLines(p) - 1
	}
	return max(n, 0)
}

func countLines(path string) int {
	file, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer file.Close()
	n, buf := 0, make([]byte, 64<<10)
	for {
		k, err := file.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			return n
		}
	}
}

func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReaderSize(r, 256<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3) // Excel and Airtable write a byte-order mark
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return cr
}

// readCSVFile calls fn with each non-blank row of a CSV file as a record keyed by header.
func readCSVFile(ctx context.Context, path string, fn func(Record) error) error {
	file, err := os.Open(path)
	if err != nil {
		return leadrun.Errorf(leadrun.EINVALID, "open %s: %v", path, err)
	}
	defer file.Close()
	cr := newCSVReader(file)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil
	} else if err != nil {
		return leadrun.Errorf(leadrun.EINVALID, "%s: %v", path, err)
	}
	header = slicesClone(header)
	for row := 1; ; row++ {
		if row%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return leadrun.Errorf(leadrun.EINVALID, "%s: %v", path, err)
		}
		r := make(Record, len(header))
		blank := true
		for i, v := range rec {
			if i < len(header) && v != "" {
				r[header[i]] = v
				blank = false
			}
		}
		if blank {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }
