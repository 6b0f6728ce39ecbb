package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/rules"
	"github.com/leadrun/leadrun/sqldb"
)

// procsPhase is one measured run worked by a number of `leadrun worker` processes.
type procsPhase struct {
	Procs         int     `json:"processes"`
	Leads         int64   `json:"leads"`
	Seconds       float64 `json:"seconds"`
	LeadsPerSec   float64 `json:"leads_per_second"`
	IdealPerSec   float64 `json:"ideal_leads_per_second"`
	Efficiency    float64 `json:"efficiency"`
	Speedup       float64 `json:"speedup_vs_one_process"`
	ChunkOverhead float64 `json:"chunk_overhead_ms"` // mean time per chunk beyond the scorer's delay
	OpsPerProc    string  `json:"operations_per_process"`
	JobRetries    int64   `json:"job_retries"`
	Deadlocks     int64   `json:"deadlocks"`
	Status        string  `json:"run_status"`
}

// runProcs measures how worker processes add up: for 1…N processes, a fresh database with
// the same leads, one run worked only by that many `leadrun worker` children (this
// binary, scoring with the rules scorer and --rules-delay per call), timed from trigger to
// finish. The ideal is processes × workers × chunk ÷ delay.
func (c *BenchCmd) runProcs(ctx context.Context, a *app) error {
	flags := c.RunnerFlags
	if flags.RulesDelay <= 0 {
		flags.RulesDelay = 200 * time.Millisecond
	}
	fmt.Fprintf(a.errOut, "bench: processes mode, %d leads over %d clients on %s, 1…%d worker processes × %d workers, chunk %d, delay %s\n",
		c.Leads, c.Clients, c.Target, c.Procs, flags.Workers, flags.ChunkSize, flags.RulesDelay)
	var phases []procsPhase
	for p := 1; p <= c.Procs; p++ {
		ph, err := c.procsPhase(ctx, a, flags, p)
		if err != nil {
			return fmt.Errorf("%d processes: %w", p, err)
		}
		ph.Speedup = ph.LeadsPerSec / max(phases0(phases, ph).LeadsPerSec, 1e-9)
		phases = append(phases, ph)
		fmt.Fprintf(a.errOut, "bench: %d processes: %.2f s, %.0f leads/s\n", p, ph.Seconds, ph.LeadsPerSec)
	}
	if c.JSON {
		return writeJSON(a.out, phases)
	}
	printProcsBench(a.out, c.Target, flags, phases)
	return nil
}

func phases0(phases []procsPhase, first procsPhase) procsPhase {
	if len(phases) == 0 {
		return first
	}
	return phases[0]
}

// procsPhase loads a fresh database, starts the workers, triggers a run and times it.
func (c *BenchCmd) procsPhase(ctx context.Context, a *app, flags RunnerFlags, procs int) (procsPhase, error) {
	ph := procsPhase{Procs: procs}
	db, cleanup, err := c.openFresh(ctx, a)
	if err != nil {
		return ph, err
	}
	defer cleanup()
	ds := sample.Generate(sample.Options{Clients: c.Clients, LeadsPerClient: c.Leads / c.Clients, Streams: 1, Seed: 4})
	for _, cl := range ds.Clients {
		cl.LeadScoringLimit, cl.ServiceLevel = 0, leadrun.ServiceLeadScoring
	}
	if err := loadQuietly(ctx, db, ds); err != nil {
		return ph, err
	}
	if err := db.Analyze(ctx); err != nil {
		return ph, err
	}
	deadlocks0 := pgDeadlocks(ctx, db)
	workers := make([]*workerProcess, procs)
	defer func() {
		for _, w := range workers {
			if w != nil {
				w.stop(a)
			}
		}
	}()
	for i := range workers {
		if workers[i], err = startBenchWorker(a, flags); err != nil {
			return ph, err
		}
	}
	trig, err := runner.New(db, rules.New(rules.Options{}), a.log, runner.Config{})
	if err != nil {
		return ph, err
	}
	start := time.Now()
	run, err := trig.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI, RequestedBy: "leadrun bench"})
	if err != nil {
		return ph, err
	}
	final, err := waitTerminal(ctx, db, run.ID, 10*time.Minute)
	if err != nil {
		return ph, err
	}
	ph.Seconds = time.Since(start).Seconds()
	ph.Status = string(final.Status)
	ph.Leads = final.Totals.LeadsExamined
	ph.LeadsPerSec = float64(ph.Leads) / ph.Seconds
	ph.IdealPerSec = float64(procs*flags.Workers*flags.ChunkSize) / flags.RulesDelay.Seconds()
	ph.Efficiency = ph.LeadsPerSec / ph.IdealPerSec
	ph.ChunkOverhead = chunkOverheadMS(ctx, db, run.ID, flags)
	ph.OpsPerProc = opsPerProcess(ctx, db)
	ph.JobRetries = jobRetries(ctx, db)
	ph.Deadlocks = pgDeadlocks(ctx, db) - deadlocks0
	return ph, nil
}

