package ingest

import (
	"regexp"
	"strings"

	"github.com/leadrun/leadrun"
)

// jobLabel is a leading "Current:", "Previous:", "Past:" or a bullet on a Job History line.
var jobLabel = regexp.MustCompile(`(?i)^(?:[-•*·]\s*)?(?:current(?:ly)?|previous(?:ly)?|past|former)?\s*(?:role|position|job)?\s*[:\-–—]?\s*`)

// ParseJobHistory reads the original platform's plain-text Job History ("Director at Acme
// (2021 – Present)", one job per line or separated by ";" or " | ") into jobs. It never
// fails: text it cannot split becomes the title of one job, so no lead is ever rejected
// for its job history. A JSON list of jobs is read as such.
func ParseJobHistory(s string) []leadrun.Job {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
		if jobs, err := parseJobsJSON(s); err == nil {
			return jobs
		}
	}
	var jobs []leadrun.Job
	for _, line := range splitJobLines(s) {
		if j := parseJobLine(line); j != (leadrun.Job{}) {
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// jobLineBreaks are what separates jobs in a Job History cell.
var jobLineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", ";", "\n", " | ", "\n")

func splitJobLines(s string) []string {
	return strings.Split(jobLineBreaks.Replace(s), "\n")
}

// parseJobLine reads one "Title at Company (start – end)" line.
func parseJobLine(line string) leadrun.Job {
	line = strings.TrimSpace(line)
	if line == "" {
		return leadrun.Job{}
	}
	if strings.Contains(line, ":") || strings.ContainsAny(line[:min(len(line), 3)], "-•*·") {
		if rest := strings.TrimSpace(jobLabel.ReplaceAllString(line, "")); rest != "" {
			line = rest
		}
	}
	var j leadrun.Job
	line, j.Start, j.End = cutDateRange(line)
	if i := strings.LastIndex(line, " at "); i > 0 {
		j.Title, j.Company = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+4:])
	} else if i := strings.LastIndex(line, " @ "); i > 0 {
		j.Title, j.Company = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+3:])
	} else {
		j.Title = line
	}
	return j
}

// rangeSeparators split the start from the end of a "(2021 – Present)" date range.
var rangeSeparators = []string{" – ", " - ", " — ", "–", "—", " to ", "-"}

// cutDateRange removes a trailing "(start – end)" from a Job History line.
func cutDateRange(line string) (rest, start, end string) {
	if !strings.HasSuffix(line, ")") {
		return line, "", ""
	}
	open := strings.LastIndexByte(line, '(')
	if open < 0 {
		return line, "", ""
	}
	inner := line[open+1 : len(line)-1]
	if !strings.ContainsAny(inner, "0123456789") { // "(Part-time)" is no date range
		return line, "", ""
	}
	for _, sep := range rangeSeparators {
		if a, b, ok := strings.Cut(inner, sep); ok {
			return strings.TrimSpace(line[:open]), strings.TrimSpace(a), strings.TrimSpace(b)
		}
	}
	return line, "", ""
}
