package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// A client's leads come 50 a page by ID, with "More leads" and "Previous leads" links
// that keep the status filter.
func TestClientLeadsPaged(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		all, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson"})
		must(t, err)
		if len(all) <= 100 {
			t.Fatalf("Guy-Wilson has %d leads, want over 100", len(all))
		}
		row := regexp.MustCompile(`<tr><td><a href="/clients/Guy-Wilson/leads/(\d+)">`)
		ids := func(body string) []string {
			var out []string
			for _, m := range row.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		id := func(i int) string { return fmt.Sprint(all[i].ID) }
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/clients/Guy-Wilson")
		got := ids(body)
		if len(got) != 50 || got[0] != id(0) || !strings.Contains(body, `href="/clients/Guy-Wilson?after=`+id(49)+`#leads" id="leads-next"`) ||
			strings.Contains(body, `id="leads-prev"`) {
			t.Fatalf("leads page 1: %v\n%s", got, body)
		}
		_, body, _ = b.get("/clients/Guy-Wilson?after=" + id(49))
		got = ids(body)
		if len(got) != 50 || got[0] != id(50) || !strings.Contains(body, `href="/clients/Guy-Wilson?before=`+id(50)+`#leads" id="leads-prev"`) {
			t.Fatalf("leads page 2: %v", got)
		}
		_, body, _ = b.get("/clients/Guy-Wilson?before=" + id(50))
		if got = ids(body); len(got) != 50 || got[0] != id(0) || got[49] != id(49) || strings.Contains(body, `id="leads-prev"`) {
			t.Fatalf("back to page 1: %v", got)
		}
		_, body, _ = b.get("/clients/Guy-Wilson?status=to_be_scored&after=" + id(49))
		if !strings.Contains(body, `status=to_be_scored#leads" id="leads-prev"`) {
			t.Errorf("the previous link drops the status filter:\n%s", body)
		}
		if status, _, _ := b.get("/clients/Guy-Wilson?before=x"); status != 400 {
			t.Errorf("before=x: %d", status)
		}
	})
}