// waitTerminal polls the run until it ends or the deadline passes.
func waitTerminal(ctx context.Context, db *sqldb.DB, id string, within time.Duration) (*leadrun.Run, error) {
	deadline := time.Now().Add(within)
	for {
		run, err := db.FindRunByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if run.Status.Terminal() {
			return run, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("run %s still %s after %s", id, run.Status, within)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// chunkOverheadMS is the median over operations of the time an operation spent per chunk
// beyond the scorer's delay: what reading, writing and committing a chunk cost (the
// median, so that an operation delayed by a job retry does not count).
func chunkOverheadMS(ctx context.Context, db *sqldb.DB, runID string, f RunnerFlags) float64 {
	results, err := db.FindClientResults(ctx, runID)
	if err != nil {
		return -1
	}
	var perChunk []time.Duration
	for _, cr := range results {
		for _, op := range cr.Operations {
			if op.StartedAt == nil || op.FinishedAt == nil || op.Examined == 0 {
				continue
			}
			chunks := (op.Examined + int64(f.ChunkSize) - 1) / int64(f.ChunkSize)
			perChunk = append(perChunk, op.FinishedAt.Sub(*op.StartedAt)/time.Duration(chunks)-f.RulesDelay)
		}
	}
	if len(perChunk) == 0 {
		return -1
	}
	slices.Sort(perChunk)
	return perChunk[len(perChunk)/2].Seconds() * 1000
}

// opsPerProcess counts the completed operation jobs each worker process ran, from River's
// job rows (attempted_by names the process's client).
func opsPerProcess(ctx context.Context, db *sqldb.DB) string {
	st, err := db.FindJobStats(ctx)
	if err != nil {
		return "?"
	}
	out := make([]string, 0, len(st.ByProc))
	for _, n := range st.ByProc {
		out = append(out, strconv.Itoa(n))
	}
	slices.Sort(out)
	return strings.Join(out, "/")
}

// jobRetries counts River job attempts beyond the first.
func jobRetries(ctx context.Context, db *sqldb.DB) int64 {
	st, err := db.FindJobStats(ctx)
	if err != nil {
		return -1
	}
	return st.Retries
}

// pgDeadlocks is PostgreSQL's deadlock counter for the database (0 on SQLite).
func pgDeadlocks(ctx context.Context, db *sqldb.DB) int64 {
	n, err := db.Deadlocks(ctx)
	if err != nil {
		return -1
	}
	return n
}

func printProcsBench(w io.Writer, target string, f RunnerFlags, phases []procsPhase) {
	fmt.Fprintf(w, "\nleadrun bench (processes) — %s, %d workers per process, chunk %d, scorer delay %s\n", target, f.Workers, f.ChunkSize, f.RulesDelay)
	fmt.Fprintf(w, "%-6s %8s %8s %9s %9s %7s %8s %12s %-14s %7s %9s %s\n", "PROCS", "LEADS", "SECONDS", "LEADS/S", "IDEAL/S",
		"EFFIC", "SPEEDUP", "CHUNK OVERH", "OPS/PROCESS", "RETRIES", "DEADLOCKS", "STATUS")
	for _, p := range phases {
		fmt.Fprintf(w, "%-6d %8d %8.2f %9.1f %9.1f %6.1f%% %7.2f× %9.1f ms %-14s %7d %9d %s\n", p.Procs, p.Leads, p.Seconds,
			p.LeadsPerSec, p.IdealPerSec, p.Efficiency*100, p.Speedup, p.ChunkOverhead, p.OpsPerProc, p.JobRetries, p.Deadlocks, p.Status)
	}
}

// workerProcess is `leadrun worker` running as a child process.
type workerProcess struct {
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan error
}

// startBenchWorker starts this binary as `leadrun worker` on the app's database and waits until
// it works jobs.
func startBenchWorker(a *app, f RunnerFlags) (*workerProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	w := &workerProcess{logs: &lockedBuffer{}, done: make(chan error, 1)}
	w.cmd = exec.Command(exe, "worker", "--log-level", "warn", "--scorer", "rules",
		"--workers", strconv.Itoa(f.Workers), "--chunk-size", strconv.Itoa(f.ChunkSize),
		"--rules-delay", f.RulesDelay.String(), "--shutdown-grace", "10s")
	// The database URL goes in the environment, not the arguments: it may hold a password.
	w.cmd.Env = append(os.Environ(), "LEADRUN_DATABASE_URL="+a.DB, "LEADRUN_SCHEDULE=")
	w.cmd.Stdout, w.cmd.Stderr = w.logs, w.logs
	if err := w.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { w.done <- w.cmd.Wait() }()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if strings.Contains(w.logs.String(), "leadrun worker: working runs") {
			return w, nil
		}
		select {
		case err := <-w.done:
			return nil, fmt.Errorf("leadrun worker exited (%v):\n%s", err, w.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	_ = w.cmd.Process.Kill()
	<-w.done
	return nil, fmt.Errorf("leadrun worker did not start:\n%s", w.logs.String())
}

// stop sends SIGTERM and waits for the process to exit (kills it after 20 s).
func (w *workerProcess) stop(a *app) {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
		fmt.Fprintf(a.errOut, "bench: leadrun worker did not stop on SIGTERM; killed\n")
	}
}
