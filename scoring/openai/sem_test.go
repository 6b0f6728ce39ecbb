package openai

import (
	"context"
	"testing"
	"time"
)

func TestFairSemRoundRobin(t *testing.T) {
	t.Parallel()
	f := newFairSem(1)
	release, err := f.acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	wait := func(client string) {
		rel, err := f.acquire(context.Background(), client)
		if err != nil {
			t.Error(err)
			return
		}
		got <- client
		rel()
	}
	// Client a queues two calls before b queues one: b still goes second.
	for _, c := range []string{"a", "a", "b"} {
		go wait(c)
		waitQueued(t, f, c)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.acquire(ctx, "c"); err == nil {
		t.Error("acquire with a cancelled context succeeded")
	}
	release()
	order := []string{<-got, <-got, <-got}
	if order[0] != "a" || order[1] != "b" || order[2] != "a" {
		t.Errorf("order = %v, want [a b a]", order)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		f.mu.Lock()
		free, waiting := f.free, len(f.order)
		f.mu.Unlock()
		if free == 1 && waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after all released: free %d, clients waiting %d", free, waiting)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitQueued polls until client has one more waiter than before.
func waitQueued(t *testing.T, f *fairSem, client string) {
	t.Helper()
	f.mu.Lock()
	before := len(f.queues[client])
	f.mu.Unlock()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		n := len(f.queues[client])
		f.mu.Unlock()
		if n > before {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s never queued", client)
}
