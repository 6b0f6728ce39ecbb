package sqldb

import (
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// decodeExperience decodes a lead's stored experience, a JSON array of jobs. Every chunk
// of a run reads it for each lead, and encoding/json's reflection was a third of the
// cost of that read: the usual form (objects of the known string fields) is parsed here,
// and anything else by encoding/json, so the result is always the same.
func decodeExperience(s string) ([]leadrun.Job, error) {
	if jobs, ok := parseJobs(s); ok {
		return jobs, nil
	}
	var jobs []leadrun.Job
	err := json.Unmarshal([]byte(s), &jobs)
	return jobs, err
}

// parseJobs parses the usual form of a stored experience; ok is false for anything
// else (unknown or differently cased keys, other types, control characters, invalid
// UTF-8 or escapes).
func parseJobs(s string) (jobs []leadrun.Job, ok bool) {
	p := jobParser{s: s}
	if !p.eat('[') {
		return nil, false
	}
	jobs = make([]leadrun.Job, 0, leadrun.ExperienceShownToScorer+1)
	if p.eat(']') {
		return jobs, p.end()
	}
	for {
		j, ok := p.job()
		if !ok {
			return nil, false
		}
		jobs = append(jobs, j)
		switch {
		case p.eat(','):
		case p.eat(']'):
			return jobs, p.end()
		default:
			return nil, false
		}
	}
}

type jobParser struct {
	s string
	i int
}

func (p *jobParser) job() (j leadrun.Job, ok bool) {
	if !p.eat('{') {
		return j, false
	}
	if p.eat('}') {
		return j, true
	}
	for {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return j, false
		}
		val, ok := p.str()
		if !ok {
			return j, false
		}
		switch key {
		case "title":
			j.Title = val
		case "company":
			j.Company = val
		case "start":
			j.Start = val
		case "end":
			j.End = val
		case "description":
			j.Description = val
		default:
			return j, false
		}
		switch {
		case p.eat(','):
		case p.eat('}'):
			return j, true
		default:
			return j, false
		}
	}
}

// eat skips JSON whitespace and consumes c if it comes next.
func (p *jobParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jobParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// str reads a string. Escapes are decoded as encoding/json decodes them; control
// characters and invalid UTF-8 are left to encoding/json.
func (p *jobParser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start, escaped := p.i, false
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			if !utf8.ValidString(v) {
				return "", false
			}
			if escaped {
				return unescape(v)
			}
			return v, true
		case c == '\\':
			escaped = true
			p.i++ // the escaped character cannot end the string
		case c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// unescape decodes the escapes of a JSON string's contents as encoding/json does
// (a lone or invalid surrogate becomes U+FFFD).
func unescape(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
				}
				r = unicode.ReplacementChar
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return "", false
		}
		i += 2
	}
	return string(b), true
}

// hex4 reads the four hex digits of a \u escape at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// end reports whether only whitespace is left.
func (p *jobParser) end() bool {
	p.space()
	return p.i == len(p.s)
}
