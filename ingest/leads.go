package ingest

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/leadrun/leadrun"
)

// LeadBatch is what ReadLeads found in one input.
type LeadBatch struct {
	// Leads are the valid leads, one per profile key, in the order each key first
	// appeared. A key seen twice keeps the later item's fields (last one wins).
	Leads []*leadrun.Lead
	// Errors are the rejected items, in input order.
	Errors []leadrun.ItemError
	// Items counts the items read, valid or not (blank CSV rows are not items).
	Items int
	// Merged counts valid items folded into an earlier item with the same profile key.
	Merged int
	// Repaired are the accepted items whose text was repaired (NUL removed, invalid UTF-8
	// replaced), with what was done, in input order.
	Repaired []ItemNote
}

// DecodeLeads reads the leads of one client from format "csv" or "json"; see ReadLeads.
// Duplicates by profile key are merged (last one wins); ReadLeads reports how many.
func DecodeLeads(r io.Reader, format string, clientID string) ([]*leadrun.Lead, []leadrun.ItemError, error) {
	b, err := ReadLeads(r, format, clientID)
	if err != nil {
		return nil, nil, err
	}
	return b.Leads, b.Errors, nil
}

// ReadLeads reads the leads of one client.
//
// JSON is an array of objects or a single object. An object that uses only leadrun's
// snake_case lead fields (profile_url, first_name, …, experience, connection_status) is
// decoded strictly; any other object is read as a Linked Helper person (FromLinkedHelper)
// and kept whole as Lead.Raw.
//
// CSV needs a header row; columns match leadrun's field names or the original platform's
// ("LinkedIn Profile URL", "First Name", "Company Name", …) case-insensitively, unknown
// columns are ignored. An experience column may hold a JSON list of jobs; without one,
// job_title and company form one job.
//
// Every item is validated (which fills ProfileKey); a bad item becomes an ItemError. Only
// a broken input, an unknown format or more than MaxItems items is an error (EINVALID).
func ReadLeads(r io.Reader, format, clientID string) (*LeadBatch, error) {
	return readLeads(r, format, clientID, nil)
}

// readLeads is ReadLeads with an optional sender check on JSON objects (ReadLinkedHelper).
func readLeads(r io.Reader, format, clientID string, check SenderCheck) (*LeadBatch, error) {
	return StreamLeads(r, format, clientID, StreamOptions{Check: check})
}

// leadRecord is leadrun's own lead format in files.
type leadRecord struct {
	ProfileURL       string        `json:"profile_url"`
	FirstName        string        `json:"first_name"`
	LastName         string        `json:"last_name"`
	Headline         string        `json:"headline"`
	JobTitle         string        `json:"job_title"`
	Company          string        `json:"company"`
	About            string        `json:"about"`
	Location         string        `json:"location"`
	Email            string        `json:"email"`
	Phone            string        `json:"phone"`
	Experience       []leadrun.Job `json:"experience"`
	ConnectionStatus string        `json:"connection_status"`
}

var leadRecordFields = map[string]bool{
	"profile_url": true, "first_name": true, "last_name": true, "headline": true,
	"job_title": true, "company": true, "about": true, "location": true, "email": true,
	"phone": true, "experience": true, "connection_status": true,
}

// lead turns a record into a validated lead.
func (rec *leadRecord) lead(clientID string) (*leadrun.Lead, error) {
	t := strings.TrimSpace
	l := &leadrun.Lead{
		ClientID: clientID, ProfileURL: t(rec.ProfileURL),
		FirstName: CleanName(rec.FirstName), LastName: CleanName(rec.LastName),
		Headline: t(rec.Headline), JobTitle: t(rec.JobTitle), Company: t(rec.Company),
		About: t(rec.About), Location: t(rec.Location), Email: t(rec.Email), Phone: t(rec.Phone),
		ConnectionStatus: strings.ToLower(t(rec.ConnectionStatus)),
	}
	for _, j := range rec.Experience {
		j = leadrun.Job{Title: t(j.Title), Company: t(j.Company), Start: t(j.Start), End: t(j.End), Description: t(j.Description)}
		if j != (leadrun.Job{}) {
			l.Experience = append(l.Experience, j)
		}
	}
	if len(l.Experience) > 0 {
		l.JobTitle = cmp.Or(l.JobTitle, l.Experience[0].Title)
		l.Company = cmp.Or(l.Company, l.Experience[0].Company)
	} else if l.JobTitle != "" || l.Company != "" {
		l.Experience = []leadrun.Job{{Title: l.JobTitle, Company: l.Company}}
	}
	if l.ProfileURL == "" {
		return nil, invalidf("profile_url is required")
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return l, nil
}

// leadFromJSON decodes one JSON item: leadrun's format strictly, else Linked Helper's. A
// non-nil check sees the object's sender first and may reject the item.
func leadFromJSON(raw json.RawMessage, clientID string, check SenderCheck) (*leadrun.Lead, error) {
	if err := checkJSONDepth(raw); err != nil {
		return nil, err
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, invalidf("item is %s, want an object", jsonKind(raw))
	}
	if err := leadrun.CheckLength("my_email", LinkedHelperSender(obj), leadrun.MaxEmailLen); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(LinkedHelperSender(obj)); err != nil {
			return nil, err
		}
	}
	if ownFormat(obj) && !lhShaped(obj) {
		var rec leadRecord
		if err := strictUnmarshal(raw, &rec); err != nil {
			return nil, err
		}
		return rec.lead(clientID)
	}
	l, err := FromLinkedHelper(obj, clientID)
	if err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if json.Compact(&compact, raw) == nil {
		l.KeepRaw(compact.Bytes()) // the original bytes keep the sender's key order
	}
	return l, nil
}

