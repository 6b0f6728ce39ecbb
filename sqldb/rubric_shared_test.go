package sqldb_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// FindSharedRubric returns the stored rubric, parsed once while the stored document is
// unchanged (the same value for every caller) and parsed again as soon as anyone stores
// another; a client without a rubric, or no such client, is ENOTFOUND as with FindRubric.
func testSharedRubric(t *testing.T, db *sqldb.DB, u uniq) {
	ctx := context.Background()
	a, bare := u.id("A"), u.id("bare")
	mustCreateClient(t, db, a, u.stream(1))
	mustCreateClient(t, db, bare, u.stream(1))
	if err := db.SetRubric(ctx, a, conformanceRubric("Founder")); err != nil {
		t.Fatal(err)
	}
	find := func(id string) (*leadrun.Rubric, error) {
		var r *leadrun.Rubric
		var ferr error
		mustTx(t, db, func(tx *sqldb.Tx) error {
			r, ferr = tx.FindSharedRubric(ctx, id)
			return nil
		})
		return r, ferr
	}
	first, err := find(a)
	if err != nil || !reflect.DeepEqual(first, conformanceRubric("Founder")) {
		t.Fatalf("Tx.FindSharedRubric = %+v %v, want the stored rubric", first, err)
	}
	if again, err := find(a); err != nil || again != first {
		t.Errorf("unchanged rubric parsed again (%p, %p, %v): want the shared one", again, first, err)
	}
	if err := db.SetRubric(ctx, a, conformanceRubric("Owner")); err != nil {
		t.Fatal(err)
	}
	changed, err := find(a)
	if err != nil || !reflect.DeepEqual(changed, conformanceRubric("Owner")) {
		t.Errorf("after SetRubric: %+v %v, want the new rubric", changed, err)
	}
	if !reflect.DeepEqual(first, conformanceRubric("Founder")) {
		t.Errorf("the rubric handed out before was changed: %+v", first)
	}
	for _, id := range []string{bare, u.id("missing")} {
		if r, err := find(id); leadrun.ErrorCode(err) != leadrun.ENOTFOUND || r != nil {
			t.Errorf("Tx.FindSharedRubric(%s) = %v %v, want ENOTFOUND", id, r, err)
		}
	}
}
