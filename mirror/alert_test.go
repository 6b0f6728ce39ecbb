package mirror_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrun/leadrun/airtable/airtabletest"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A mirror failing longer than AlertAfter alerts once, with Airtable's reason; metrics show
// the requests by status, the pending records and the lag.
func TestFailingMirrorAlertsOnceAndMetrics(t *testing.T) {
	t.Parallel()
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		alerts := make(chan string, 10)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct{ Text string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			alerts <- body.Text
		}))
		t.Cleanup(hook.Close)
		fake := newFake(t)
		fake.SetFaults(airtabletest.Faults{ServerError: 1})
		loadDemo(t, db)
		cfg := fastConfig()
		cfg.AlertAfter = 300 * time.Millisecond
		e := newEnv(t, db, fake, cfg, runner.Config{AlertWebhookURL: hook.URL})
		e.runToEnd(t, 1)
		select {
		case text := <-alerts:
			if !strings.Contains(text, "Airtable mirror of base "+testBase+" has been failing since") || !strings.Contains(text, "500 SERVER_ERROR") {
				t.Errorf("alert %q", text)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no alert after the mirror failed for longer than AlertAfter")
		}
		got := gather(t, e.mirror.Metrics())
		if got[`leadrun_airtable_requests_total{code="500"}`] == 0 || got["leadrun_airtable_pending_records"] == 0 ||
			got["leadrun_airtable_lag_seconds"] <= 0 {
			t.Errorf("metrics while Airtable fails: %v", got)
		}
		select {
		case text := <-alerts:
			t.Errorf("a second alert for the same failure: %q", text)
		case <-time.After(300 * time.Millisecond):
		}
	})
}

// gather reads a collector's samples as "name{label="value"}" → value.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + `="` + l.GetValue() + `"}`
			}
			out[name] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

var _ = sqldb.SQLite
