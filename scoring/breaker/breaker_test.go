package breaker

import (
	"errors"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestOpensAfterThresholdConsecutiveFailures(t *testing.T) {
	b := New(Config{Threshold: 3})
	boom := errors.New("HTTP 500")
	for i := 0; i < 2; i++ {
		b.Failure(boom, false)
		if ok, _ := b.Allow(); !ok {
			t.Fatalf("open after %d failures, want 3", i+1)
		}
	}
	b.Success() // resets the count
	b.Failure(boom, false)
	b.Failure(boom, false)
	if ok, _ := b.Allow(); !ok {
		t.Fatal("a success must reset the count of consecutive failures")
	}
	b.Failure(boom, false)
	if ok, err := b.Allow(); ok || !errors.Is(err, boom) {
		t.Fatalf("after 3 consecutive failures: allow %v, err %v; want refused with the provider's error", ok, err)
	}
}

func TestPermanentFailureOpensAtOnce(t *testing.T) {
	b := New(Config{})
	b.Failure(errors.New("HTTP 401"), true)
	if ok, err := b.Allow(); ok || err == nil {
		t.Fatalf("allow %v err %v after a 401; want open", ok, err)
	}
}

func TestHalfOpenLetsOneProbeThrough(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	b := New(Config{CoolDown: time.Minute, Now: c.now})
	b.Failure(errors.New("HTTP 401"), true)
	c.t = c.t.Add(59 * time.Second)
	if ok, _ := b.Allow(); ok {
		t.Fatal("allowed before the cool-down ended")
	}
	c.t = c.t.Add(time.Second)
	if ok, _ := b.Allow(); !ok {
		t.Fatal("no probe after the cool-down")
	}
	if ok, _ := b.Allow(); ok {
		t.Fatal("a second caller got through while the probe is in flight")
	}
	b.Failure(errors.New("HTTP 401"), true)
	if s, _ := b.State(); s != Open {
		t.Fatalf("state %s after a failed probe, want open", s)
	}
	if ok, _ := b.Allow(); ok {
		t.Fatal("a failed probe must start a new cool-down")
	}
	c.t = c.t.Add(time.Minute)
	if ok, _ := b.Allow(); !ok {
		t.Fatal("no probe after the second cool-down")
	}
	b.Success()
	if s, _ := b.State(); s != Closed {
		t.Fatalf("state %s after a good probe, want closed", s)
	}
}

func TestNeutralReleasesTheProbe(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	b := New(Config{CoolDown: time.Minute, Now: c.now})
	b.Failure(errors.New("down"), true)
	c.t = c.t.Add(time.Minute)
	if ok, _ := b.Allow(); !ok {
		t.Fatal("no probe")
	}
	b.Neutral()
	if ok, _ := b.Allow(); !ok {
		t.Fatal("a cancelled probe must let the next caller probe")
	}
}
