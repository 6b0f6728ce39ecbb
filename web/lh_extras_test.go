package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// What Linked Helper sends beyond the profile reaches the lead's API view: the Sales
// Navigator link, Date Connected, and messages as history (the first one kept).
func TestLinkedHelperExtrasInLeadView(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		_, tok := e.do(t, "POST", "/api/v1/clients/Guy-Wilson/ingest-token", bearer, "")
		hook := "/lh-webhook/upsertLeadOnly?client=Guy-Wilson&token=" + fmt.Sprint(tok["ingest_token"])
		first := `{"profileUrl":"https://au.linkedin.com/in/x-extras","firstName":"Bree","lastName":"CFO","original_full_name":"Bree Taylor CFO",
			"message":"Thanks for connecting!","sn_hash_id":"ACwAAB1,NAME","connected_at":"2026-03-04","degree":1,"company":"{\"name\":\"Acme\"}"}`
		second := `{"profileUrl":"https://www.linkedin.com/in/X-Extras/","firstName":"Bree","lastName":"Taylor CFO","company":{"name":"Acme"},"message":"Hi again"}`
		for _, body := range []string{first, second} {
			if status, res := e.do(t, "POST", hook, nil, body); status != 200 || len(res["failed"].([]any)) != 0 {
				t.Fatalf("webhook: %d %v", status, res)
			}
		}
		_, list := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/leads?limit=500", bearer, "")
		var id string
		for _, l := range list["leads"].([]any) {
			if m := l.(map[string]any); m["profile_key"] == "linkedin.com/in/x-extras" {
				id = fmt.Sprint(m["id"])
			}
		}
		if id == "" {
			t.Fatal("one lead expected for both URLs")
		}
		_, lead := e.do(t, "GET", "/api/v1/clients/Guy-Wilson/leads/"+id, bearer, "")
		if fmt.Sprint(lead["messages"]) != "[Thanks for connecting! Hi again]" || lead["last_name"] != "Taylor" || lead["company"] != "Acme" ||
			lead["sales_navigator_url"] != "https://www.linkedin.com/sales/lead/ACwAAB1" || !strings.HasPrefix(fmt.Sprint(lead["connected_at"]), "2026-03-04") {
			t.Errorf("lead view = %v", lead)
		}
	})
}
