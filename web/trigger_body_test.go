package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
	"github.com/leadrun/leadrun/web"
)

// The original platform's cron scripts and test calls start runs with the shapes they
// always sent: the run asks for exactly the stream and clients they named.
func TestWebhookAcceptsOriginalCronBodies(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		cases := []struct {
			body    string
			stream  int
			filter  []string
			leadLim int
		}{
			{`{"stream":1,"clientFilter":"Guy-Wilson"}`, 1, []string{"Guy-Wilson"}, 0},
			{`{"stream":"2"}`, 2, nil, 0},
			{`{"stream":" 1 ","leadScoringLimit":"25"}`, 1, nil, 25},
			{`{"stream":1,"clientId":"Guy-Wilson"}`, 1, []string{"Guy-Wilson"}, 0},
			{`{"stream":1,"clientFilter":["Guy-Wilson","Dean-Hobin"]}`, 1, []string{"Guy-Wilson", "Dean-Hobin"}, 0},
			{`{"stream":1,"clientFilter":"Guy-Wilson, Dean-Hobin"}`, 1, []string{"Guy-Wilson", "Dean-Hobin"}, 0},
			{`{"stream":1,"clientFilter":["Guy-Wilson"],"clientId":"Dean-Hobin"}`, 1, []string{"Guy-Wilson", "Dean-Hobin"}, 0},
			{`{"stream":null,"clientFilter":null}`, 1, nil, 0},
		}
		for _, tc := range cases {
			status, body := e.do(t, "POST", "/smart-resume-client-by-client", hook, tc.body)
			if status != 202 {
				t.Errorf("%s: %d %v; want 202", tc.body, status, body)
				continue
			}
			id := fmt.Sprint(body["run_id"])
			run, err := db.FindRunByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if run.Stream != tc.stream || !slices.Equal(run.Params.ClientFilter, tc.filter) || run.Params.LeadLimit != tc.leadLim {
				t.Errorf("%s: run stream %d filter %v lead limit %d; want %d %v %d", tc.body, run.Stream,
					run.Params.ClientFilter, run.Params.LeadLimit, tc.stream, tc.filter, tc.leadLim)
			}
			if _, err := e.r.Cancel(context.Background(), id, "test", "test"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// Anything the original never sent is still a precise 400, and starts nothing.
func TestWebhookRejectsOtherCronBodies(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := mustServe(t, db, web.Config{WebhookSecret: secret, AdminToken: token}, false)
		cases := []struct{ body, says string }{
			{`{"stream":"one"}`, "stream must be a whole number or a numeric string"},
			{`{"stream":1.5}`, "stream must be a whole number"},
			{`{"stream":true}`, "stream must be a whole number"},
			{`{"stream":"0"}`, "stream must be 1 or more"},
			{`{"clientFilter":42}`, "clientFilter must be a client ID or an array of client IDs"},
			{`{"clientFilter":[1,2]}`, "clientFilter must be a client ID or an array"},
			{`{"clientId":["Guy-Wilson"]}`, "clientId must be one client ID"},
			{`{"clientId":"no spaces allowed"}`, "client filter"},
			{`{"leadScoringLimit":"many"}`, "leadScoringLimit must be a whole number"},
			{`{"stream":1,"clientID":"Guy-Wilson"}`, `unknown field "clientID"`},
			{`[1]`, "malformed JSON"},
		}
		for _, tc := range cases {
			status, body := e.do(t, "POST", "/smart-resume-client-by-client", hook, tc.body)
			if status != 400 || !strings.Contains(fmt.Sprint(body["error"]), tc.says) {
				t.Errorf("%s: %d %v; want 400 saying %q", tc.body, status, body, tc.says)
			}
		}
		if runs, _ := db.FindRuns(context.Background(), leadrun.RunFilter{}); len(runs) != 0 {
			t.Errorf("%d runs written by rejected requests", len(runs))
		}
	})
}
