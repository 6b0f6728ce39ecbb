package web

import (
	"slices"
	"strconv"

	"github.com/leadrun/leadrun"
)

// runCreateBody is the body of POST /api/v1/runs. Names are snake_case like every
// response; the camelCase names the original API and the cron webhook use are still
// accepted. Giving both spellings of one field with different values is refused.
type runCreateBody struct {
	Stream                *int      `json:"stream"`
	LeadScoringLimit      *int      `json:"lead_scoring_limit"`
	PostScoringLimit      *int      `json:"post_scoring_limit"`
	ClientFilter          *[]string `json:"client_filter"`
	LeadScoringLimitCamel *int      `json:"leadScoringLimit"`
	PostScoringLimitCamel *int      `json:"postScoringLimit"`
	ClientFilterCamel     *[]string `json:"clientFilter"`
}

// triggerBody resolves the two spellings into the webhook's body.
func (b runCreateBody) triggerBody() (triggerBody, error) {
	out := triggerBody{Stream: b.Stream}
	var err error
	if out.LeadScoringLimit, err = oneInt("lead_scoring_limit", "leadScoringLimit", b.LeadScoringLimit, b.LeadScoringLimitCamel); err != nil {
		return out, err
	}
	if out.PostScoringLimit, err = oneInt("post_scoring_limit", "postScoringLimit", b.PostScoringLimit, b.PostScoringLimitCamel); err != nil {
		return out, err
	}
	switch snake, camel := b.ClientFilter, b.ClientFilterCamel; {
	case snake != nil && camel != nil && !slices.Equal(*snake, *camel):
		return out, leadrun.Errorf(leadrun.EINVALID, "client_filter and clientFilter (its old spelling) disagree: send one of them")
	case snake != nil:
		out.ClientFilter = *snake
	case camel != nil:
		out.ClientFilter = *camel
	}
	return out, nil
}

// oneInt picks the value of a field that has a snake_case and a camelCase spelling.
func oneInt(snakeName, camelName string, snake, camel *int) (int, error) {
	switch {
	case snake != nil && camel != nil && *snake != *camel:
		return 0, leadrun.Errorf(leadrun.EINVALID, "%s (%s) and %s (%s), its old spelling, disagree: send one of them",
			snakeName, strconv.Itoa(*snake), camelName, strconv.Itoa(*camel))
	case snake != nil:
		return *snake, nil
	case camel != nil:
		return *camel, nil
	}
	return 0, nil
}
