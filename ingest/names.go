package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// credentials are suffixes people add to their LinkedIn names ("Smith, GAICD", "Lee CFO").
var credentials = map[string]bool{
	"gaicd": true, "maicd": true, "faicd": true, "mba": true, "emba": true, "phd": true,
	"ceo": true, "cfo": true, "coo": true, "cto": true, "cmo": true, "cpa": true, "fcpa": true,
	"ca": true, "fca": true, "cfa": true, "cfp": true, "pmp": true, "acc": true, "pcc": true,
	"mcc": true, "cmgr": true, "llb": true, "msc": true, "bsc": true, "hons": true,
	"frsa": true, "mcipd": true, "cpeng": true, "fcphr": true, "cphr": true, "cahri": true,
	"faim": true, "maiph": true, "jp": true, "oam": true, "am": true, "ao": true, "pgcert": true,
}

// honorifics are titles before a name ("Dr. Anand …"); they are not the first name.
var honorifics = map[string]bool{"dr": true, "mr": true, "mrs": true, "ms": true, "miss": true,
	"prof": true, "professor": true, "sir": true, "dame": true}

// CleanName strips what LinkedIn users append to a name: anything after a comma
// ("Smith, GAICD"), trailing parentheses ("(she/her)"), separators and credential
// suffixes ("Lee CFO", "Brown MBA PhD"). It never removes the first word.
func CleanName(name string) string {
	name = strings.TrimSpace(name)
	if before, _, ok := strings.Cut(name, ","); ok && strings.TrimSpace(before) != "" {
		name = before
	}
	words := strings.Fields(name)
	for len(words) > 1 {
		last := words[len(words)-1]
		if strings.HasSuffix(last, ")") {
			words = dropParenthesised(words)
			continue
		}
		if !junkSuffix(last) {
			break
		}
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// dropParenthesised removes the trailing "( … )" group from words, keeping the first
// word; a stray ")" without its "(" is trimmed.
func dropParenthesised(words []string) []string {
	for i := len(words) - 1; i > 0; i-- {
		if strings.HasPrefix(words[i], "(") {
			return words[:i]
		}
	}
	words[len(words)-1] = strings.TrimRight(words[len(words)-1], ")")
	return words
}

// junkSuffix reports whether a trailing word of a name is not part of it: a credential
// ("CFO", "GAICD") or decoration that does not start with a letter ("-Δ", "|", "🚀").
func junkSuffix(word string) bool {
	token := strings.ToLower(strings.Trim(word, ".|-–—•"))
	if token == "" || credentials[strings.ReplaceAll(token, ".", "")] {
		return true
	}
	r, _ := utf8.DecodeRuneInString(word)
	return !unicode.IsLetter(r)
}

// stripHonorific removes a leading title ("Dr.", "Prof") when a name follows it.
func stripHonorific(name string) string {
	words := strings.Fields(name)
	if len(words) > 1 && honorifics[strings.ToLower(strings.TrimSuffix(words[0], "."))] {
		return strings.Join(words[1:], " ")
	}
	return strings.Join(words, " ")
}

// RepairNames cleans a first and last name as the original platform did: titles,
// credentials and decorations are stripped, and a broken last name (empty, or nothing
// but a credential or decoration: "CFO", "-Δ", "GAICD, FCPHR") is recovered from the
// display name (full), or from a first name that holds both names.
func RepairNames(first, last, full string) (string, string) {
	f, l := CleanName(stripHonorific(first)), CleanName(last)
	if l != "" && !strings.Contains(l, " ") && junkSuffix(l) {
		l = ""
	}
	if l != "" {
		return f, l
	}
	whole := CleanName(stripHonorific(full))
	if whole == "" || whole == f {
		whole = f // "Bree Taylor" + "CFO": the first name holds both
		f = ""
	}
	if f != "" {
		if rest, ok := strings.CutPrefix(whole, f+" "); ok {
			return f, strings.TrimSpace(rest)
		}
	}
	words := strings.Fields(whole)
	switch {
	case len(words) == 0:
		return f, ""
	case len(words) == 1:
		return cmpOr(f, words[0]), ""
	}
	if f == "" || f == words[0] {
		return words[0], strings.Join(words[1:], " ")
	}
	return f, words[len(words)-1]
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
