package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
)

// BenchCmd measures end-to-end scoring against the database's own write limit.
type BenchCmd struct {
	RunnerFlags
	Target      string `enum:"sqlite,postgres" default:"sqlite" help:"Database to benchmark: a fresh temporary SQLite file, or a fresh PostgreSQL database."`
	PostgresURL string `env:"LEADRUN_BENCH_POSTGRES_URL" default:"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable" help:"PostgreSQL server on which --target postgres creates (and drops) its database."`
	Clients     int    `default:"20" help:"Synthetic clients."`
	Leads       int    `default:"100000" help:"Synthetic leads in total, spread over the clients."`
	JSON        bool   `name:"json" help:"Print the result as JSON."`
	CPUProfile  string `help:"Write a CPU profile of the tracked run to this file."`
	Trace       string `help:"Write an execution trace of the tracked run to this file (go tool trace)."`

	AILatency     time.Duration `name:"ai-latency" help:"AI mode: score through an in-process OpenAI-compatible fake with this latency per call (e.g. 200ms), against the ideal concurrency × chunk ÷ latency."`
	OriginalLeads int           `default:"400" help:"AI mode: leads for the original platform's design (one chunk at a time, 2 s pause)."`

	API         bool          `name:"api" help:"API mode: latency of GET /api/v1/runs at a fixed rate, with many runs stored, while a run is scoring."`
	APIRuns     int           `default:"10000" help:"API mode: runs stored."`
	APIRate     int           `default:"500" help:"API mode: requests per second."`
	APIDuration time.Duration `default:"20s" help:"API mode: how long to send requests."`

	Procs int `name:"procs" help:"Processes mode: time one run worked by 1, 2, … N separate leadrun worker processes (rules scorer with --rules-delay, default 200ms), each on a fresh database with the same leads; reports speed-up, efficiency against processes × workers × chunk ÷ delay, chunk overhead, job retries and deadlocks."`
}

