package web

import (
	"net/http"

	"github.com/leadrun/leadrun"
)

// clientInput is the body of POST /api/v1/clients: a client, with the fields that have a
// default read as pointers, so an explicit 0 is refused instead of silently becoming the
// default ("stream": 0 is not stream 1).
type clientInput struct {
	*leadrun.Client
	Stream         *int     `json:"stream"`
	ServiceLevel   *int     `json:"service_level"`
	ScoreThreshold *float64 `json:"score_threshold"`
}

// decodeClient reads a new client from the request body.
func (s *Server) decodeClient(w http.ResponseWriter, r *http.Request) (*leadrun.Client, error) {
	in := clientInput{Client: &leadrun.Client{}}
	if err := s.decodeStrict(w, r, &in); err != nil {
		return nil, err
	}
	c := in.Client
	if in.Stream != nil {
		if *in.Stream < 1 {
			return nil, leadrun.Errorf(leadrun.EINVALID, "stream %d must be 1 or more (leave it out for stream 1)", *in.Stream)
		}
		c.Stream = *in.Stream
	}
	if in.ServiceLevel != nil {
		if *in.ServiceLevel != leadrun.ServiceLeadScoring && *in.ServiceLevel != leadrun.ServicePostScoring {
			return nil, leadrun.Errorf(leadrun.EINVALID, "service_level %d must be 1 (lead scoring) or 2 (lead + post scoring)", *in.ServiceLevel)
		}
		c.ServiceLevel = *in.ServiceLevel
	}
	if in.ScoreThreshold != nil {
		if *in.ScoreThreshold <= 0 || *in.ScoreThreshold > 100 {
			return nil, leadrun.Errorf(leadrun.EINVALID, "score_threshold %g must be above 0 and at most 100 (leave it out for %d)", *in.ScoreThreshold, leadrun.DefaultScoreThreshold)
		}
		c.ScoreThreshold = *in.ScoreThreshold
	}
	return c, nil
}
