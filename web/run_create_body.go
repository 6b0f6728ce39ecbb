package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/leadrun/leadrun"
)

// runCreateFields are the fields of POST /api/v1/runs: snake_case like every response,
// then the original camelCase names, still accepted (clientId is a one-client filter).
var runCreateFields = []string{"stream", "lead_scoring_limit", "post_scoring_limit", "client_filter",
	"leadScoringLimit", "postScoringLimit", "clientFilter", "clientId"}

// runCreateBody is the body of POST /api/v1/runs, read with the webhook's leniency
// (numbers or numeric strings; a client filter as an array or a comma-separated string).
// Giving both spellings of one field with different values is refused, naming it.
type runCreateBody struct {
	fields map[string]json.RawMessage
}

// UnmarshalJSON keeps the fields of a JSON object, refusing unknown ones.
func (b *runCreateBody) UnmarshalJSON(data []byte) error {
	if err := json.Unmarshal(data, &b.fields); err != nil || b.fields == nil {
		return fmt.Errorf("the body must be a JSON object")
	}
	for name := range b.fields {
		if !slices.Contains(runCreateFields, name) {
			return fmt.Errorf("json: unknown field %q (known: %s)", name, strings.Join(runCreateFields, ", "))
		}
	}
	// Values of the wrong shape are malformed, as on the webhook; only the agreement of
	// two spellings is left to triggerBody.
	for _, name := range []string{"stream", "lead_scoring_limit", "post_scoring_limit", "leadScoringLimit", "postScoringLimit"} {
		if _, err := optionalInt(name, b.fields); err != nil {
			return err
		}
	}
	for _, name := range []string{"client_filter", "clientFilter", "clientId"} {
		if _, err := clientList(name, b.fields[name], name != "clientId"); err != nil {
			return err
		}
	}
	return nil
}

// triggerBody resolves the two spellings into the webhook's body.
func (b runCreateBody) triggerBody() (triggerBody, error) {
	var out triggerBody
	if raw, ok := b.fields["stream"]; ok && !isNull(raw) {
		n, err := flexInt("stream", raw)
		if err != nil {
			return out, leadrun.Errorf(leadrun.EINVALID, "%s", err.Error())
		}
		out.Stream = &n
	}
	var err error
	if out.LeadScoringLimit, err = b.oneInt("lead_scoring_limit", "leadScoringLimit"); err != nil {
		return out, err
	}
	if out.PostScoringLimit, err = b.oneInt("post_scoring_limit", "postScoringLimit"); err != nil {
		return out, err
	}
	snake, err1 := clientList("client_filter", b.fields["client_filter"], true)
	camel, err2 := clientList("clientFilter", b.fields["clientFilter"], true)
	one, err3 := clientList("clientId", b.fields["clientId"], false)
	if err := firstErr(err1, err2, err3); err != nil {
		return out, leadrun.Errorf(leadrun.EINVALID, "%s", err.Error())
	}
	if b.given("client_filter") && b.given("clientFilter") && !slices.Equal(snake, camel) {
		return out, leadrun.Errorf(leadrun.EINVALID, "client_filter and clientFilter (its old spelling) disagree: send one of them")
	}
	out.ClientFilter = snake
	if !b.given("client_filter") {
		out.ClientFilter = camel
	}
	for _, id := range one {
		if !slices.Contains(out.ClientFilter, id) {
			out.ClientFilter = append(out.ClientFilter, id)
		}
	}
	return out, nil
}

func (b runCreateBody) given(name string) bool {
	raw, ok := b.fields[name]
	return ok && !isNull(raw)
}

// oneInt reads a whole number given in its snake_case or camelCase spelling (or both,
// when they agree).
func (b runCreateBody) oneInt(snakeName, camelName string) (int, error) {
	var vals [2]int
	for i, name := range []string{snakeName, camelName} {
		n, err := optionalInt(name, b.fields)
		if err != nil {
			return 0, leadrun.Errorf(leadrun.EINVALID, "%s", err.Error())
		}
		vals[i] = n
	}
	if b.given(snakeName) && b.given(camelName) && vals[0] != vals[1] {
		return 0, leadrun.Errorf(leadrun.EINVALID, "%s (%d) and %s (%d), its old spelling, disagree: send one of them",
			snakeName, vals[0], camelName, vals[1])
	}
	if b.given(snakeName) {
		return vals[0], nil
	}
	return vals[1], nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
