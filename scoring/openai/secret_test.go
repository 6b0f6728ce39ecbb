package openai

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A provider that refuses the key and quotes it back in its message (as some do) leaves
// the key nowhere in the database — run reasons, events, operations, provider status,
// the job engine's rows — nor in the run's reason, on both databases.
func TestFailingProviderLeavesNoSecretStored(t *testing.T) {
	const key = "sk-live-SECRET0123456789abcdef"
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusUnauthorized, "Incorrect API key provided: "+r.Header.Get("Authorization"))
		}))
		t.Cleanup(srv.Close)
		r := startProviderRunner(t, db, Config{BaseURL: srv.URL + "/v1", Model: "test-model", APIKey: key,
			Timeout: 5 * time.Second, MaxRetries: 1})
		ctx := context.Background()
		run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if run, err = r.Wait(wctx, run.ID, 20*time.Millisecond, nil); err != nil {
			t.Fatal(err)
		}
		if run.Status != leadrun.RunFailed || !strings.Contains(run.StatusReason, "Incorrect API key provided") ||
			strings.Contains(run.StatusReason, key) {
			t.Fatalf("run %s %q; want failed quoting the provider without the key", run.Status, run.StatusReason)
		}
		sqldbtest.MustNotStore(t, db, key)
	})
}
