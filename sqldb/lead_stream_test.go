package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// Groups upserted in one transaction: a lead in two groups counts once and keeps the
// later fields (without blanking a stored email); a group naming a key twice (PostgreSQL
// falls back to rows) works; an error from the producer leaves nothing written.
func TestUpsertLeadStream(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := db.CreateClient(ctx, &leadrun.Client{ID: "A"}); err != nil {
			t.Fatal(err)
		}
		lead := func(n int, first, email string) *leadrun.Lead {
			return &leadrun.Lead{ProfileURL: fmt.Sprintf("https://www.linkedin.com/in/s-%d/", n), FirstName: first,
				Headline: "H", Email: email, Raw: []byte(fmt.Sprintf(`{"n":%d}`, n))}
		}
		groups := [][]*leadrun.Lead{
			{lead(1, "One", "one@x.io"), lead(2, "Two", "")},
			{lead(1, "Uno", ""), lead(3, "Three", "")},
			{lead(4, "Four", ""), lead(4, "Cuatro", ""), lead(2, "Dos", "dos@x.io")},
		}
		res, err := db.UpsertLeadStream(ctx, "A", func(put func([]*leadrun.Lead) error) error {
			for _, g := range groups {
				if err := put(g); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || res != (leadrun.UpsertResult{Created: 4}) {
			t.Fatalf("stream: %+v %v, want 4 created", res, err)
		}
		leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "A"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range leads {
			got = append(got, fmt.Sprintf("%s/%s/%s", l.FirstName, l.Email, l.Raw))
		}
		if want := `[Uno/one@x.io/{"n":1} Dos/dos@x.io/{"n":2} Three//{"n":3} Cuatro//{"n":4}]`; fmt.Sprint(got) != want {
			t.Errorf("stored %v, want %s", got, want)
		}
		for _, l := range groups[1] {
			if l.ID == 0 {
				t.Errorf("lead %s has no ID after the upsert", l.ProfileURL)
			}
		}
		// A second stream updates, and fails after its first group: nothing of it stays.
		broken := errors.New("input broken at line 9")
		res, err = db.UpsertLeadStream(ctx, "A", func(put func([]*leadrun.Lead) error) error {
			if err := put([]*leadrun.Lead{lead(5, "Five", ""), lead(1, "Changed", "")}); err != nil {
				return err
			}
			return broken
		})
		if !errors.Is(err, broken) {
			t.Fatalf("broken stream: %+v %v", res, err)
		}
		if after, _ := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "A"}); len(after) != 4 || after[0].FirstName != "Uno" {
			t.Errorf("a failed stream left writes behind: %d leads, first %q", len(after), after[0].FirstName)
		}
		res, err = db.UpsertLeadStream(ctx, "A", func(put func([]*leadrun.Lead) error) error {
			return put([]*leadrun.Lead{lead(3, "Tres", ""), lead(6, "Six", "")})
		})
		if err != nil || res != (leadrun.UpsertResult{Created: 1, Updated: 1}) {
			t.Errorf("update stream: %+v %v", res, err)
		}
	})
}
