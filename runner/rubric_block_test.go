package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// A run whose only client has leads due but no rubric is not "nothing to do": it ends
// completed_with_errors naming the client and its due leads. Once nothing is due, the
// same client's skip is plain again (completed).
func TestRunWithoutRubricNeedsAttention(t *testing.T) {
	sqldbtest.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		mustFixture(t, db, 7, &leadrun.Client{ID: "No-Rubric", Stream: 1})
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `DELETE FROM rubrics WHERE client_id = 'No-Rubric'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, db, rules.New(rules.Options{}), runner.Config{})
		mustStart(t, r)
		run := mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunCompletedWithErrors || !strings.Contains(run.StatusReason, "no_rubric: No-Rubric (7 due)") {
			t.Fatalf("run without a rubric: %s %q; want completed_with_errors naming No-Rubric (7 due)", run.Status, run.StatusReason)
		}
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			err := tx.ExecRaw(ctx, `UPDATE leads SET scoring_status = 'excluded' WHERE client_id = 'No-Rubric'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		run = mustWait(t, r, trigger(t, r, 1, leadrun.RunParams{}).ID)
		if run.Status != leadrun.RunCompleted || strings.Contains(run.StatusReason, "rubric") {
			t.Fatalf("run with nothing due: %s %q; want completed", run.Status, run.StatusReason)
		}
	})
}
