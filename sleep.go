package leadrun

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends, whichever comes first; it returns ctx's error when ctx
// ended first. A d of zero or less does not wait and returns nil.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
