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

// Linked Helper messages are history: an update adds its message after the first one,
// a message sent again is not repeated, and empty details never blank stored ones.
func TestLeadExtrasKeepHistory(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		c := &leadrun.Client{ID: "Guy-Wilson"}
		c.SetDefaults()
		if err := db.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		connected := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		url := "https://www.linkedin.com/in/bree"
		first := &leadrun.Lead{ProfileURL: url, Messages: []string{"Thanks for connecting!"},
			SalesNavigatorURL: "https://www.linkedin.com/sales/lead/AC1", ConnectedAt: &connected}
		second := &leadrun.Lead{ProfileURL: "https://au.linkedin.com/in/bree/", Messages: []string{"Hi Bree", "Thanks for connecting!"}}
		for _, l := range []*leadrun.Lead{first, second} {
			if _, err := db.UpsertLeads(ctx, c.ID, []*leadrun.Lead{l}); err != nil {
				t.Fatal(err)
			}
		}
		leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: c.ID})
		if err != nil || len(leads) != 1 {
			t.Fatalf("leads %d, %v; want 1", len(leads), err)
		}
		l := leads[0]
		if err := db.LoadLeadExtras(ctx, l); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(l.Messages, []string{"Thanks for connecting!", "Hi Bree"}) {
			t.Errorf("messages %q; want the first kept and the second appended once", l.Messages)
		}
		if l.SalesNavigatorURL != first.SalesNavigatorURL || l.ConnectedAt == nil || !l.ConnectedAt.Equal(connected) {
			t.Errorf("details %q %v; want kept from the first item", l.SalesNavigatorURL, l.ConnectedAt)
		}
	})
}
