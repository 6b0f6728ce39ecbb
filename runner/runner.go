// Package runner executes tracked smart-resume runs on the River job engine: a trigger
// creates the run, a plan job creates its client results and operations, one job per
// (run, client, operation) scores in chunks, and the last operation to finish finalizes
// the run exactly once. Heartbeats, a reaper and cancellation keep runs honest.
package runner

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
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
	WorkerWait       time.Duration  // how long a run waits for a worker offering its scorer (default 30s)
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
	defDur(&c.QuietAfter, leadrun.QuietAfter)
	defDur(&c.ScheduleTick, 15*time.Second)
	defDur(&c.WorkerWait, 30*time.Second)
}

// Runner triggers, executes, watches and cancels runs.
type Runner struct {
	db     *sqldb.DB
	scorer leadrun.Scorer
	log    *slog.Logger
	cfg    Config
	jobs   *sqldb.Jobs
	info   leadrun.ScorerInfo // the scorer configuration this process offers

	schedules map[int]cron.Schedule
	hooks     []Hook
	workerID  string // this process, as the job engine and the workers table know it
	health    dbHealth
	// failpoint, set only by tests (export_test.go), is called at named steps so that a
	// test can stop a worker there as a crash would.
	failpoint func(ctx context.Context, step string) error
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
	r := &Runner{db: db, scorer: scorer, log: logger, cfg: cfg, schedules: map[int]cron.Schedule{}, workerID: newWorkerID(),
		info: leadrun.DescribeScorer(scorer)}
	r.health.now = time.Now
	for stream, expr := range cfg.Schedules {
		sched, _, err := leadrun.ParseCron(expr)
		if err != nil {
			return nil, leadrun.Errorf(leadrun.EINVALID, "schedule of stream %d: %v", stream, err)
		}
		r.schedules[stream] = sched
	}
	r.active.ops = map[leadrun.OpKey]context.CancelCauseFunc{}
	workers := river.NewWorkers()
	river.AddWorker(workers, &planWorker{r: r})
	river.AddWorker(workers, &operationWorker{r: r})
	river.AddWorker(workers, &groupWorker{r: r})
	river.AddWorker(workers, &alertWorker{r: r})
	periodic := r.extend(workers)
	client, err := river.NewClient(db.JobDriver(), &river.Config{
		ID:           r.workerID,
		PeriodicJobs: periodic,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers},
			r.info.Queue(): {MaxWorkers: cfg.Workers}},
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

// Start makes this process work runs: the job engine, the heartbeat and the reaper. The
// job engine does not get ctx's cancellation: ending ctx would hard-stop running jobs,
// each spending an attempt with nothing recorded. Shutdown stops it gracefully.
func (r *Runner) Start(ctx context.Context) error {
	host, _ := os.Hostname()
	if err := r.db.RegisterWorker(ctx, r.workerID, host, os.Getpid(), r.info.String(), r.info.Queue()); err != nil {
		return fmt.Errorf("register worker: %w", err)
	}
	if len(r.schedules) > 0 {
		if err := r.declareSchedules(ctx, host); err != nil {
			return fmt.Errorf("record schedules: %w", err)
		}
	}
	if err := r.jobs.Start(context.WithoutCancel(ctx)); err != nil {
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
	if err != nil {
		// Past the grace period: whatever still runs is cut off; its operations stay
		// running without a heartbeat and are handed on by the reaper of a live worker.
		r.log.Warn("shutdown grace period over; stopping what still runs", "error", err)
		hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.jobs.StopAndCancel(hard)
	}
	if r.stop != nil {
		r.stop()
		r.loops.Wait()
		if serr := r.db.StopWorker(context.WithoutCancel(ctx), r.workerID); serr != nil {
			r.log.Warn("could not record the worker's stop", "error", serr)
		}
	}
	return err
}

// WorkerID is this process's name in the workers table, the job engine and the log.
func (r *Runner) WorkerID() string { return r.workerID }

func newWorkerID() string {
	host, _ := os.Hostname()
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

// Working reports whether this process is working jobs (started and not shutting down).
func (r *Runner) Working() bool { return r.working.Load() }

// Trigger starts a run: it allocates the run ID and enqueues its planning in one
// transaction. A busy stream gives *leadrun.StreamBusyError naming the active run.
func (r *Runner) Trigger(ctx context.Context, req leadrun.TriggerRequest) (*leadrun.Run, error) {
	var run *leadrun.Run
	err := r.db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		run, err = r.queueRun(ctx, tx, req)
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

// Cancel cancels an active run; workers stop its operations within a heartbeat. by says
// who asked (e.g. "api", "dashboard", "cli root@host"), for the record.
func (r *Runner) Cancel(ctx context.Context, runID, reason, by string) (*leadrun.Run, error) {
	if reason == "" {
		reason = "cancelled on request"
	}
	if by == "" {
		by = "unknown"
	}
	if err := r.cancelRun(ctx, runID, reason, by); err != nil {
		return nil, err
	}
	r.active.cancelRun(runID, errStopped)
	r.log.Info("run cancelled", "run_id", runID, "reason", reason, "by", by)
	return r.db.FindRunByID(ctx, runID)
}

// Wait polls a run until it is terminal or ctx ends, calling progress (if not nil) with a
// reading at most once a second. Each poll reads the run's status only: a run's totals
// are summed over its operations, which costs in proportion to its clients.
func (r *Runner) Wait(ctx context.Context, runID string, every time.Duration, progress func(*leadrun.Run)) (*leadrun.Run, error) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	var reported time.Time
	for {
		status, err := r.db.FindRunStatus(ctx, runID)
		if err != nil {
			return nil, err
		}
		if status.Terminal() || (progress != nil && time.Since(reported) >= time.Second) {
			run, err := r.db.FindRunByID(ctx, runID)
			if err != nil {
				return nil, err
			}
			if progress != nil {
				progress(run)
				reported = time.Now()
			}
			if run.Status.Terminal() {
				return run, nil
			}
		}
		select {
		case <-ctx.Done():
			run, _ := r.db.FindRunByID(context.WithoutCancel(ctx), runID)
			return run, ctx.Err()
		case <-ticker.C:
		}
	}
}

var (
	// errDraining stops an operation because this process is shutting down.
	errDraining = errors.New("worker shutting down")
	// errStopped stops an operation that is no longer running (cancelled or abandoned).
	errStopped = errors.New("operation no longer running")
)

// at calls the test failpoint of a step, if any.
func (r *Runner) at(ctx context.Context, step string) error {
	if r.failpoint == nil {
		return nil
	}
	return r.failpoint(ctx, step)
}
