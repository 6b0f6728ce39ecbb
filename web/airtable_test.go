package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// The run page shows the Airtable mirror's line for the run (escaped: it carries
// Airtable's own words), and /metrics serves the collectors given to the server.
func TestRunPageAirtableLine(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "leadrun_airtable_pending_records", Help: "test"})
		gauge.Set(7)
		var asked string
		cfg := web.Config{AdminToken: token, Collectors: []prometheus.Collector{gauge},
			AirtableStatusFunc: func(_ context.Context, runID string) (string, error) {
				asked = runID
				return `Airtable: synced 3 s ago · 2 pending · failing: <b>Unknown field name: "X"</b>`, nil
			}}
		e := mustServe(t, db, cfg, false)
		run, err := e.r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		status, page, _ := b.get("/runs/" + run.ID)
		want := `<dd id="airtable-status">Airtable: synced 3 s ago · 2 pending · failing: &lt;b&gt;Unknown field name: &#34;X&#34;&lt;/b&gt;</dd>`
		if status != http.StatusOK || !strings.Contains(page, want) || asked != run.ID {
			t.Errorf("run page (%d, asked %q) lacks %s", status, asked, want)
		}
		resp, err := http.Get(e.srv.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "leadrun_airtable_pending_records 7") {
			t.Errorf("/metrics lacks the Airtable gauge")
		}
	})
	e := mustServe(t, sqldbtest.MustOpen(t, sqldb.SQLite), web.Config{AdminToken: token}, false)
	run, err := e.r.Trigger(context.Background(), leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.srv.URL)
	b.login(token)
	if _, page, _ := b.get("/runs/" + run.ID); strings.Contains(page, "airtable-status") {
		t.Error("the run page shows an Airtable line with the mirror off")
	}
}
