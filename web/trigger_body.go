package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// triggerFields are the fields a trigger body may carry, in the order errors list them.
var triggerFields = []string{"stream", "leadScoringLimit", "postScoringLimit", "clientFilter", "clientId"}

// UnmarshalJSON reads a trigger body as the original platform's cron scripts and test
// calls send it: stream and the limits as numbers or numeric strings, clientFilter as an
// array of client IDs or one string (comma-separated IDs allowed), and clientId as a
// one-client filter. Every other field, type or value is a precise error, so a typo never
// starts a run that does something else than asked.
func (b *triggerBody) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	if fields == nil {
		return fmt.Errorf("the body must be a JSON object")
	}
	for name := range fields {
		if !slices.Contains(triggerFields, name) {
			return fmt.Errorf("json: unknown field %q (known: %s)", name, strings.Join(triggerFields, ", "))
		}
	}
	*b = triggerBody{}
	if raw, ok := fields["stream"]; ok && !isNull(raw) {
		n, err := flexInt("stream", raw)
		if err != nil {
			return err
		}
		b.Stream = &n
	}
	var err error
	if b.LeadScoringLimit, err = optionalInt("leadScoringLimit", fields); err != nil {
		return err
	}
	if b.PostScoringLimit, err = optionalInt("postScoringLimit", fields); err != nil {
		return err
	}
	if b.ClientFilter, err = clientList("clientFilter", fields["clientFilter"], true); err != nil {
		return err
	}
	ids, err := clientList("clientId", fields["clientId"], false)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(b.ClientFilter, id) {
			b.ClientFilter = append(b.ClientFilter, id)
		}
	}
	return nil
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" }

func optionalInt(name string, fields map[string]json.RawMessage) (int, error) {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		return 0, nil
	}
	return flexInt(name, raw)
}

// flexInt reads a whole number sent as a JSON number (1) or a numeric string ("1").
func flexInt(name string, raw json.RawMessage) (int, error) {
	text := string(bytes.TrimSpace(raw))
	if s, err := strconv.Unquote(text); err == nil && strings.HasPrefix(text, `"`) {
		text = strings.TrimSpace(s)
	} else if strings.HasPrefix(text, `"`) {
		return 0, fmt.Errorf("%s must be a whole number or a numeric string, got %s", name, raw)
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("%s must be a whole number or a numeric string, got %s", name, raw)
	}
	return n, nil
}

// clientList reads client IDs sent as one string or (when lists are allowed) an array of
// strings. A string may hold several IDs separated by commas; blanks are dropped.
func clientList(name string, raw json.RawMessage, lists bool) ([]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		var out []string
		for _, id := range strings.Split(one, ",") {
			if id = strings.TrimSpace(id); id != "" {
				out = append(out, id)
			}
		}
		return out, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || !lists {
		if lists {
			return nil, fmt.Errorf("%s must be a client ID or an array of client IDs, got %s", name, raw)
		}
		return nil, fmt.Errorf("%s must be one client ID (a string), got %s", name, raw)
	}
	return many, nil
}
