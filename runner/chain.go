package runner

import (
	"context"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// chain links the operations of a group job. What a small operation costs beyond its
// leads is mostly bookkeeping transactions, so within a group:
//   - the clients and rubrics of all its operations are read at once, when it starts;
//   - the transaction that ends one operation also begins the next (marks it running on
//     this worker, with its start line and event), so each operation costs one
//     transaction of bookkeeping instead of two.
//
// At most one operation of a group runs at any time, as before: a crash abandons at most
// the one being worked, or the one just begun. An operation begun this way and then not
// worked (shutdown, or the group's time ran out) is handed back to the queue.
type chain struct {
	clients map[string]*leadrun.Client
	rubrics map[string]*leadrun.Rubric
	next    *leadrun.OpKey // the operation to begin when the current one ends
	begun   *execution     // next, begun by the transaction that ended the current one
	passed  *leadrun.OpKey // next, found finished or running on another worker
	// pending is begun while its transaction is not committed yet.
	pending       *execution
	pendingPassed bool
}

// loadChain reads the clients and rubrics of a group's operations. A client without a
// rubric (or with one that does not decode) is left out: its operation reads it again
// when it begins, and fails with the store's message.
func (r *Runner) loadChain(ctx context.Context, ops []groupedOp) (*chain, error) {
	ids := make([]string, 0, len(ops))
	for _, op := range ops {
		ids = append(ids, op.ClientID)
	}
	clients, err := r.db.FindClients(ctx, leadrun.ClientFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	rubrics, err := r.db.FindRubrics(ctx, ids)
	if err != nil {
		return nil, err
	}
	ch := &chain{clients: make(map[string]*leadrun.Client, len(clients)), rubrics: rubrics}
	for _, c := range clients {
		ch.clients[c.ID] = c
	}
	return ch, nil
}

// loaded returns what the group read for the client (nil when it read nothing).
func (ch *chain) loaded(clientID string) (*leadrun.Client, *leadrun.Rubric) {
	if ch == nil {
		return nil, nil
	}
	c, r := ch.clients[clientID], ch.rubrics[clientID]
	if c == nil || r == nil {
		return nil, nil
	}
	return c, r
}

// take returns the operation if the previous one's last transaction began it; skip is
// true when that transaction found it finished or running elsewhere.
func (ch *chain) take(key leadrun.OpKey) (ex *execution, skip bool) {
	if ch == nil {
		return nil, false
	}
	if ch.passed != nil && *ch.passed == key {
		ch.passed = nil
		return nil, true
	}
	if ch.begun != nil && ch.begun.key == key {
		ex, ch.begun = ch.begun, nil
		return ex, false
	}
	return nil, false
}

// beginNext begins the group's next operation in tx, the transaction that ends the
// current one; what it began counts once the transaction commits (see committed).
func (r *Runner) beginNext(ctx context.Context, tx *sqldb.Tx, ch *chain) error {
	if ch == nil || ch.next == nil {
		return nil
	}
	ex, err := r.beginIn(ctx, tx, *ch.next, ch)
	if err != nil {
		return err
	}
	ch.pending, ch.pendingPassed = ex, ex == nil
	return nil
}

// committed makes what the ending transaction began count: it committed.
func (ch *chain) committed() {
	if ch == nil || ch.next == nil {
		return
	}
	switch {
	case ch.pending != nil:
		ch.begun = ch.pending
	case ch.pendingPassed:
		ch.passed = ch.next
	}
	ch.pending, ch.pendingPassed, ch.next = nil, false, nil
}

// dropBegun forgets what a transaction that did not commit began.
func (ch *chain) dropBegun() {
	if ch != nil {
		ch.pending, ch.pendingPassed = nil, false
	}
}
