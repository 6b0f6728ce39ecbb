package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// A long needs-attention list shows 50 items a page, with next and previous.
func TestAttentionPaged(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		for i := range 60 { // 60 active clients with a lead due and no rubric
			id := fmt.Sprintf("Norub-%02d", i)
			must(t, db.CreateClient(ctx, &leadrun.Client{ID: id, Name: id, Stream: 4}))
			_, err := db.UpsertLeads(ctx, id, []*leadrun.Lead{{ProfileURL: "https://www.linkedin.com/in/" + id + "/", FirstName: "A"}})
			must(t, err)
		}
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/")
		if strings.Count(body, `data-kind="no_rubric"`) != 50 || !strings.Contains(body, `href="/?start=50" id="attention-next"`) ||
			strings.Contains(body, `id="attention-prev"`) || !strings.Contains(body, "items 1–50 of 60") || !strings.Contains(body, ">60 items") {
			t.Fatalf("needs attention, page 1:\n%s", body)
		}
		_, body, _ = b.get("/?start=50")
		if strings.Count(body, `data-kind="no_rubric"`) != 10 || strings.Contains(body, `id="attention-next"`) ||
			!strings.Contains(body, `href="/?start=0" id="attention-prev"`) || !strings.Contains(body, `data-client="Norub-59"`) {
			t.Fatalf("needs attention, page 2:\n%s", body)
		}
		if status, _, _ := b.get("/?start=x"); status != 400 {
			t.Errorf("start=x: %d", status)
		}
	})
}
