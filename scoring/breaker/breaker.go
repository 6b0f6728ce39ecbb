// Package breaker is the circuit breaker in front of an AI provider (one base URL and
// model). A provider that refuses the key or does not know the model, or that fails
// call after call, is opened: every caller then fails at once with the provider's last
// error instead of spending its own retries and timeouts. After a cool-down one probe
// call is let through (half-open); its success closes the breaker, its failure opens it
// again for another cool-down.
package breaker

import (
	"sync"
	"time"
)

// Defaults for zero Config fields.
const (
	DefaultThreshold = 5
	DefaultCoolDown  = 30 * time.Second
)

// State is the breaker's state.
type State string

// States.
const (
	Closed   State = "closed"
	Open     State = "open"
	HalfOpen State = "half_open" // a probe call is in flight
)

// Config tunes a Breaker.
type Config struct {
	// Threshold is how many consecutive provider failures (each after the call's own
	// retries) open the breaker. Zero means DefaultThreshold.
	Threshold int
	// CoolDown is how long an open breaker refuses calls before letting a probe through.
	// Zero means DefaultCoolDown.
	CoolDown time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Breaker is safe for concurrent use. Share one per provider across the process.
type Breaker struct {
	cfg      Config
	mu       sync.Mutex
	state    State
	failures int
	openedAt time.Time
	lastErr  error
}

// New returns a closed breaker.
func New(cfg Config) *Breaker {
	if cfg.Threshold <= 0 {
		cfg.Threshold = DefaultThreshold
	}
	if cfg.CoolDown <= 0 {
		cfg.CoolDown = DefaultCoolDown
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Breaker{cfg: cfg, state: Closed}
}

// Allow reports whether a call may be made. When it may not, it returns the error that
// opened the breaker. In the half-open state exactly one caller gets through as the probe.
func (b *Breaker) Allow() (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case Closed:
		return true, nil
	case Open:
		if b.cfg.Now().Sub(b.openedAt) >= b.cfg.CoolDown {
			b.state = HalfOpen
			return true, nil
		}
	}
	return false, b.lastErr
}

// Success records a call the provider answered: the breaker closes.
func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.state, b.failures, b.lastErr = Closed, 0, nil
}

// Failure records a provider failure after the call's retries. A permanent failure (a
// wrong key, an unknown model) opens the breaker at once; others open it at the
// threshold of consecutive failures, and a failed probe opens it again.
func (b *Breaker) Failure(err error, permanent bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	b.lastErr = err
	if permanent || b.state == HalfOpen || b.failures >= b.cfg.Threshold {
		if b.state != Open {
			b.openedAt = b.cfg.Now()
		}
		b.state = Open
	}
}

// Neutral records a call that ended without telling anything about the provider (the
// caller gave up): a half-open probe is released so that another caller may probe.
func (b *Breaker) Neutral() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == HalfOpen {
		b.state = Open
		b.openedAt = b.cfg.Now().Add(-b.cfg.CoolDown)
	}
}

// State returns the current state and the error that last opened or failed it.
func (b *Breaker) State() (State, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state, b.lastErr
}
