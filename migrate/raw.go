package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// mappingVersion is part of every fingerprint: change it when the mapping changes, so the
// next import rewrites leads that would now map differently.
const mappingVersion = "original-v1"

// encodeRecord writes a record as a JSON object with sorted keys. Text-only records (CSV
// rows) take a fast path; others go through encoding/json.
func encodeRecord(r Record) []byte {
	keys := make([]string, 0, len(r))
	size := 2
	for k, v := range r {
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(r) // sorted keys too; a Record of JSON values always marshals
			return b
		}
		keys = append(keys, k)
		size += len(k) + len(s) + 6
	}
	sort.Strings(keys)
	buf := make([]byte, 0, size)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		buf = appendJSONString(buf, r[k].(string))
	}
	return append(buf, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(buf []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		buf = append(buf, s[start:i]...)
		switch c {
		case '"', '\\':
			buf = append(buf, '\\', c)
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// fingerprint identifies what an import stores of a lead: the mapping is a function of
// the client and the record, so their hash (with the mapping's version) is enough.
func fingerprint(clientID string, raw []byte) string {
	h := sha256.New()
	h.Write([]byte(mappingVersion + "\x00" + clientID + "\x00"))
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// keyCache remembers normalized field names: a table repeats the same few dozen.
var keyCache struct {
	sync.RWMutex
	m map[string]string
}

func cachedFieldKey(name string) string {
	keyCache.RLock()
	k, ok := keyCache.m[name]
	keyCache.RUnlock()
	if ok {
		return k
	}
	k = fieldKey(name)
	keyCache.Lock()
	if keyCache.m == nil || len(keyCache.m) > 10000 {
		keyCache.m = map[string]string{}
	}
	keyCache.m[name] = k
	keyCache.Unlock()
	return k
}
