package sqldb_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// QuietClients applies the domain's rule (leadrun.Client.QuietSince) to the stored
// clients and their leads' last scoring times: never scored or scored before the period
// counts; paused, too new, or scored within the period does not.
func TestQuietClientsFollowsTheDomainRule(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		now := t0.Add(100 * time.Hour)
		since := now.Add(-leadrun.QuietAfter)
		mk := func(id string, status leadrun.ClientStatus, created time.Time, scored *time.Time) {
			t.Helper()
			db.Now = func() time.Time { return created }
			if err := db.CreateClient(ctx, &leadrun.Client{ID: id, Name: id, Status: status}); err != nil {
				t.Fatal(err)
			}
			if scored == nil {
				return
			}
			lead := &leadrun.Lead{ProfileURL: "https://www.linkedin.com/in/" + id + "/", FirstName: id}
			if _, err := db.UpsertLeads(ctx, id, []*leadrun.Lead{lead}); err != nil {
				t.Fatal(err)
			}
			err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				err := tx.ExecRaw(ctx, `UPDATE leads SET scored_at = $1 WHERE client_id = $2`, db.Stamp(*scored), id)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		stale, fresh := t0.Add(time.Hour), since.Add(time.Minute)
		mk("Never", leadrun.ClientActive, t0, nil)
		mk("Stale", leadrun.ClientActive, t0, &stale)
		mk("Fresh", leadrun.ClientActive, t0, &fresh)
		mk("Paused", leadrun.ClientPaused, t0, nil)
		mk("New", leadrun.ClientActive, since.Add(time.Hour), nil)
		db.Now = func() time.Time { return now }

		got, err := db.QuietClients(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		want := []sqldb.QuietClient{{ClientID: "Never"}, {ClientID: "Stale", LastScored: &stale}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("quiet clients = %+v, want %+v", got, want)
		}
		for _, c := range got {
			found, err := db.FindClientByID(ctx, c.ClientID)
			if err != nil || !found.QuietSince(since, c.LastScored) {
				t.Errorf("%s is listed but the domain rule says not quiet (%v)", c.ClientID, err)
			}
		}
	})
}
