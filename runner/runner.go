// Package runner executes tracked smart-resume runs on the River job engine: a trigger
// creates the run, a plan job creates its client results and operations, one job per
// (run, client, operation) scores in chunks, and the last operation to finish finalizes
// the run exactly once. Heartbeats, a reaper and cancellation keep runs honest.
package runner

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"
	"github.com/robfig/cron/v3"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
)

// Config tunes a Runner. Zero values take the defaults.
type Config struct {
	Workers          int            // operations worked at once by this process (default 4)
	ChunkSize        int            // leads per scorer call (default 40)
	MaxAttempts      int            // tries per lead or post before it stays failed (default 3)
	StaleAfter       time.Duration  // an operation without heartbeat this long is abandoned (default 2m)
	HeartbeatEvery   time.Duration  // heartbeat and cancellation check (default 1s)
	ReapEvery        time.Duration  // stale-run check (default 15s)
	OperationTimeout time.Duration  // a (run, client, operation) is cut off after this (default 2h)
	ChunkPause       time.Duration  // wait between chunks of one operation (the original's 2 s; default none)
	AlertWebhookURL  string         // where run alerts go (Slack-compatible JSON); empty = no alerts
	QuietAfter       time.Duration  // alert for an active client with no lead scored this long (default 72h)
	Schedules        map[int]string // stream → cron expression (UTC); see ParseSchedules
	ScheduleTick     time.Duration  // how often schedules are checked (default 15s)
	Extensions       []Extension    // job kinds of other packages (see Extension)
}

func (c *Config) setDefaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Workers, 4)
	def(&c.ChunkSize, 40)
	def(&c.MaxAttempts, leadrun.DefaultMaxAttempts)
	defDur(&c.StaleAfter, 2*time.Minute)
	defDur(&c.HeartbeatEvery, min(time.Second, c.StaleAfter/4))
	defDur(&c.ReapEvery, min(15*time.Second, c.StaleAfter/2))
	defDur(&c.OperationTimeout, 2*time.Hour)
	defDur(&c.QuietAfter, 72*time.Hour)
	defDur(&c.ScheduleTick, 15*time.Second)
}

// Runner triggers, executes, watches and cancels runs.
type Runner struct {
	db     *sqldb.DB
	scorer leadrun.Scorer
	log    *slog.Logger
	cfg    Config
	jobs   *river.Client[*sql.Tx]

	schedules map[int]cron.Schedule
	hooks     []Hook
	active    activeOps
	draining  atomic.Bool
	working   atomic.Bool // Start succeeded and Shutdown has not begun
	stop      context.CancelFunc
	loops     sync.WaitGroup
}

// New builds a Runner. It can trigger and cancel runs at once; Start makes this process
// work jobs too.
func New(db *sqldb.DB, scorer leadrun.Scorer, logger *slog.Logger, cfg Config) (*Runner, error) {
	cfg.setDefaults()
	r := &Runner{db: db, scorer: scorer, log: logger, cfg: cfg, schedules: map[int]cron.Schedule{}}
	for stream, expr := range cfg.Schedules {
		sched, err := cron.ParseStandard(expr)
		if err != nil {
			return nil, leadrun.Errorf(leadrun.EINVALID, "schedule of stream %d: %v", stream, err)
		}
		r.schedules[stream] = sched
	}
	r.active.ops = map[leadrun.OpKey]context.CancelCauseFunc{}
	workers := river.NewWorkers()
	river.AddWorker(workers, &planWorker{r: r})
	river.AddWorker(workers, &operationWorker{r: r})
	river.AddWorker(workers, &alertWorker{r: r})
	periodic := r.extend(workers)
	client, err := river.NewClient(db.JobDriver(), &river.Config{
		PeriodicJobs:         periodic,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		Logger:               quietLogger(logger),
		FetchPollInterval:    50 * time.Millisecond,
		FetchCooldown:        20 * time.Millisecond,
		RescueStuckJobsAfter: cfg.OperationTimeout + time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("job engine: %w", err)
	}
	r.jobs = client
	return r, nil
}

// quietLogger keeps the job engine to warnings: run progress is logged by the runner.
func quietLogger(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

// Start makes this process work runs: the job engine, the heartbeat and the reaper.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.jobs.Start(ctx); err != nil {
		return fmt.Errorf("start job engine: %w", err)
	}
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	r.working.Store(true)
	r.loops.Add(2)
	go r.heartbeatLoop(loopCtx)
	go r.reapLoop(loopCtx)
	if len(r.schedules) > 0 {
		r.loops.Add(1)
		go r.scheduleLoop(loopCtx, r.schedules)
	}
	r.startLoops(loopCtx)
	return nil
}

