package leadrun_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
)

func TestSleep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if err := leadrun.Sleep(ctx, time.Millisecond); err != nil {
		t.Errorf("Sleep(1ms) = %v, want nil", err)
	}
	if err := leadrun.Sleep(ctx, 0); err != nil {
		t.Errorf("Sleep(0) = %v, want nil", err)
	}
	cancel()
	if err := leadrun.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(1h) on an ended context = %v, want context.Canceled", err)
	}
	if err := leadrun.Sleep(ctx, -time.Second); err != nil {
		t.Errorf("Sleep(-1s) on an ended context = %v, want nil (no wait, nothing to report)", err)
	}
}
