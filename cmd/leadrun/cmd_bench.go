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
	MemProfile  string `help:"Write an allocation profile to this file after the tracked run (since the process started: loading the sample data is in it too; compare two sizes with go tool pprof -diff_base)."`
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
	if err := writeAllocProfile(c.MemProfile); err != nil {
		return err
	}
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
	loop, err := db.NewBaseline(ctx)
	if err != nil {
		return err
	}
	start, cpu := time.Now(), cpuSeconds()
	if err := loop.Run(ctx, runner.LeadsPerCommit(c.ChunkSize)); err != nil {
		return err
	}
	res.LoopSeconds = time.Since(start).Seconds()
	res.LoopCPUSeconds = cpuSeconds() - cpu
	res.LoopLeadsPerSec = float64(loop.Leads()) / res.LoopSeconds
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

// writeAllocProfile writes the allocation profile to path ("": none).
func writeAllocProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
