package airtable_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/airtable/airtabletest"
)

// A client behind the limiter never goes over the fake's 5 requests per second, with
// requests from several goroutines to one base and to two bases at once; the bases do not
// share a budget.
func TestLimiterKeepsEachBaseWithinItsRate(t *testing.T) {
	ctx := context.Background()
	fake := airtabletest.New(airtabletest.Options{Token: token})
	t.Cleanup(fake.Close)
	lim := airtable.NewLimiter(5, 20*time.Millisecond)
	var wg sync.WaitGroup
	for _, b := range []string{"appONE", "appTWO"} {
		fake.AddBase(b)
		fake.AddTable(b, airtable.Table{Name: "Leads", Fields: []airtable.Field{{Name: "Name", Type: "singleLineText"}}})
		fake.AddRecords(b, "Leads", map[string]any{"Name": "x"})
		for range 3 { // three goroutines per base, each with its own client
			c := airtable.NewClient(fake.URL, token, b)
			lim.Attach(c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 4 {
					if _, _, err := c.ListPage(ctx, "Leads", airtable.ListOptions{}, ""); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	for _, b := range []string{"appONE", "appTWO"} {
		st := fake.Stats(b)
		if st.Requests != 12 || st.RateLimited != 0 || st.MaxPerSecond > 5 {
			t.Errorf("%s: %+v; want 12 requests, none refused, at most 5 in any second", b, st)
		}
	}
}

// After a 429 the limiter holds the base's requests for the penalty: the next request is
// not refused. A cancelled wait returns the context's error and gives its turn back.
func TestLimiterWaitsOutThePenalty(t *testing.T) {
	ctx := context.Background()
	fake := airtabletest.New(airtabletest.Options{Token: token, Penalty: 300 * time.Millisecond})
	t.Cleanup(fake.Close)
	fake.AddBase(base)
	fake.AddTable(base, airtable.Table{Name: "Leads", Fields: []airtable.Field{{Name: "Name", Type: "singleLineText"}}})
	fake.SetFaults(airtabletest.Faults{LockOutAfter: 1})
	lim := airtable.NewLimiter(5, 0)
	c := airtable.NewClient(fake.URL, token, base)
	lim.Attach(c)
	if _, _, err := c.ListPage(ctx, "Leads", airtable.ListOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ListPage(ctx, "Leads", airtable.ListOptions{}, "")
	if airtable.KindOf(err) != airtable.KindRateLimited {
		t.Fatalf("second request: %v, want the injected 429", err)
	}
	lim.Penalize(base, 300*time.Millisecond)
	if _, _, err := c.ListPage(ctx, "Leads", airtable.ListOptions{}, ""); err != nil {
		t.Fatalf("after the penalty: %v", err)
	}
	if st := fake.Stats(base); st.RateLimited != 1 || st.Refused != 0 {
		t.Errorf("stats %+v: want the one lock-out and no request during it", st)
	}

	lim.Penalize(base, time.Hour)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := lim.Wait(cctx, base); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}