// lhShaped reports whether an object that uses leadrun's field names holds them in the
// shapes Linked Helper and the original platform send (experience as text, company as an
// object), which the forgiving Linked Helper mapping reads.
func lhShaped(obj map[string]any) bool {
	_, expText := obj["experience"].(string)
	_, companyObj := obj["company"].(map[string]any)
	return expText || companyObj
}

// ownFormat reports whether every key of obj is a leadrun lead field.
func ownFormat(obj map[string]any) bool {
	for k := range obj {
		if !leadRecordFields[k] {
			return false
		}
	}
	return true
}

// strictUnmarshal decodes one item, refusing unknown fields, with a reason a person can act on.
func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return invalidf("field %q must be %s, not %s", te.Field, jsonTypeWord(te.Type), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalidf("unknown field %s: remove it or fix its spelling", name)
	}
	return invalidf("%s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names the kind of a JSON value for messages.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '[':
		return "a list"
	case '"':
		return "text"
	case 'n':
		return "null"
	case 't', 'f':
		return "true/false"
	case '{':
		return "an object"
	}
	return "a number"
}

// readJSONItems streams a JSON array of items (or one item) to fn, without holding the
// whole input in memory. what names the items in messages.
func readJSONItems(r io.Reader, what string, fn func(index int, raw json.RawMessage)) error {
	lines := &lineIndex{}
	br := bufio.NewReader(io.TeeReader(r, lines))
	first, skipped, err := peekNonSpace(br)
	if err != nil {
		return err
	}
	lines.base = skipped // decoder offsets start after the skipped white space
	dec := json.NewDecoder(br)
	dec.UseNumber()
	if first == '{' {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return streamJSONError(dec, lines, err, what)
		}
		fn(0, raw)
		return expectEOF(dec, lines, what)
	}
	if first != '[' {
		return invalidf("%s JSON must be an array of objects or one object, not %s", what, jsonKind([]byte{first}))
	}
	if _, err := dec.Token(); err != nil {
		return streamJSONError(dec, lines, err, what)
	}
	for i := 0; dec.More(); i++ {
		if i == MaxItems {
			return invalidf("%s JSON holds more than %d items: split the file", what, MaxItems)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return streamJSONError(dec, lines, err, what)
		}
		fn(i, raw)
	}
	if _, err := dec.Token(); err != nil {
		return streamJSONError(dec, lines, err, what)
	}
	return expectEOF(dec, lines, what)
}

// peekNonSpace skips white space and a byte-order mark and returns the next byte and how
// many bytes it skipped.
func peekNonSpace(br *bufio.Reader) (byte, int64, error) {
	for n := int64(0); ; n++ {
		c, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return 0, n, invalidf("input is empty: want JSON")
		}
		if err != nil {
			return 0, n, fmt.Errorf("read input: %w", err)
		}
		switch c {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF:
			continue
		}
		return c, n, br.UnreadByte()
	}
}

func expectEOF(dec *json.Decoder, lines *lineIndex, what string) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidf("%s JSON: line %d: unexpected data after the end: a file holds one array or one object",
			what, lines.line(dec.InputOffset()))
	}
	return nil
}

// streamJSONError reports a broken JSON stream with the line where the broken value or
// token starts. (encoding/json's own offsets skip what Token consumed, so they are not used.)
func streamJSONError(dec *json.Decoder, lines *lineIndex, err error, what string) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("%s JSON ends too early: check for a missing closing bracket or brace", what)
	case errors.As(err, &se):
		return invalidf("%s JSON: line %d: %s", what, lines.line(valueStart(dec)), se.Error())
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// valueStart is the offset of the next non-space byte at the decoder's position.
func valueStart(dec *json.Decoder) int64 {
	off := dec.InputOffset()
	rest, _ := io.ReadAll(dec.Buffered())
	return off + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n,")))
}

// lineIndex records where lines start in a stream, so offsets convert to line numbers
// without keeping the stream.
type lineIndex struct {
	base   int64 // added to offsets given to line
	n      int64
	breaks []int64 // offsets of '\n'
}

func (li *lineIndex) Write(p []byte) (int, error) {
	for i, c := range p {
		if c == '\n' {
			li.breaks = append(li.breaks, li.n+int64(i))
		}
	}
	li.n += int64(len(p))
	return len(p), nil
}

// line returns the 1-based line of a byte offset.
func (li *lineIndex) line(offset int64) int {
	offset += li.base
	lo, hi := 0, len(li.breaks)
	for lo < hi {
		mid := (lo + hi) / 2
		if li.breaks[mid] < offset {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo + 1
}
