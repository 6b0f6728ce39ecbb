package sqldb_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun/sqldb"
)

// Worker processes and the jobs they hold (sqldb/workers.go), with the real job engine:
// a River client on db.JobDriver() picks the jobs up, so river_job's columns are written
// by River itself, in each backend's own format.

// holdArgs is a job that its worker holds until released.
type holdArgs struct {
	N int `json:"n"`
}

func (holdArgs) Kind() string { return "conformance_hold" }

type holdWorker struct {
	river.WorkerDefaults[holdArgs]
	started chan int64
	release chan struct{}
}

func (w *holdWorker) Work(ctx context.Context, job *river.Job[holdArgs]) error {
	w.started <- job.ID
	select {
	case <-w.release:
	case <-ctx.Done():
	}
	return nil
}

// mustJobs starts a River client with the given ID whose workers hold n jobs at once.
func mustJobs(t *testing.T, db *sqldb.DB, id string, n int) (*sqldb.Jobs, *holdWorker) {
	t.Helper()
	w := &holdWorker{started: make(chan int64, 2*n), release: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	jobs, err := river.NewClient(db.JobDriver(), &river.Config{
		ID:                id,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}},
		Workers:           workers,
		FetchPollInterval: 20 * time.Millisecond,
		FetchCooldown:     10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() { close(w.release) })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := jobs.Stop(ctx); err != nil {
			t.Errorf("stop jobs: %v", err)
		}
	})
	return jobs, w
}

// waitStarted waits, with a deadline, until the workers hold n jobs, and returns their IDs.
func waitStarted(t *testing.T, w *holdWorker, n int) map[int64]bool {
	t.Helper()
	ids := map[int64]bool{}
	deadline := time.After(30 * time.Second)
	for len(ids) < n {
		select {
		case id := <-w.started:
			ids[id] = true
		case <-deadline:
			t.Fatalf("%d of %d jobs started", len(ids), n)
		}
	}
	return ids
}

func orphanIDs(t *testing.T, db *sqldb.DB, staleBefore time.Time, kinds ...string) []int64 {
	t.Helper()
	orphans, err := db.FindOrphanJobs(context.Background(), staleBefore, kinds...)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range orphans {
		if o.Kind != "conformance_hold" || o.WorkerID != "conformance-worker" {
			t.Errorf("orphan %+v, want kind conformance_hold on conformance-worker", o)
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// A job is orphaned when the worker process that picked it up never registered, stopped,
// or stopped heartbeating; registering again revives the worker; releasing makes the job
// available once.
func testWorkersAndOrphanJobs(t *testing.T, db *sqldb.DB, _ uniq) {
	ctx := context.Background()
	const worker = "conformance-worker"
	jobs, w := mustJobs(t, db, worker, 2)

	// A job inserted in a transaction that rolls back does not exist.
	errRollback := errors.New("roll back")
	if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.InsertJob(ctx, jobs, holdArgs{N: -1}, nil); err != nil {
			return err
		}
		return errRollback
	}); !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	var first int64
	mustTx(t, db, func(tx *sqldb.Tx) error {
		res, err := tx.InsertJob(ctx, jobs, holdArgs{N: 1}, nil)
		if err != nil {
			return err
		}
		first = res.Job.ID
		return tx.InsertJobs(ctx, jobs, []river.InsertManyParams{{Args: holdArgs{N: 2}}})
	})
	held := waitStarted(t, w, 2)
	if !held[first] {
		t.Fatalf("started %v, want job %d among them", held, first)
	}
	var total int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'conformance_hold'`).Scan(&total); err != nil || total != 2 {
		t.Fatalf("%d jobs %v, want 2 (the rolled-back one is not stored)", total, err)
	}
	var want []int64
	for id := range held {
		want = append(want, id)
	}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}

	// River stamps the pickup with the real time; the workers table uses db.Now.
	now := time.Now().UTC()
	clk := mustClock(db, now)
	stale := now.Add(time.Minute) // picked up before it
	if got := orphanIDs(t, db, stale, "conformance_hold", "other_kind"); !reflect.DeepEqual(got, want) {
		t.Errorf("orphans of an unregistered worker %v, want %v", got, want)
	}
	if got := orphanIDs(t, db, now.Add(-time.Hour), "conformance_hold"); len(got) != 0 {
		t.Errorf("jobs picked up after the stale limit are orphans: %v", got)
	}
	if got := orphanIDs(t, db, stale, "other_kind"); len(got) != 0 {
		t.Errorf("orphans of another kind: %v", got)
	}

	workerLiveness(t, db, clk, worker, stale, want)

	released, err := db.ReleaseOrphanJob(ctx, first)
	if err != nil || !released {
		t.Fatalf("release: %v %v", released, err)
	}
	var state string
	if err := db.SQL().QueryRowContext(ctx, `SELECT state FROM river_job WHERE id = $1`, first).Scan(&state); err != nil || state != "available" {
		t.Errorf("released job is %q %v, want available", state, err)
	}
	for _, id := range []int64{first, -1} {
		if again, err := db.ReleaseOrphanJob(ctx, id); again || err != nil {
			t.Errorf("release of job %d that is not running: %v %v", id, again, err)
		}
	}
}

// workerLiveness walks the worker through registering, stopping, a heartbeat after the
// stop (which does not revive it), registering again and going silent, checking which of
// its jobs are orphans at each step.
func workerLiveness(t *testing.T, db *sqldb.DB, clk *clock, worker string, stale time.Time, want []int64) {
	t.Helper()
	ctx := context.Background()
	clk.advance(2 * time.Minute) // registered and beating after the stale limit: alive
	if err := db.RegisterWorker(ctx, worker, "host-1", 4242, "rules", "default"); err != nil {
		t.Fatal(err)
	}
	if got := orphanIDs(t, db, stale, "conformance_hold"); len(got) != 0 {
		t.Errorf("orphans of a live worker: %v", got)
	}
	if err := db.StopWorker(ctx, worker); err != nil {
		t.Fatal(err)
	}
	if got := orphanIDs(t, db, stale, "conformance_hold"); !reflect.DeepEqual(got, want) {
		t.Errorf("orphans of a stopped worker %v, want %v", got, want)
	}
	clk.advance(time.Minute)
	if err := db.HeartbeatWorker(ctx, worker); err != nil {
		t.Fatal(err)
	}
	if got := orphanIDs(t, db, stale, "conformance_hold"); !reflect.DeepEqual(got, want) {
		t.Errorf("a heartbeat revived a stopped worker: orphans %v, want %v", got, want)
	}
	if err := db.RegisterWorker(ctx, worker, "host-1", 4243, "rules", "default"); err != nil {
		t.Fatal(err)
	}
	if got := orphanIDs(t, db, stale, "conformance_hold"); len(got) != 0 {
		t.Errorf("orphans after registering again: %v", got)
	}
	// Its heartbeat stops: stale once the limit passes its last beat.
	clk.advance(time.Minute)
	if err := db.HeartbeatWorker(ctx, worker); err != nil {
		t.Fatal(err)
	}
	if got := orphanIDs(t, db, clk.now.Add(-time.Second), "conformance_hold"); len(got) != 0 {
		t.Errorf("orphans of a worker that just beat: %v", got)
	}
	if got := orphanIDs(t, db, clk.now.Add(time.Second), "conformance_hold"); !reflect.DeepEqual(got, want) {
		t.Errorf("orphans of a worker silent since the limit %v, want %v", got, want)
	}
}
