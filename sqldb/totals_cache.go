package sqldb

import (
	"sync"

	"github.com/leadrun/leadrun"
)

// finishedTotals remembers the totals of finished runs. A run's operations never change
// once the run is finished (every path that changes an operation requires it, or its run,
// to be active), so the totals computed then stay true in every process, and lists of
// runs — mostly finished ones — need not sum the same operations on every request.
type finishedTotals struct {
	mu sync.Mutex
	m  map[string]leadrun.Totals
}

// finishedTotalsMax bounds the memory: about 200 bytes a run, so at most ~10 MB.
const finishedTotalsMax = 50_000

func (c *finishedTotals) get(id string) (leadrun.Totals, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	return t, ok
}

func (c *finishedTotals) put(id string, t leadrun.Totals) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= finishedTotalsMax {
		c.m = make(map[string]leadrun.Totals) // start over rather than track recency
	}
	c.m[id] = t
}
