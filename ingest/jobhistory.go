package ingest

import (
	"regexp"
	"strings"

	"github.com/leadrun/leadrun"
)

// jobRange is a trailing "(2021 – Present)" / "(Jan 2019 - Mar 2021)" on a Job History line;
// any dash (-, –, —) or "to" separates start from end.
var jobRange = regexp.MustCompile(`\(\s*([^()]*?)\s*(?:[-–—]|\bto\b)\s*([^()]*?)\s*\)\s*$`)

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

func splitJobLines(s string) []string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", ";", "\n", " | ", "\n").Replace(s)
	return strings.Split(s, "\n")
}

// parseJobLine reads one "Title at Company (start – end)" line.
func parseJobLine(line string) leadrun.Job {
	line = strings.TrimSpace(line)
	if line == "" {
		return leadrun.Job{}
	}
	if strings.ContainsAny(line[:min(len(line), 24)], ":-•*·–—") {
		if rest := strings.TrimSpace(jobLabel.ReplaceAllString(line, "")); rest != "" {
			line = rest
		}
	}
	var j leadrun.Job
	if strings.HasSuffix(line, ")") { // only then can it end with a date range
		if m := jobRange.FindStringSubmatchIndex(line); m != nil {
			j.Start, j.End = line[m[2]:m[3]], line[m[4]:m[5]]
			line = strings.TrimSpace(line[:m[0]])
		}
	}
	if i := strings.LastIndex(line, " at "); i > 0 {
		j.Title, j.Company = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+4:])
	} else if i := strings.LastIndex(line, " @ "); i > 0 {
		j.Title, j.Company = strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+3:])
	} else {
		j.Title = line
	}
	return j
}
