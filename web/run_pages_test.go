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

// A run of 105 clients shows 100 client results a page, with next and previous on the run
// page and next_cursor in the API; the runs list pages older and newer.
func TestRunClientResultsPaged(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		var ids []string
		for i := range 105 {
			id := fmt.Sprintf("Big-%03d", i)
			ids = append(ids, id)
			must(t, db.CreateClient(ctx, &leadrun.Client{ID: id, Name: "Big " + id, Stream: 7}))
		}
		must(t, db.SeedFinishedRuns(ctx, 7, 30, ids, 105))
		runs, err := db.FindRuns(ctx, leadrun.RunFilter{Limit: 30})
		must(t, err)
		runID := runs[0].ID

		b := newBrowser(t, e.srv.URL)
		b.login(token)
		_, body, _ := b.get("/runs/" + runID)
		if strings.Count(body, `<tr id="cr-Big-`) != 100 || !strings.Contains(body, `href="/runs/`+runID+`?after=Big-099" id="clients-next"`) ||
			strings.Contains(body, `id="clients-prev"`) {
			t.Fatalf("run page 1:\n%s", body)
		}
		_, body, _ = b.get("/runs/" + runID + "?after=Big-099")
		if strings.Count(body, `<tr id="cr-Big-`) != 5 || !strings.Contains(body, `id="cr-Big-104"`) || strings.Contains(body, `id="clients-next"`) ||
			!strings.Contains(body, `href="/runs/`+runID+`?before=Big-100" id="clients-prev"`) {
			t.Fatalf("run page 2:\n%s", body)
		}
		if _, body, _ := b.get("/runs/" + runID + "?before=Big-100"); strings.Count(body, `<tr id="cr-Big-`) != 100 || !strings.Contains(body, `id="cr-Big-000"`) {
			t.Fatalf("run page 1 again:\n%s", body)
		}

		status, got := e.do(t, "GET", "/api/v1/runs/"+runID+"?limit=60", bearer, "")
		if status != 200 || len(got["client_results"].([]any)) != 60 || got["next_cursor"] != "Big-059" {
			t.Fatalf("API page 1: %d %d %v", status, len(got["client_results"].([]any)), got["next_cursor"])
		}
		status, got = e.do(t, "GET", "/api/v1/runs/"+runID+"?limit=60&after=Big-059", bearer, "")
		if status != 200 || len(got["client_results"].([]any)) != 45 || got["next_cursor"] != nil {
			t.Fatalf("API page 2: %d %v", status, got["next_cursor"])
		}

		// The runs list: 25 a page; older, then newer again.
		_, body, _ = b.get("/runs?stream=7")
		if strings.Count(body, `class="runid"`) != 25 || !strings.Contains(body, `id="older"`) || strings.Contains(body, `id="newer"`) {
			t.Fatalf("runs page 1:\n%s", body)
		}
		last := runs[24].ID
		_, body, _ = b.get("/runs?stream=7&before=" + last)
		if strings.Count(body, `class="runid"`) != 5 || strings.Contains(body, `id="older"`) || !strings.Contains(body, `/runs?after=`+runs[25].ID+`&amp;stream=7" id="newer"`) {
			t.Fatalf("runs page 2:\n%s", body)
		}
		_, body, _ = b.get("/runs?stream=7&after=" + runs[25].ID)
		if strings.Count(body, `class="runid"`) != 25 || !strings.Contains(body, `href="/runs/`+runs[0].ID+`" class="runid"`) || !strings.Contains(body, `id="older"`) {
			t.Fatalf("runs page 1 again:\n%s", body)
		}
	})
}
