package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// The dashboard lands on the needs-attention list: clear at first, an item when a client
// with leads due loses its rubric, clear again once that client is paused from its page.
// A lead is excluded and included from its page; every action is in the history as
// "dashboard"; a bad value or a missing CSRF token changes nothing.
func TestDashboardAttentionAndActions(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		e := mustServe(t, db, web.Config{AdminToken: token}, false)
		b := newBrowser(t, e.srv.URL)
		b.login(token)
		if status, body, _ := b.get("/"); status != 200 || !strings.Contains(body, `id="attention-clear"`) {
			t.Fatalf("landing page: %d, want the clear needs-attention list\n%s", status, body)
		}
		must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `DELETE FROM rubrics WHERE client_id = 'Dean-Hobin'`)
			return err
		}))
		_, body, _ := b.get("/")
		if !strings.Contains(body, `data-kind="no_rubric" data-client="Dean-Hobin"`) || !strings.Contains(body, "leadrun rubric import Dean-Hobin FILE") {
			t.Fatalf("needs attention lacks Dean-Hobin's missing rubric:\n%s", body)
		}

		if status, _, _ := b.post("/clients/Dean-Hobin/settings", url.Values{"action": {"pause"}}); status == http.StatusSeeOther {
			t.Fatal("a form without the CSRF token was accepted")
		}
		status, body, _ := b.post("/clients/Dean-Hobin/settings", url.Values{"csrf_token": {b.csrf}, "action": {"save"}, "score_threshold": {"abc"}, "stream": {"4"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "score_threshold must be a number") {
			t.Fatalf("bad threshold: %d\n%s", status, body)
		}
		status, _, _ = b.post("/clients/Dean-Hobin/settings", url.Values{"csrf_token": {b.csrf}, "action": {"save"}, "score_threshold": {"150"}, "stream": {"4"}})
		if c, _ := db.FindClientByID(ctx, "Dean-Hobin"); status == http.StatusSeeOther || c.Stream == 4 {
			t.Fatalf("threshold 150: %d, stream now %d; want refused and unchanged", status, c.Stream)
		}
		status, _, h := b.post("/clients/Dean-Hobin/settings", url.Values{"csrf_token": {b.csrf}, "action": {"save"}, "score_threshold": {"65"}, "stream": {"3"}})
		if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "notice=changed") {
			t.Fatalf("save settings: %d %q", status, h.Get("Location"))
		}
		if status, _, _ := b.post("/clients/Dean-Hobin/settings", url.Values{"csrf_token": {b.csrf}, "action": {"pause"}}); status != http.StatusSeeOther {
			t.Fatalf("pause: %d", status)
		}
		if _, body, _ := b.get("/"); !strings.Contains(body, `id="attention-clear"`) {
			t.Errorf("a paused client still needs attention:\n%s", body)
		}
		_, body, _ = b.get("/clients/Dean-Hobin")
		if !strings.Contains(body, `id="resume-client"`) || !strings.Contains(body, "client paused") || !strings.Contains(body, "threshold 50 → 65") ||
			!strings.Contains(body, "by dashboard") {
			t.Errorf("client page after pausing lacks the resume button or the history:\n%s", body)
		}

		leads, err := db.FindLeads(ctx, leadrun.LeadFilter{ClientID: "Guy-Wilson"})
		if err != nil || len(leads) == 0 {
			t.Fatal(err)
		}
		page := fmt.Sprintf("/clients/Guy-Wilson/leads/%d", leads[0].ID)
		if _, body, _ := b.get(page); !strings.Contains(body, `id="exclude-lead"`) {
			t.Fatalf("lead page lacks the exclude button")
		}
		if status, _, _ := b.post(fmt.Sprintf("/clients/Dean-Hobin/leads/%d/exclude", leads[0].ID), url.Values{"csrf_token": {b.csrf}}); status != http.StatusNotFound {
			t.Errorf("excluding Guy-Wilson's lead through Dean-Hobin: %d, want 404", status)
		}
		status, _, h = b.post(page+"/exclude", url.Values{"csrf_token": {b.csrf}})
		if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "notice=excluded") {
			t.Fatalf("exclude: %d %q", status, h.Get("Location"))
		}
		if _, body, _ := b.get(page); !strings.Contains(body, `id="include-lead"`) || !strings.Contains(body, "lead excluded") {
			t.Errorf("lead page after exclude:\n%s", body)
		}
		if status, _, _ := b.post(page+"/include", url.Values{"csrf_token": {b.csrf}}); status != http.StatusSeeOther {
			t.Fatalf("include: %d", status)
		}
		if l, _ := db.FindLeadByID(ctx, "Guy-Wilson", leads[0].ID); l.ScoringStatus != leadrun.StatusToBeScored {
			t.Errorf("after include: %s", l.ScoringStatus)
		}

		// Leads failed every attempt: the list offers the requeue button, which clears it.
		must(t, db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `UPDATE leads SET scoring_status = 'failed', attempts = 3 WHERE id = $1`, leads[0].ID)
			return err
		}))
		if _, body, _ := b.get("/"); !strings.Contains(body, `data-kind="leads_failed" data-client="Guy-Wilson"`) || !strings.Contains(body, "Requeue 1 failed leads") {
			t.Fatalf("needs attention lacks Guy-Wilson's failed lead:\n%s", body)
		}
		status, _, h = b.post("/clients/Guy-Wilson/leads/requeue", url.Values{"csrf_token": {b.csrf}, "all_failed": {"1"}, "back": {"/"}})
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/?") {
			t.Fatalf("requeue from the list: %d %q", status, h.Get("Location"))
		}
		if _, body, _ := b.get("/"); strings.Contains(body, `data-kind="leads_failed"`) {
			t.Errorf("requeued leads still need attention")
		}
		if hist, _ := db.FindActions(ctx, "Guy-Wilson", 0, 1); len(hist) != 1 || hist[0].Kind != leadrun.ActionLeadsRequeued || hist[0].By != "dashboard" {
			t.Errorf("requeue not in the history: %+v", hist)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