// benchResult is what the benchmark reports.
type benchResult struct {
	Target          string  `json:"target"`
	Clients         int     `json:"clients"`
	Leads           int64   `json:"leads"`
	ChunkSize       int     `json:"chunk_size"`
	Workers         int     `json:"workers"`
	CPUs            int     `json:"cpus"`
	LoadSeconds     float64 `json:"load_seconds"`
	RunSeconds      float64 `json:"run_seconds"`
	RunLeadsPerSec  float64 `json:"run_leads_per_second"`
	LoopSeconds     float64 `json:"update_loop_seconds"`
	LoopLeadsPerSec float64 `json:"update_loop_leads_per_second"`
	Ratio           float64 `json:"run_to_update_loop_ratio"`
	RunCPUSeconds   float64 `json:"run_cpu_seconds"`
	LoopCPUSeconds  float64 `json:"update_loop_cpu_seconds"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	RunStatus       string  `json:"run_status"`
}

// Run builds a fresh database, loads synthetic data, scores it in one tracked run with the
// rules scorer, then replays the same lead updates as a plain loop of UPDATEs in
// transactions of the size the run commits in, and reports both rates and their ratio.
func (c *BenchCmd) Run(ctx context.Context, a *app) error {
	if c.Clients < 1 || c.Leads < c.Clients {
		return leadrun.Errorf(leadrun.EINVALID, "need at least 1 client and 1 lead per client")
	}
	if c.AILatency > 0 {
		return c.runAI(ctx, a)
	}
	if c.API {
		return c.runAPI(ctx, a)
	}
	if c.Procs > 0 {
		return c.runProcs(ctx, a)
	}
	db, cleanup, err := c.openFresh(ctx, a)
	if err != nil {
		return err
	}
	defer cleanup()
	res := benchResult{Target: c.Target, Clients: c.Clients, ChunkSize: c.ChunkSize, Workers: c.Workers, CPUs: runtime.NumCPU()}
	fmt.Fprintf(a.errOut, "bench: %d leads over %d clients on %s\n", c.Leads, c.Clients, c.Target)
	start := time.Now()
	ds := sample.Generate(sample.Options{Clients: c.Clients, LeadsPerClient: c.Leads / c.Clients, Streams: 1, Seed: 1})
	for _, cl := range ds.Clients {
		cl.LeadScoringLimit, cl.ServiceLevel = 0, leadrun.ServiceLeadScoring // every lead, leads only
	}
	if err := loadQuietly(ctx, db, ds); err != nil {
		return err
	}
	res.LoadSeconds = time.Since(start).Seconds()
	ds = sample.Dataset{} // let the generator's memory go before measuring the run
	debug.FreeOSMemory()
	resetPeakRSS()
	if c.CPUProfile != "" {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	if c.Trace != "" {
		f, err := os.Create(c.Trace)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
	}
	cpu := cpuSeconds()
	err = c.measureRun(ctx, a, &res)
	res.RunCPUSeconds = cpuSeconds() - cpu
	pprof.StopCPUProfile()
	trace.Stop()
	if err != nil {
		return err
	}
	res.PeakRSSMB = peakRSSMB()
	if err := c.measureLoop(ctx, db, &res); err != nil {
		return err
	}
	res.Ratio = res.RunLeadsPerSec / res.LoopLeadsPerSec
	if c.JSON {
		return writeJSON(a.out, res)
	}
	printBench(a, res)
	return nil
}

// openFresh makes the app's database a fresh, migrated one, removed by cleanup.
func (c *BenchCmd) openFresh(ctx context.Context, a *app) (*sqldb.DB, func(), error) {
	dbURL, cleanup, err := c.freshDatabase(ctx)
	if err != nil {
		return nil, nil, err
	}
	a.DB, a.mayCreate = dbURL, true
	db, err := a.open(ctx)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return db, func() { db.Close(); a.db = nil; cleanup() }, nil
}

func (c *BenchCmd) freshDatabase(ctx context.Context) (string, func(), error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	if c.Target == "sqlite" {
		dir, err := os.MkdirTemp("", "leadrun-bench-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite://" + filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	}
	name := "leadrun_bench_" + hex.EncodeToString(suffix)
	dbURL, err := sqldb.CreatePostgresDatabase(ctx, c.PostgresURL, name)
	if err != nil {
		return "", nil, err
	}
	return dbURL, func() { _ = sqldb.DropPostgresDatabase(context.Background(), c.PostgresURL, name) }, nil
}

func loadQuietly(ctx context.Context, db *sqldb.DB, ds sample.Dataset) error {
	for _, cl := range ds.Clients {
		if err := db.CreateClient(ctx, cl); err != nil {
			return err
		}
		if err := db.SetRubric(ctx, cl.ID, ds.Rubrics[cl.ID]); err != nil {
			return err
		}
		if _, err := db.UpsertLeads(ctx, cl.ID, ds.Leads[cl.ID]); err != nil {
			return err
		}
	}
	return nil
}

func (c *BenchCmd) measureRun(ctx context.Context, a *app, res *benchResult) error {
	r, err := a.newRunner(ctx, c.RunnerFlags)
	if err != nil {
		return err
	}
	start := time.Now()
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI, RequestedBy: "leadrun bench"})
	if err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	final, err := r.Wait(ctx, run.ID, 100*time.Millisecond, nil)
	elapsed := time.Since(start)
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := r.Shutdown(sctx); err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	res.Leads, res.RunStatus = final.Totals.LeadsExamined, string(final.Status)
	res.RunSeconds = elapsed.Seconds()
	res.RunLeadsPerSec = float64(res.Leads) / res.RunSeconds
	return nil
}

// measureLoop replays the run's writes as the database's own limit: the same columns of
// the same leads, in transactions of the size the run commits fast chunks in, with a
// representative breakdown.
func (c *BenchCmd) measureLoop(ctx context.Context, db *sqldb.DB, res *benchResult) error {
	ids, breakdown, err := scoredLeadIDs(ctx, db)
	if err != nil {
		return err
	}
	if err := resetScores(ctx, db); err != nil {
		return err
	}
	start, cpu := time.Now(), cpuSeconds()
	perTx := runner.LeadsPerCommit(c.ChunkSize)
	for i := 0; i < len(ids); i += perTx {
		chunk := ids[i:min(i+perTx, len(ids))]
		if err := db.InTx(ctx, func(tx *sqldb.Tx) error { return updateLoop(ctx, tx, chunk, breakdown) }); err != nil {
			return err
		}
	}
	res.LoopSeconds = time.Since(start).Seconds()
	res.LoopCPUSeconds = cpuSeconds() - cpu
	res.LoopLeadsPerSec = float64(len(ids)) / res.LoopSeconds
	return nil
}

func scoredLeadIDs(ctx context.Context, db *sqldb.DB) ([]int64, string, error) {
	var breakdown string
	err := db.SQL().QueryRowContext(ctx, `SELECT breakdown FROM lead_assessments WHERE breakdown IS NOT NULL
		ORDER BY length(breakdown) DESC LIMIT 1`).Scan(&breakdown)
	if err != nil {
		return nil, "", fmt.Errorf("no scored lead to copy a breakdown from: %w", err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT id FROM leads ORDER BY id`)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, "", err
		}
		ids = append(ids, id)
	}
	return ids, breakdown, rows.Err()
}

