package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// The API excludes and includes a lead, changes a client through PATCH, records both in
// the history as "api:admin" (the admin token), and lists what needs attention; hostile input is refused with
// nothing written.
func TestAPIActionsAndAttention(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		ctx := context.Background()
		leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson"})
		if err != nil || len(leads) == 0 {
			t.Fatalf("leads: %v", err)
		}
		lead := fmt.Sprint(leads[0].ID)
		base := "/api/v1/clients/Guy-Wilson/leads/" + lead
		if st, body := e.do(t, "POST", base+"/exclude", bearer, ""); st != 200 || body["scoring_status"] != "excluded" {
			t.Fatalf("exclude: %d %v", st, body)
		}
		if st, _ := e.do(t, "POST", base+"/exclude", bearer, ""); st != 409 {
			t.Errorf("exclude twice: %d, want 409", st)
		}
		for _, p := range []string{"/api/v1/clients/Dean-Hobin/leads/" + lead + "/exclude", "/api/v1/clients/Guy-Wilson/leads/0/include",
			"/api/v1/clients/Guy-Wilson/leads/1e3/include", "/api/v1/clients/Guy-Wilson/leads/99999999/include"} {
			if st, _ := e.do(t, "POST", p, bearer, ""); st != 404 && st != 400 {
				t.Errorf("POST %s: %d, want 400 or 404", p, st)
			}
		}
		if st, _ := e.do(t, "POST", base+"/include", nil, ""); st != 401 {
			t.Errorf("include without the token: %d", st)
		}
		if st, body := e.do(t, "POST", base+"/include", bearer, ""); st != 200 || body["scoring_status"] != "to_be_scored" {
			t.Fatalf("include: %d %v", st, body)
		}
		if st, _ := e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, `{"score_threshold": 101, "status": "paused"}`); st != 400 {
			t.Errorf("PATCH threshold 101: %d, want 400", st)
		}
		if st, body := e.do(t, "PATCH", "/api/v1/clients/Guy-Wilson", bearer, `{"status": "paused"}`); st != 200 || body["status"] != "paused" {
			t.Fatalf("PATCH pause: %d %v", st, body)
		}
		st, body := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/history", bearer, "")
		hist, _ := body["history"].([]any)
		if st != 200 || len(hist) != 3 {
			t.Fatalf("history: %d %v", st, body)
		}
		first := hist[0].(map[string]any)
		if first["action"] != "client_paused" || first["by"] != "api:admin" {
			t.Errorf("newest history line: %v", first)
		}
		if st, body := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/history?lead_id="+lead, bearer, ""); st != 200 || len(body["history"].([]any)) != 2 {
			t.Errorf("lead history: %d %v", st, body)
		}
		if st, _ := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/history?lead_id=x", bearer, ""); st != 400 {
			t.Errorf("bad lead_id: %d", st)
		}

		// Dean-Hobin loses its rubric: it has leads due, so it needs attention.
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `DELETE FROM rubrics WHERE client_id = 'Dean-Hobin'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		st, body = e.do(t, "GET", "/api/v1/needs-attention", bearer, "")
		items, _ := body["needs_attention"].([]any)
		if st != 200 || len(items) != 1 || items[0].(map[string]any)["kind"] != "no_rubric" || items[0].(map[string]any)["client_id"] != "Dean-Hobin" {
			t.Fatalf("needs attention: %d %v", st, body)
		}

		// Sarah-Chen loses hers too: two items, read one page at a time.
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			return tx.ExecRaw(ctx, `DELETE FROM rubrics WHERE client_id = 'Sarah-Chen'`)
		}); err != nil {
			t.Fatal(err)
		}
		var paged []string
		for start, pages := "0", 0; start != ""; pages++ {
			st, body := e.do(t, "GET", "/api/v1/needs-attention?limit=1&start="+start, bearer, "")
			items, _ := body["needs_attention"].([]any)
			if st != 200 || len(items) != 1 || body["total"] != 2.0 || pages > 2 {
				t.Fatalf("needs attention from %s: %d %v", start, st, body)
			}
			paged = append(paged, items[0].(map[string]any)["client_id"].(string))
			start = ""
			if next, ok := body["next_start"].(float64); ok {
				start = strconv.Itoa(int(next))
			}
		}
		if strings.Join(paged, ",") != "Dean-Hobin,Sarah-Chen" {
			t.Errorf("needs attention page by page: %v, want Dean-Hobin then Sarah-Chen", paged)
		}
		if st, body := e.do(t, "GET", "/api/v1/needs-attention?start=5", bearer, ""); st != 200 || len(body["needs_attention"].([]any)) != 0 || body["total"] != 2.0 {
			t.Errorf("needs attention past the end: %d %v", st, body)
		}
	})
}
