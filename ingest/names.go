package ingest

import "strings"

// credentials are suffixes people add to their LinkedIn names ("Smith, GAICD", "Lee CFO").
var credentials = map[string]bool{
	"gaicd": true, "maicd": true, "faicd": true, "mba": true, "emba": true, "phd": true,
	"ceo": true, "cfo": true, "coo": true, "cto": true, "cmo": true, "cpa": true, "fcpa": true,
	"ca": true, "fca": true, "cfa": true, "cfp": true, "pmp": true, "acc": true, "pcc": true,
	"mcc": true, "cmgr": true, "llb": true, "msc": true, "bsc": true, "hons": true,
	"frsa": true, "mcipd": true, "cpeng": true,
}

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
		token := strings.ToLower(strings.Trim(last, ".|-–—•"))
		if token != "" && !credentials[strings.ReplaceAll(token, ".", "")] {
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