// resetScores puts every lead back where the run found it (untimed), so that the loop
// makes the same transitions the run made.
func resetScores(ctx context.Context, db *sqldb.DB) error {
	return db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET scoring_status = 'to_be_scored', score = NULL,
			scored_at = NULL, attempts = 0, last_reason = '', last_run_id = ''`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM lead_assessments`)
		return err
	})
}

// updateLoop writes what scoring writes for each lead — the lead row and its assessment —
// with plain prepared statements and nothing else.
func updateLoop(ctx context.Context, tx *sqldb.Tx, ids []int64, breakdown string) error {
	lead, err := tx.PrepareContext(ctx, `UPDATE leads SET scoring_status = $2, score = $3, scored_at = $4,
		attempts = attempts + 1, last_reason = $5, last_run_id = $6, updated_at = $4 WHERE id = $1`)
	if err != nil {
		return err
	}
	defer lead.Close()
	assessment, err := tx.PrepareContext(ctx, `INSERT INTO lead_assessments (lead_id, assessment, breakdown,
		ai_excluded, exclude_details) VALUES ($1,$2,$3,$4,$5)`)
	if err != nil {
		return err
	}
	defer assessment.Close()
	now := tx.Stamp()
	for _, id := range ids {
		if _, err := lead.ExecContext(ctx, id, "scored", 55.5, now, "", "bench-loop"); err != nil {
			return err
		}
		if _, err := assessment.ExecContext(ctx, id, "Strongest: Founder 10/10, Coaching 5/5.", breakdown, false, ""); err != nil {
			return err
		}
	}
	return nil
}

func printBench(a *app, r benchResult) {
	fmt.Fprintf(a.out, "\nleadrun bench — %s, %d CPUs, %d clients, %d leads, chunk %d, %d workers\n", r.Target, r.CPUs,
		r.Clients, r.Leads, r.ChunkSize, r.Workers)
	fmt.Fprintf(a.out, "  load sample data        %8.2f s\n", r.LoadSeconds)
	fmt.Fprintf(a.out, "  tracked run (%s)  %8.2f s  %9.0f leads/s  %5.1f µs CPU/lead\n", r.RunStatus, r.RunSeconds,
		r.RunLeadsPerSec, r.RunCPUSeconds/float64(max(r.Leads, 1))*1e6)
	fmt.Fprintf(a.out, "  plain UPDATE loop       %8.2f s  %9.0f leads/s  %5.1f µs CPU/lead\n", r.LoopSeconds,
		r.LoopLeadsPerSec, r.LoopCPUSeconds/float64(max(r.Leads, 1))*1e6)
	fmt.Fprintf(a.out, "  run ÷ loop              %8.1f %%\n", r.Ratio*100)
	fmt.Fprintf(a.out, "  peak RSS during run     %8.1f MB\n", r.PeakRSSMB)
}

// cpuSeconds is the CPU time (user and system) this process used so far: per-lead CPU is
// steadier than wall-clock rates on a shared machine.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// resetPeakRSS resets the kernel's high-water mark of this process's resident memory.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB reads the high-water mark of resident memory (VmHWM) in MB, 0 if unknown.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