// Shutdown stops taking work, lets in-flight chunks commit, hands unfinished operations
// back to the queue (another worker, or this one after a restart, resumes them) and waits
// for the job engine to stop or ctx to end.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.draining.Store(true)
	r.working.Store(false)
	r.active.cancelAll(errDraining)
	err := r.jobs.Stop(ctx)
	if r.stop != nil {
		r.stop()
		r.loops.Wait()
	}
	return err
}

// Working reports whether this process is working jobs (started and not shutting down).
func (r *Runner) Working() bool { return r.working.Load() }

// Trigger starts a run: it allocates the run ID and enqueues its planning in one
// transaction. A busy stream gives *leadrun.StreamBusyError naming the active run.
func (r *Runner) Trigger(ctx context.Context, req leadrun.TriggerRequest) (*leadrun.Run, error) {
	var run *leadrun.Run
	err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if run, err = tx.CreateRun(ctx, req); err != nil {
			return err
		}
		msg := fmt.Sprintf("Run queued by %s", req.Trigger)
		if req.RequestedBy != "" {
			msg += " (" + req.RequestedBy + ")"
		}
		if err := tx.AddEvent(ctx, leadrun.RunEvent{RunID: run.ID, Message: msg}); err != nil {
			return err
		}
		_, err = r.jobs.InsertTx(ctx, tx.Tx, planArgs{RunID: run.ID}, &river.InsertOpts{
			MaxAttempts: 5,
			UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: activeJobStates},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	r.log.Info("run queued", "run_id", run.ID, "stream", run.Stream, "trigger", run.Trigger)
	return run, nil
}

var activeJobStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// Cancel cancels an active run; workers stop its operations within a heartbeat.
func (r *Runner) Cancel(ctx context.Context, runID, reason string) (*leadrun.Run, error) {
	if reason == "" {
		reason = "cancelled on request"
	}
	run, err := r.db.CancelRun(ctx, runID, reason)
	if err != nil {
		return nil, err
	}
	r.active.cancelRun(runID, errStopped)
	r.log.Info("run cancelled", "run_id", runID, "reason", reason)
	return run, nil
}

// Wait polls a run until it is terminal or ctx ends, calling progress (if not nil) with
// each reading.
func (r *Runner) Wait(ctx context.Context, runID string, every time.Duration, progress func(*leadrun.Run)) (*leadrun.Run, error) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		run, err := r.db.FindRunByID(ctx, runID)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(run)
		}
		if run.Status.Terminal() {
			return run, nil
		}
		select {
		case <-ctx.Done():
			return run, ctx.Err()
		case <-ticker.C:
		}
	}
}

// completeTx marks a job completed inside tx, atomically with the run-tracking writes.
// River needs the concrete driver type, which depends on the backend.
func completeTx[T river.JobArgs](ctx context.Context, kind sqldb.Kind, tx *sql.Tx, job *river.Job[T]) error {
	var err error
	if kind == sqldb.SQLite {
		_, err = river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job)
	} else {
		_, err = river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, job)
	}
	return err
}

var (
	// errDraining stops an operation because this process is shutting down.
	errDraining = errors.New("worker shutting down")
	// errStopped stops an operation that is no longer running (cancelled or abandoned).
	errStopped = errors.New("operation no longer running")
)
