package openai

import (
	"context"
	"errors"
	"strings"

	"github.com/leadrun/leadrun"
)

// failure is a call whose answer gives no verdict for any of its items.
type failure struct {
	reason    leadrun.Reason
	msg       string
	truncated bool // finish_reason "length": smaller chunks may fit
}

func (f *failure) Error() string { return string(f.reason) + ": " + f.msg }

// chunkFunc makes one model call for keys and reads its answer: verdicts for the keys it
// answered, or the failure of the whole call; an error only when ctx ended.
type chunkFunc[V any] func(ctx context.Context, keys []string) (parsed[V], *failure, error)

// readReply interprets a reply: refusals, truncation and empty content first, then the
// answer itself with parse.
func readReply[V any](r chatReply, err error, parse func(string) (parsed[V], error)) (parsed[V], *failure, error) {
	var ce *callError
	switch {
	case errors.As(err, &ce):
		return parsed[V]{}, &failure{reason: ce.reason, msg: ce.msg}, nil
	case err != nil:
		return parsed[V]{}, nil, err
	case r.refusal != "" || r.finish == "content_filter":
		return parsed[V]{}, &failure{reason: leadrun.ReasonSafetyBlock, msg: "the model refused: " + truncate(r.refusal, 200)}, nil
	case r.finish == "length":
		return parsed[V]{}, &failure{reason: leadrun.ReasonInvalidAIResponse, truncated: true,
			msg: "the answer was cut off (finish_reason length); raise the output token limit"}, nil
	case strings.TrimSpace(r.content) == "":
		return parsed[V]{}, &failure{reason: leadrun.ReasonEmptyAIResponse, msg: "the model returned an empty answer"}, nil
	}
	p, perr := parse(r.content)
	if perr != nil {
		var ae *answerError
		if errors.As(perr, &ae) {
			return parsed[V]{}, &failure{reason: ae.reason, msg: ae.msg}, nil
		}
		return parsed[V]{}, &failure{reason: leadrun.ReasonParseError, msg: perr.Error()}, nil
	}
	return p, nil, nil
}

// resolve gets a verdict for every key. Keys missing from an answer, and chunks whose
// answer was cut off, are retried in halves down to single keys. A failure of the first
// call fails the whole chunk (returned as *failure); later failures fail their keys only.
func resolve[V any](ctx context.Context, s *Scorer, keys []string, call chunkFunc[V]) (map[string]verdict[V], error) {
	r := &resolver[V]{s: s, call: call, out: make(map[string]verdict[V], len(keys))}
	if f, err := r.run(ctx, keys, true); err != nil {
		return nil, err
	} else if f != nil {
		return nil, f
	}
	return r.out, nil
}

type resolver[V any] struct {
	s    *Scorer
	call chunkFunc[V]
	out  map[string]verdict[V]
}

func (r *resolver[V]) run(ctx context.Context, keys []string, top bool) (*failure, error) {
	p, fail, err := r.call(ctx, keys)
	if err != nil {
		return nil, err
	}
	if fail != nil {
		return r.onFailure(ctx, keys, top, fail)
	}
	r.s.stats.unknown.Add(int64(p.unknown))
	var missing []string
	for _, k := range keys {
		if v, ok := p.byKey[k]; ok {
			r.out[k] = v
		} else {
			missing = append(missing, k)
		}
	}
	switch {
	case len(missing) == 0:
		return nil, nil
	case len(keys) == 1:
		r.out[keys[0]] = failed[V](leadrun.ReasonInvalidAIResponse, "the answer had no object for %s, also when asked alone", keys[0])
		return nil, nil
	}
	return nil, r.split(ctx, missing)
}

func (r *resolver[V]) onFailure(ctx context.Context, keys []string, top bool, fail *failure) (*failure, error) {
	if fail.truncated && len(keys) > 1 {
		return nil, r.split(ctx, keys)
	}
	if top {
		return fail, nil
	}
	for _, k := range keys {
		r.out[k] = verdict[V]{reason: fail.reason, detail: fail.msg}
	}
	return nil, nil
}

// split retries keys in two halves (one part when a single key is left).
func (r *resolver[V]) split(ctx context.Context, keys []string) error {
	r.s.stats.splits.Add(1)
	mid := (len(keys) + 1) / 2
	for _, part := range [][]string{keys[:mid], keys[mid:]} {
		if len(part) == 0 {
			continue
		}
		if _, err := r.run(ctx, part, false); err != nil {
			return err
		}
	}
	return nil
}
