package leadrun

import "time"

// Entity names what a lifecycle event is about.
type Entity string

// Entities of lifecycle events.
const (
	EntityRun          Entity = "run"
	EntityClientResult Entity = "client_result"
	EntityOperation    Entity = "operation"
)

// LifecycleKind names a lifecycle event: a status transition, or progress of running work.
type LifecycleKind string

// Lifecycle event kinds.
const (
	// Run transitions.
	EventRunQueued   LifecycleKind = "run_queued"   // queued (trigger)
	EventRunStarted  LifecycleKind = "run_started"  // queued → running (planned)
	EventRunFinished LifecycleKind = "run_finished" // → completed | completed_with_errors | failed | cancelled | abandoned
	// Operation transitions. A client result's status is derived from its operations, so
	// it changes when one of them does; EventClientFinished marks its last operation ending.
	EventOperationStarted    LifecycleKind = "operation_started"  // queued → running
	EventOperationRequeued   LifecycleKind = "operation_requeued" // running → queued (hand-over, dead owner)
	EventOperationFinished   LifecycleKind = "operation_finished" // → a terminal status
	EventClientFinished      LifecycleKind = "client_finished"    // every operation of the client result is terminal
	EventOperationProgressed LifecycleKind = "operation_progress" // a committed chunk, at most every few seconds per operation
)

// LifecycleEvent is emitted inside the transaction of every lifecycle transition, so that
// what reacts to it (the Airtable mirror, alerts, metrics) is committed with the change or
// not at all. From and To are statuses (RunStatus or OpStatus values) and are empty for
// progress events.
type LifecycleEvent struct {
	Kind      LifecycleKind
	Entity    Entity
	RunID     string
	ClientID  string        // empty for run events
	Operation OperationKind // empty for run and client-result events
	From, To  string
	Reason    string // plain words: why the transition happened
	By        string // who or what made it: "worker <host:pid>", "reaper", "api", "dashboard", …
	At        time.Time
}
