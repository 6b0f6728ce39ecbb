package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// The client page shows its times in the client's timezone, naming the zone.
func TestClientPageInClientTimezone(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, true)
		tz := "Australia/Sydney"
		if _, err := db.UpdateClient(ctx, "Guy-Wilson", leadrun.ClientUpdate{Timezone: &tz}); err != nil {
			t.Fatal(err)
		}
		run, err := e.r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerAPI, Params: leadrun.RunParams{ClientFilter: []string{"Guy-Wilson"}}})
		must(t, err)
		run = waitRun(t, db, run.ID)
		sydney, _ := time.LoadLocation(tz)
		created := run.CreatedAt.In(sydney).Format("2006-01-02 15:04 MST")
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/clients/Guy-Wilson")
		if !strings.Contains(body, `id="client-tz">Australia/Sydney`) || !strings.Contains(body, created) ||
			!strings.Contains(body, `title="`+run.CreatedAt.UTC().Format("2006-01-02 15:04:05")+` UTC"`) || !strings.Contains(body, `id="last-scored"`) {
			t.Fatalf("client page lacks its times in %s (run created %s there):\n%s", tz, created, body)
		}
	})
}
