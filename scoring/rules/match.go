package rules

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// keyword is one compiled signal: lower-cased text and the group (attribute or post
// criterion) it belongs to.
type keyword struct {
	text  string
	short bool // 3 bytes or fewer: must end a word ("ai" must not match "aim")
}

// group is a contiguous range of keywords, in the order the rubric lists them.
type group struct{ lo, hi int }

func (g group) size() int { return g.hi - g.lo }

// matcher finds keywords at word starts in one pass over a text. Keywords are bucketed by
// their first byte, so each word start costs a table lookup and a few byte compares; there
// are no regexes and no allocations on the scanning path.
//
// Matching is case-insensitive: ASCII through a fold table, other scripts by lower-casing
// the (rare) fields that hold non-ASCII bytes. A keyword must start a word; keywords longer
// than 3 bytes may run on into a longer word ("coach" matches "coaching"), shorter ones
// must end one, optionally with a plural "s" ("cto" matches "CTOs" but not "ctox").
type matcher struct {
	kws     []keyword   // in rubric order; hits are indexed like kws
	buckets []entry     // the keywords again, sorted by first byte
	start   [257]uint16 // buckets[start[b]:start[b+1]] start with byte b
	// pairs holds a bit for the first two bytes of every keyword (any second byte for a
	// one-byte keyword), so most word starts are rejected with one bit test.
	pairs *[1 << 16 / 64]uint64
}

// entry is a keyword in its first-byte bucket.
type entry struct {
	keyword
	idx int32 // index in kws and hits
}

// add appends the usable signals of one group and returns its range.
func (m *matcher) add(signals []string) group {
	g := group{lo: len(m.kws)}
	for _, s := range signals {
		t := strings.ToLower(strings.TrimSpace(s))
		if t == "" || len(m.kws) == maxKeywords {
			continue
		}
		m.kws = append(m.kws, keyword{text: t, short: len(t) <= 3})
	}
	g.hi = len(m.kws)
	return g
}

// maxKeywords bounds a rubric's signals so bucket offsets fit in 16 bits.
const maxKeywords = 1<<16 - 1

// index builds the first-byte buckets; call it once after the last add.
func (m *matcher) index() {
	var count [256]uint16
	for _, k := range m.kws {
		count[k.text[0]]++
	}
	for b := 0; b < 256; b++ {
		m.start[b+1] = m.start[b] + count[b]
	}
	next := m.start
	m.buckets = make([]entry, len(m.kws))
	m.pairs = new([1 << 16 / 64]uint64)
	for i, k := range m.kws {
		b := k.text[0]
		m.buckets[next[b]] = entry{keyword: k, idx: int32(i)}
		next[b]++
		if len(k.text) == 1 {
			for c := 0; c < 256; c++ {
				m.setPair(b, byte(c))
			}
		} else {
			m.setPair(b, k.text[1])
		}
	}
}

func (m *matcher) setPair(a, b byte) {
	p := uint16(a)<<8 | uint16(b)
	m.pairs[p>>6] |= 1 << (p & 63)
}

// maybe reports whether a keyword may start at s[i]: whether its first two bytes (or the
// first and the end of the text) begin a keyword.
func (m *matcher) maybe(s string, i int, c byte) bool {
	var next byte
	if i+1 < len(s) {
		next = lowerTable[s[i+1]]
	}
	p := uint16(c)<<8 | uint16(next)
	return m.pairs[p>>6]&(1<<(p&63)) != 0
}

// scan records in hits (one per keyword) the label of the first field each keyword is
// found in. A keyword already found keeps its first label, so fields are scanned in the
// order the reasons should name them.
func (m *matcher) scan(s string, label uint8, hits []uint8) {
	if len(m.kws) == 0 {
		return
	}
	s = fold(s)
	for i := 0; i < len(s); {
		c := lowerTable[s[i]]
		if m.maybe(s, i, c) {
			m.try(s, i, m.buckets[m.start[c]:m.start[int(c)+1]], label, hits)
		}
		i++
		if wordTable[c] { // skip the rest of the word: keywords start words
			for i < len(s) && wordTable[s[i]] {
				i++
			}
		}
	}
}

// try checks the keywords of one bucket at s[i].
func (m *matcher) try(s string, i int, bucket []entry, label uint8, hits []uint8) {
	for j := range bucket {
		e := &bucket[j]
		if hits[e.idx] != 0 || len(s)-i < len(e.text) {
			continue
		}
		if len(e.text) > 1 && lowerTable[s[i+1]] != e.text[1] {
			continue
		}
		if e.at(s, i) {
			hits[e.idx] = label
		}
	}
}

// at reports whether the keyword occurs in s at i; s[i] already matches its first byte.
func (k *keyword) at(s string, i int) bool {
	t := k.text
	if len(s)-i < len(t) {
		return false
	}
	// Most text after a word's first letter is already lower case: compare it directly.
	if s[i+1:i+len(t)] != t[1:] {
		for j := 1; j < len(t); j++ {
			if lowerTable[s[i+j]] != t[j] {
				return false
			}
		}
	}
	end := i + len(t)
	if !k.short || end == len(s) || !wordTable[s[end]] {
		return true
	}
	// A short keyword may carry a plural "s" and nothing more.
	return lowerTable[s[end]] == 's' && (end+1 == len(s) || !wordTable[s[end+1]])
}

// fold returns s lower-cased when it holds non-ASCII bytes (so "É" meets "é"); ASCII text
// is returned as it is and folded byte by byte while scanning, without allocating.
func fold(s string) string {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64([]byte(s[i:i+8]))&0x8080808080808080 != 0 {
			return strings.ToLower(s)
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
	}
	return s
}

// lowerTable folds ASCII upper case; wordTable marks bytes that belong to a word (ASCII
// letters of either case and digits, and every byte of a multi-byte UTF-8 character).
var lowerTable, wordTable = func() (lower [256]byte, word [256]bool) {
	for i := 0; i < 256; i++ {
		b := byte(i)
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		lower[i] = b
		word[i] = ('a' <= b && b <= 'z') || ('0' <= b && b <= '9') || b >= utf8.RuneSelf
	}
	return lower, word
}()
