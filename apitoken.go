package leadrun

import "time"

// APIToken is a named bearer token of the JSON API. The token itself is shown once when
// it is made and stored only as its SHA-256; what it does is recorded as "api:NAME".
type APIToken struct {
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"` // nil until first used
}

// AdminTokenName is the name LEADRUN_ADMIN_TOKEN acts under ("api:admin"); no named token
// may take it.
const AdminTokenName = "admin"

// MaxTokenNameLen bounds an API token's name.
const MaxTokenNameLen = 64

// ValidateTokenName checks an API token's name: 1–64 characters from a-z, 0-9, '.', '_'
// and '-', and not "admin".
func ValidateTokenName(name string) error {
	if name == "" || len(name) > MaxTokenNameLen {
		return Errorf(EINVALID, "a token name has 1 to %d characters, got %d", MaxTokenNameLen, len(name))
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return Errorf(EINVALID, "token name %q: use only a-z, 0-9, '.', '_' and '-' (e.g. zapier or ops-laptop)", Truncate(name, MaxTokenNameLen))
		}
	}
	if name == AdminTokenName {
		return Errorf(EINVALID, "token name %q is LEADRUN_ADMIN_TOKEN's: choose another", name)
	}
	return nil
}

// APIActor is who an API action is recorded for: "api:NAME".
func APIActor(tokenName string) string { return "api:" + tokenName }
