package ingest

import (
	"encoding/json"
	"strings"
	"time"
)

// salesNavigatorBase is where Linked Helper's sn_hash_id points.
const salesNavigatorBase = "https://www.linkedin.com/sales/lead/"

// expandJSONStrings returns obj with top-level text values that hold a JSON object or
// list (Linked Helper sometimes sends "company": "{\"name\": …}" or phoneNumbers as a
// JSON string) replaced by what they hold. obj itself is not changed.
func expandJSONStrings(obj map[string]any) map[string]any {
	var out map[string]any
	for k, v := range obj {
		s, ok := v.(string)
		if t := strings.TrimSpace(s); !ok || t == "" || (t[0] != '{' && t[0] != '[') {
			continue
		}
		var decoded any
		if json.Unmarshal([]byte(strings.TrimSpace(s)), &decoded) != nil {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(obj))
			for k2, v2 := range obj {
				out[k2] = v2
			}
		}
		out[k] = decoded
	}
	if out == nil {
		return obj
	}
	return out
}

// lhSalesNavigator builds the Sales Navigator link from sn_hash_id (the part before any
// comma), as the original did, or takes a link given whole.
func lhSalesNavigator(obj map[string]any) string {
	if u := first(obj, "sales_navigator_url", "salesNavigatorUrl", "View In Sales Navigator"); u != "" {
		return u
	}
	id, _, _ := strings.Cut(first(obj, "sn_hash_id"), ",")
	if id = strings.TrimSpace(id); id != "" {
		return salesNavigatorBase + id
	}
	return ""
}

// lhConnectedAt is when the person connected: connected_at, else (for a first-degree
// connection imported in bulk) the invitation date.
func lhConnectedAt(obj map[string]any, connection string) *time.Time {
	if t := ParseDate(first(obj, "connected_at", "connectedAt", "Date Connected")); t != nil {
		return t
	}
	if connection == "connected" {
		return ParseDate(first(obj, "invited_date_iso", "invited_date"))
	}
	return nil
}

// lhMessages collects the messages an item carries (message, messages, last_message,
// note): text, or a list of texts or of objects with a text, body or message.
func lhMessages(obj map[string]any) []string {
	var out []string
	for _, key := range []string{"message", "messages", "last_message", "lastMessage", "note", "notes"} {
		switch v := obj[key].(type) {
		case []any:
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					out = appendText(out, first(m, "text", "body", "message", "content"))
				} else {
					out = appendText(out, scalar(item))
				}
			}
		case map[string]any:
			out = appendText(out, first(v, "text", "body", "message", "content"))
		default:
			out = appendText(out, scalar(v))
		}
	}
	return out
}

func appendText(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, have := range list {
		if have == s {
			return list
		}
	}
	return append(list, s)
}
