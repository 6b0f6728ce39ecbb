package openai

import (
	"context"
	"sync"
)

// fairSem limits the calls in flight across all clients. While calls wait, freed slots go
// round-robin across clients, so one client's chunks cannot starve another's.
type fairSem struct {
	mu     sync.Mutex
	free   int
	queues map[string][]chan struct{}
	order  []string // clients with waiters, in turn order
}

func newFairSem(n int) *fairSem {
	return &fairSem{free: n, queues: map[string][]chan struct{}{}}
}

// acquire takes a slot for client, waiting for its turn; it returns the release func.
func (f *fairSem) acquire(ctx context.Context, client string) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.free > 0 && len(f.order) == 0 {
		f.free--
		f.mu.Unlock()
		return f.release, nil
	}
	ch := make(chan struct{})
	if len(f.queues[client]) == 0 {
		f.order = append(f.order, client)
	}
	f.queues[client] = append(f.queues[client], ch)
	f.mu.Unlock()
	select {
	case <-ch:
		return f.release, nil
	case <-ctx.Done():
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.dequeue(client, ch) {
			f.releaseLocked() // granted while giving up: pass the slot on
		}
		return nil, ctx.Err()
	}
}

func (f *fairSem) release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releaseLocked()
}

// releaseLocked hands the slot to the next client in turn, or frees it.
func (f *fairSem) releaseLocked() {
	if len(f.order) == 0 {
		f.free++
		return
	}
	client := f.order[0]
	f.order = f.order[1:]
	q := f.queues[client]
	ch := q[0]
	if len(q) > 1 {
		f.queues[client] = q[1:]
		f.order = append(f.order, client)
	} else {
		delete(f.queues, client)
	}
	close(ch)
}

// dequeue removes a waiter that gave up; false when it had already been granted a slot.
func (f *fairSem) dequeue(client string, ch chan struct{}) bool {
	q := f.queues[client]
	for i, c := range q {
		if c != ch {
			continue
		}
		q = append(q[:i:i], q[i+1:]...)
		if len(q) > 0 {
			f.queues[client] = q
			return true
		}
		delete(f.queues, client)
		for j, name := range f.order {
			if name == client {
				f.order = append(f.order[:j:j], f.order[j+1:]...)
				break
			}
		}
		return true
	}
	return false
}
