package runner

import (
	"log/slog"
	"sync"
	"time"
)

// dbHealth tracks whether this process reaches the database, so that an outage is logged
// once when it starts and once when it ends (with how long and how many errors), not per
// statement, and so that the reaper judges no one right after its own outage.
type dbHealth struct {
	mu        sync.Mutex
	down      time.Time // start of the current outage; zero when up
	lastError time.Time
	errors    int
	now       func() time.Time
}

// observe records the result of a database call and returns err.
func (h *dbHealth) observe(log *slog.Logger, err error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if err != nil {
		h.lastError = now
		h.errors++
		if h.down.IsZero() {
			h.down = now
			log.Error("database unreachable; work pauses and resumes when it is back", "error", err)
		}
		return err
	}
	if !h.down.IsZero() {
		log.Warn("database reachable again", "outage", now.Sub(h.down).Round(time.Millisecond), "errors", h.errors)
		h.down, h.errors = time.Time{}, 0
	}
	return nil
}

// steadyFor reports whether the database answered this process without error for d.
func (h *dbHealth) steadyFor(d time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down.IsZero() && (h.lastError.IsZero() || h.now().Sub(h.lastError) >= d)
}
