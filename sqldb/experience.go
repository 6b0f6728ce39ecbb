package sqldb

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/leadrun/leadrun"
)

// decodeExperience decodes a lead's stored experience, a JSON array of jobs. Every chunk
// of a run reads it for each lead, and encoding/json's reflection was a third of the
// cost of that read: the usual form (objects of the known string fields, no escapes) is
// parsed here, and anything else by encoding/json, so the result is always the same.
func decodeExperience(s string) ([]leadrun.Job, error) {
	if jobs, ok := parseJobs(s); ok {
		return jobs, nil
	}
	var jobs []leadrun.Job
	err := json.Unmarshal([]byte(s), &jobs)
	return jobs, err
}

// parseJobs parses the usual form of a stored experience; ok is false for anything
// else (escapes, unknown or differently cased keys, other types, invalid UTF-8).
func parseJobs(s string) (jobs []leadrun.Job, ok bool) {
	p := jobParser{s: s}
	if !p.eat('[') {
		return nil, false
	}
	jobs = make([]leadrun.Job, 0, 4)
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

// str reads a string without escapes or control characters.
func (p *jobParser) str() (string, bool) {
	if !p.eat('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", false
		}
		p.i++
	}
	return "", false
}

// end reports whether only whitespace is left.
func (p *jobParser) end() bool {
	p.space()
	return p.i == len(p.s)
}
