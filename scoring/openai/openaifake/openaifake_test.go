package openaifake_test

import (
	"context"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/scoring/openai"
	"github.com/leadrun/leadrun/scoring/openai/openaifake"
)

// The fake answers the real scorer validly for every lead, after its latency.
func TestFakeAnswersEveryLead(t *testing.T) {
	srv := openaifake.New(50 * time.Millisecond)
	defer srv.Close()
	s, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "fake", APIKey: "x"})
	if err != nil {
		t.Fatal(err)
	}
	rubric := &leadrun.Rubric{Attributes: []leadrun.Attribute{{ID: "A", Category: "positive", Heading: "Founder", MaxPoints: 10}}}
	leads := []*leadrun.Lead{{ID: 1, Headline: "Founder"}, {ID: 2, Headline: "Coach"}}
	start := time.Now()
	res, err := s.ScoreLeads(context.Background(), leadrun.LeadRequest{ClientID: "A", Rubric: rubric, Leads: leads})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("answered in %s, before its latency", took)
	}
	if len(res.Outcomes) != 2 || res.Outcomes[0].Assessment == nil || res.Outcomes[1].Assessment == nil || res.Usage.PromptTokens == 0 {
		t.Fatalf("outcomes %+v usage %+v", res.Outcomes, res.Usage)
	}
	if srv.Calls() != 1 || srv.MaxInFlight() != 1 {
		t.Errorf("calls %d, max in flight %d", srv.Calls(), srv.MaxInFlight())
	}
}
