package leadrun

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on text that comes from outside (HTTP, files, Linked Helper, AI answers). Every
// string is valid UTF-8 without NUL and within its limit before any store sees it: the
// Validate methods repair what is harmless (NUL removed, invalid bytes replaced) and refuse
// what is too long, so the same input gives the same answer on SQLite and PostgreSQL.
// Lengths are in bytes of UTF-8. The README lists them.
const (
	MaxNameLen        = 200       // client name, first and last name, original author
	MaxShortTextLen   = 1_000     // headline, job title, company, location, heading, post criterion name
	MaxEmailLen       = 254       // email, lh_sender_email, Linked Helper my_email (RFC 5321)
	MaxPhoneLen       = 64        // phone
	MaxURLLen         = 2_048     // profile URL, post URL
	MaxAboutLen       = 20 << 10  // about, a job's description
	MaxDateLen        = 64        // a job's start and end
	MaxJobs           = 100       // jobs in a lead's experience
	MaxRawLen         = 256 << 10 // the original object kept with a lead (dropped beyond, with a note)
	MaxPostContentLen = 50 << 10  // post content
	MaxRubricTextLen  = 20 << 10  // rubric and post rubric preamble
	MaxInstructionLen = 4 << 10   // attribute and criterion instructions, examples
	MaxSignals        = 50        // signals or keywords of one attribute or criterion
	MaxSignalLen      = 200       // one signal or keyword
	MaxAttributes     = 100       // attributes of a rubric, criteria of a post rubric
	MaxPoints         = 1_000     // |max_points|, |penalty|, |max_score| of a rubric
	MaxReasonLen      = 4 << 10   // an AI answer's reason per attribute, summary, exclusion details
	MaxClientFilter   = 1_000     // clients named in one run's client filter
)

// cleanField repairs *s in place (CleanText) and checks its length. A repair is noted in
// notes as "field: …"; a value over max is an EINVALID error naming the field.
func cleanField(notes *[]string, field string, s *string, max int) error {
	if v, changed := CleanText(*s); changed {
		*s = v
		*notes = append(*notes, field+": NUL bytes removed or invalid UTF-8 replaced")
	}
	return checkLen(field, *s, max)
}

// CheckLength refuses text longer than max bytes with an EINVALID error naming the field,
// its length and the limit.
func CheckLength(field, s string, max int) error { return checkLen(field, s, max) }

// checkLen refuses text longer than max bytes, saying by how much.
func checkLen(field, s string, max int) error {
	if len(s) > max {
		return Errorf(EINVALID, "%s is %s bytes long, over the limit of %s", field, groupDigits(len(s)), groupDigits(max))
	}
	return nil
}

// checkText refuses text that is not valid UTF-8, holds a NUL byte or is longer than max:
// for values typed by an administrator, which are refused rather than repaired.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return Errorf(EINVALID, "%s must be valid UTF-8 text without NUL bytes", field)
	}
	return checkLen(field, s, max)
}

// groupDigits writes n with thousands separators (52,428,800), for limit messages.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cleanText repairs and bounds every text field of a lead (see the limits above) and
// records the repairs in l.Repairs.
func (l *Lead) cleanText() error {
	fields := []struct {
		name string
		v    *string
		max  int
	}{
		{"profile_url", &l.ProfileURL, MaxURLLen}, {"first_name", &l.FirstName, MaxNameLen},
		{"last_name", &l.LastName, MaxNameLen}, {"headline", &l.Headline, MaxShortTextLen},
		{"job_title", &l.JobTitle, MaxShortTextLen}, {"company", &l.Company, MaxShortTextLen},
		{"about", &l.About, MaxAboutLen}, {"location", &l.Location, MaxShortTextLen},
		{"email", &l.Email, MaxEmailLen}, {"phone", &l.Phone, MaxPhoneLen},
		{"connection_status", &l.ConnectionStatus, MaxNameLen},
	}
	for _, f := range fields {
		if err := cleanField(&l.Repairs, f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if len(l.Experience) > MaxJobs {
		return Errorf(EINVALID, "experience holds %d jobs, over the limit of %d", len(l.Experience), MaxJobs)
	}
	for i := range l.Experience {
		if err := l.Experience[i].cleanText(&l.Repairs, fmt.Sprintf("experience[%d].", i)); err != nil {
			return err
		}
	}
	l.cleanRaw()
	return nil
}

func (j *Job) cleanText(notes *[]string, prefix string) error {
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"title", &j.Title, MaxShortTextLen}, {"company", &j.Company, MaxShortTextLen},
		{"start", &j.Start, MaxDateLen}, {"end", &j.End, MaxDateLen},
		{"description", &j.Description, MaxAboutLen},
	} {
		if err := cleanField(notes, prefix+f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return nil
}

// KeepRaw sets the original object kept with the lead, bounded like Validate bounds it.
func (l *Lead) KeepRaw(raw []byte) {
	l.Raw = raw
	l.cleanRaw()
}

// cleanRaw keeps the original object only as valid UTF-8 and within MaxRawLen: it is a
// reference copy, so dropping an oversized one loses no lead field.
func (l *Lead) cleanRaw() {
	if len(l.Raw) > MaxRawLen {
		l.Raw = nil
		l.Repairs = append(l.Repairs, fmt.Sprintf("raw: the original object is over %s bytes and was not kept", groupDigits(MaxRawLen)))
		return
	}
	if !utf8.Valid(l.Raw) {
		l.Raw = []byte(strings.ToValidUTF8(string(l.Raw), "\uFFFD"))
		l.Repairs = append(l.Repairs, "raw: invalid UTF-8 replaced")
	}
}

// CleanText repairs and bounds a post's text fields (limits above) and returns what it
// repaired; text over its limit is an EINVALID error naming the field.
func (p *Post) CleanText() (repairs []string, err error) {
	notes := &repairs
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"post_url", &p.PostURL, MaxURLLen}, {"content", &p.Content, MaxPostContentLen},
		{"original_author", &p.OriginalAuthor, MaxNameLen},
	} {
		if err := cleanField(notes, f.name, f.v, f.max); err != nil {
			return repairs, err
		}
	}
	return repairs, nil
}

// CleanAssessment repairs and bounds the text of a scorer's answer (summary, reasons,
// exclusion details) before it is stored: AI answers are text from outside too. Over-long
// text is cut at a character boundary, since the points are what matter.
func CleanAssessment(a *Assessment) {
	a.Summary = clip(a.Summary, MaxReasonLen)
	a.ExcludeDetails = clip(a.ExcludeDetails, MaxReasonLen)
	for id, r := range a.Reasons {
		a.Reasons[id] = clip(r, MaxReasonLen)
	}
}

// clip cleans s and cuts it to at most max bytes without splitting a character.
func clip(s string, max int) string {
	s, _ = CleanText(s)
	return Truncate(s, max)
}

// Truncate cuts s to at most max bytes without splitting a UTF-8 character, marking a cut
// with "…" (within max). For log lines and alert texts that must stay short.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const mark = "…"
	cut := max - len(mark)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
