package airtable

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Limiter keeps each base within Airtable's request rate in this process: no window of
// one second (plus a margin) holds more than perSecond requests to a base, and after a 429
// every request to that base waits out the penalty. Airtable counts a request when it
// arrives, which is some time before it ends: the limiter counts each request from when
// it ended, so however slow the network or the machine, Airtable never sees more.
// Different bases are independent. A base's budget starts used up: its first request
// waits one window, because the previous process (an import stopped a moment ago and run
// again) may have spent it. (The mirror shares its budget across processes through the
// database instead; an import reads bases nobody mirrors to.)
type Limiter struct {
	perSecond int
	window    time.Duration

	mu    sync.Mutex
	bases map[string]*budget
}

type budget struct {
	sent    []*request // recent requests
	pending []*request // requests not yet ended, oldest first
	penalty time.Time  // no request before this (after a 429)
}

// request is a booked send time, replaced by the end time once the request has ended.
type request struct {
	at    time.Time
	ended bool
}

// NewLimiter allows perSecond requests per base in any window of one second plus margin
// (perSecond ≤ 0: 5, Airtable's limit; margin < 0: 0).
func NewLimiter(perSecond int, margin time.Duration) *Limiter {
	if perSecond <= 0 {
		perSecond = 5
	}
	return &Limiter{perSecond: perSecond, window: time.Second + max(margin, 0), bases: map[string]*budget{}}
}

// Attach makes every request of c wait for its base's budget.
func (l *Limiter) Attach(c *Client) {
	base := c.Base()
	c.WaitFunc = func(ctx context.Context) error { return l.Wait(ctx, base) }
	c.DoneFunc = func(context.Context) { l.Done(base) }
}

// Wait blocks until a request to base may be sent, and books it; call Done when the
// request has ended (answered or failed).
func (l *Limiter) Wait(ctx context.Context, base string) error {
	l.mu.Lock()
	now := time.Now()
	b := l.bases[base]
	if b == nil {
		b = l.newBudget(now)
		l.bases[base] = b
	}
	slot := l.next(b, now)
	r := &request{at: slot}
	b.sent = append(b.sent, r)
	b.pending = append(b.pending, r)
	l.mu.Unlock()
	for {
		d := time.Until(slot)
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			l.Done(base) // the booking is given up: count it as a request that ended now
			return ctx.Err()
		case <-t.C:
		}
		l.mu.Lock()
		if b.penalty.After(slot) { // a 429 came in while this request waited
			slot = b.penalty
		}
		l.mu.Unlock()
	}
}

// newBudget is a base's budget as if perSecond requests had just ended.
func (l *Limiter) newBudget(now time.Time) *budget {
	b := &budget{}
	for range l.perSecond {
		b.sent = append(b.sent, &request{at: now, ended: true})
	}
	return b
}

// next is the earliest time a request may go (l.mu held).
func (l *Limiter) next(b *budget, now time.Time) time.Time {
	slot := now
	if b.penalty.After(slot) {
		slot = b.penalty
	}
	if n := len(b.sent); n >= l.perSecond {
		times := make([]time.Time, n)
		for i, r := range b.sent {
			times[i] = r.at
		}
		slices.SortFunc(times, time.Time.Compare)
		if t := times[n-l.perSecond].Add(l.window); t.After(slot) {
			slot = t
		}
	}
	return slot
}

// Done records that the oldest request in flight to base has ended. Requests that end out
// of order swap end times, which leaves the set of times — all the limit looks at — the same.
func (l *Limiter) Done(base string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bases[base]
	if b == nil || len(b.pending) == 0 {
		return
	}
	now := time.Now()
	r := b.pending[0]
	b.pending = b.pending[1:]
	r.ended = true
	if now.After(r.at) {
		r.at = now
	}
	l.prune(b, now)
}

// prune forgets ended requests that no longer matter: those older than the window, beyond
// the last perSecond (l.mu held).
func (l *Limiter) prune(b *budget, now time.Time) {
	if len(b.sent) <= 4*l.perSecond {
		return
	}
	slices.SortFunc(b.sent, func(x, y *request) int { return x.at.Compare(y.at) })
	keep := b.sent[:0]
	for i, r := range b.sent {
		if !r.ended || i >= len(b.sent)-l.perSecond || now.Sub(r.at) <= l.window {
			keep = append(keep, r)
		}
	}
	clear(b.sent[len(keep):])
	b.sent = keep
}

// Penalize makes every request to base wait d from now: Airtable refuses a base's
// requests for 30 seconds after a 429 (RateLimitPenalty).
func (l *Limiter) Penalize(base string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b := l.bases[base]
	if b == nil {
		b = l.newBudget(now)
		l.bases[base] = b
	}
	if t := now.Add(d); t.After(b.penalty) {
		b.penalty = t
	}
}
