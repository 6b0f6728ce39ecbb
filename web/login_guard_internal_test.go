package web

import (
	"fmt"
	"testing"
	"time"
)

// Many addresses cannot share out the guessing: after GlobalFreeFailures failures in all,
// every address waits, and the back-off doubles up to LoginMaxDelay.
func TestLoginThrottleGlobal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	th := newLoginThrottle(func() time.Time { return now })
	for i := range GlobalFreeFailures {
		if d := th.fail(fmt.Sprintf("10.0.0.%d", i)); d != 0 {
			t.Fatalf("failure %d from a fresh address waits %s", i+1, d)
		}
	}
	if d := th.fail("10.0.1.1"); d != LoginBaseDelay {
		t.Fatalf("failure %d: wait %s, want %s", GlobalFreeFailures+1, d, LoginBaseDelay)
	}
	if d := th.wait("192.168.0.9"); d != LoginBaseDelay {
		t.Fatalf("an unrelated address waits %s, want %s", d, LoginBaseDelay)
	}
	th.succeed("10.0.1.1")
	if d := th.wait("192.168.0.9"); d != 0 {
		t.Fatalf("after a success: wait %s", d)
	}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 10: 512 * time.Second, 11: LoginMaxDelay, 64: LoginMaxDelay} {
		if got := backoff(n); got != want {
			t.Errorf("backoff(%d) = %s, want %s", n, got, want)
		}
	}
}

// The map of addresses stays bounded however many addresses fail.
func TestLoginThrottleBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	th := newLoginThrottle(func() time.Time { return now })
	for i := range loginMaxTracked + 500 {
		now = now.Add(time.Millisecond)
		th.fail(fmt.Sprintf("ip-%d", i))
	}
	if len(th.ips) > loginMaxTracked {
		t.Fatalf("%d addresses tracked, want at most %d", len(th.ips), loginMaxTracked)
	}
}
