package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
)

// apiWarmup is sent at the full rate before the measured window (connections open, the
// server's pools fill); its latencies are not counted.
const apiWarmup = 2 * time.Second

// apiBenchResult is what the API benchmark reports.
type apiBenchResult struct {
	Target       string  `json:"target"`
	Runs         int     `json:"runs_stored"`
	Server       string  `json:"server"`
	Rate         int     `json:"requests_per_second"`
	Seconds      float64 `json:"seconds"`
	Requests     int     `json:"requests"`
	SentPerSec   float64 `json:"sent_per_second"`
	OK           int     `json:"ok"`
	OKPerSec     float64 `json:"ok_per_second"`
	Errors       int     `json:"errors"`
	FirstError   string  `json:"first_error,omitempty"`
	P50MS        float64 `json:"p50_ms"`
	P90MS        float64 `json:"p90_ms"`
	P99MS        float64 `json:"p99_ms"`
	P999MS       float64 `json:"p999_ms"`
	MaxMS        float64 `json:"max_ms"`
	SendLagP99MS float64 `json:"send_lag_p99_ms"`
	SendLagMaxMS float64 `json:"send_lag_max_ms"`

	RunID          string  `json:"run_id"`
	ScoredInWindow int64   `json:"leads_examined_during_window"`
	ScoringOn      bool    `json:"run_scoring_during_load"`
	ServerCPU      float64 `json:"server_cpu_cores"`
	LoaderCPU      float64 `json:"load_generator_cpu_cores"`
	LoadAvgBefore  string  `json:"loadavg_before"`
	LoadAvgAfter   string  `json:"loadavg_after"`
}

// runAPI measures GET /api/v1/runs latency at a fixed request rate with many runs stored,
// while a run is scoring. The server is `leadrun serve` in its own process (this binary,
// re-executed), working the run itself; this process only loads data, sends requests
// and reads the run's progress from the database.
func (c *BenchCmd) runAPI(ctx context.Context, a *app) error {
	if c.APIRate < 1 || c.APIDuration <= 0 {
		return leadrun.Errorf(leadrun.EINVALID, "--api-rate must be 1 or more and --api-duration positive")
	}
	db, cleanup, err := c.openFresh(ctx, a)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(a.errOut, "bench: API mode, %d runs stored, %d requests/s for %s\n", c.APIRuns, c.APIRate, c.APIDuration)
	if err := c.loadAPIData(ctx, db); err != nil {
		return err
	}
	flags := c.RunnerFlags
	if flags.RulesDelay == 0 {
		flags.RulesDelay = 200 * time.Millisecond // keep the run scoring for the whole measurement
	}
	perSec := float64(flags.Workers*flags.ChunkSize) / flags.RulesDelay.Seconds()
	if float64(c.Leads) < perSec*(c.APIDuration+apiWarmup+5*time.Second).Seconds() {
		fmt.Fprintf(a.errOut, "bench: warning: %d leads at about %.0f leads/s may be scored before the window ends; raise --leads\n", c.Leads, perSec)
	}
	srv, err := startServe(a, flags)
	if err != nil {
		return err
	}
	defer srv.stop(a)
	res, err := c.measureAPI(ctx, db, srv)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(a.out, res)
	}
	printAPIBench(a.out, res)
	return nil
}

// loadAPIData stores the finished runs and the leads the run will score.
func (c *BenchCmd) loadAPIData(ctx context.Context, db *sqldb.DB) error {
	if err := seedRuns(ctx, db, c.APIRuns); err != nil {
		return err
	}
	ds := sample.Generate(sample.Options{Clients: 20, LeadsPerClient: c.Leads / 20, Streams: 1, Seed: 3})
	for _, cl := range ds.Clients {
		cl.LeadScoringLimit, cl.ServiceLevel = 0, leadrun.ServiceLeadScoring
	}
	if err := loadQuietly(ctx, db, ds); err != nil {
		return err
	}
	return db.Analyze(ctx) // as autovacuum would have on a live database
}

// measureAPI starts a run in the server, waits until it scores, warms up, then measures
// one window of requests and what the run did meanwhile.
func (c *BenchCmd) measureAPI(ctx context.Context, db *sqldb.DB, srv *serveProcess) (apiBenchResult, error) {
	res := apiBenchResult{Target: c.Target, Runs: c.APIRuns, Server: fmt.Sprintf("leadrun serve, pid %d", srv.cmd.Process.Pid)}
	var err error
	if res.RunID, err = srv.trigger(ctx); err != nil {
		return res, err
	}
	if _, err := pollRunUntil(ctx, db, res.RunID, func(r *leadrun.Run) bool { return r.Totals.LeadsExamined > 0 }); err != nil {
		return res, fmt.Errorf("waiting for run %s to score: %w", res.RunID, err)
	}
	url := srv.base + "/api/v1/runs"
	openLoad(ctx, srv.client, url, srv.token, c.APIRate, apiWarmup)
	before, err := db.FindRunByID(ctx, res.RunID)
	if err != nil {
		return res, err
	}
	res.LoadAvgBefore = loadAvg()
	cpu0, self0, start := processCPU(srv.cmd.Process.Pid), selfCPU(), time.Now()
	st := openLoad(ctx, srv.client, url, srv.token, c.APIRate, c.APIDuration)
	wall := time.Since(start).Seconds()
	res.ServerCPU = (processCPU(srv.cmd.Process.Pid) - cpu0) / wall
	res.LoaderCPU = (selfCPU() - self0) / wall
	res.LoadAvgAfter = loadAvg()
	after, err := db.FindRunByID(ctx, res.RunID)
	if err != nil {
		return res, err
	}
	res.ScoredInWindow = after.Totals.LeadsExamined - before.Totals.LeadsExamined
	res.ScoringOn = before.Status == leadrun.RunRunning && after.Status == leadrun.RunRunning && res.ScoredInWindow > 0
	st.fill(&res, c.APIRate, c.APIDuration)
	return res, nil
}

// printAPIBench prints the result for people.
func printAPIBench(w io.Writer, r apiBenchResult) {
	fmt.Fprintf(w, "\nleadrun bench (API) — %s, %d runs stored; GET /api/v1/runs sent from this process to %s\n",
		r.Target, r.Runs, r.Server)
	fmt.Fprintf(w, "  open model: %d requests/s for %.0f s, each at its scheduled time, latency counted from it (%.0f s warm-up not counted)\n",
		r.Rate, r.Seconds, apiWarmup.Seconds())
	fmt.Fprintf(w, "  sent %d (%.1f/s; sender late by p99 %.2f ms, max %.1f ms); %d OK (%.1f/s), %d errors\n",
		r.Requests, r.SentPerSec, r.SendLagP99MS, r.SendLagMaxMS, r.OK, r.OKPerSec, r.Errors)
	fmt.Fprintf(w, "  latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms\n",
		r.P50MS, r.P90MS, r.P99MS, r.P999MS, r.MaxMS)
	if r.FirstError != "" {
		fmt.Fprintf(w, "  first error: %s\n", r.FirstError)
	}
	fmt.Fprintf(w, "  run %s scoring during the window: %v (%d leads examined in the window, %.0f/s)\n",
		r.RunID, r.ScoringOn, r.ScoredInWindow, float64(r.ScoredInWindow)/r.Seconds)
	fmt.Fprintf(w, "  CPU: server %.2f cores, load generator %.2f cores; load average %s → %s\n",
		r.ServerCPU, r.LoaderCPU, r.LoadAvgBefore, r.LoadAvgAfter)
}

// serveProcess is `leadrun serve` running as a child process.
type serveProcess struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	token  string
	client *http.Client
	logs   *lockedBuffer
	done   chan error
}

// startServe starts this binary as `leadrun serve` on the app's database, on a free
// loopback port, with the given runner flags and a random admin token.
func startServe(a *app, f RunnerFlags) (*serveProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	s := &serveProcess{token: hex.EncodeToString(tok), logs: &lockedBuffer{}, done: make(chan error, 1)}
	// The database URL goes in the environment, not the arguments: it may hold a password.
	s.cmd = exec.Command(exe, "serve", "--listen", "127.0.0.1:0", "--log-level", "warn", "--scorer", "rules",
		"--workers", strconv.Itoa(f.Workers), "--chunk-size", strconv.Itoa(f.ChunkSize),
		"--rules-delay", f.RulesDelay.String(), "--shutdown-grace", "10s")
	s.cmd.Env = append(os.Environ(), "LEADRUN_DATABASE_URL="+a.DB, "LEADRUN_ADMIN_TOKEN="+s.token, "LEADRUN_SCHEDULE=")
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	// serve prints "leadrun serve: http://127.0.0.1:PORT on DB; stop with …" once it listens.
	for deadline := time.Now().Add(30 * time.Second); s.base == "" && time.Now().Before(deadline); {
		if _, rest, ok := strings.Cut(s.logs.String(), "leadrun serve: http://"); ok && strings.Contains(rest, " on ") {
			s.base = "http://" + strings.Fields(rest)[0]
			break
		}
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("leadrun serve exited (%v):\n%s", err, s.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if s.base == "" {
		_ = s.cmd.Process.Kill()
		<-s.done
		return nil, fmt.Errorf("leadrun serve did not start:\n%s", s.logs.String())
	}
	s.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024}}
	return s, nil
}

// trigger starts a run of stream 1 through the API and returns its ID.
func (s *serveProcess) trigger(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/api/v1/runs", strings.NewReader(`{"stream": 1}`))
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		RunID string `json:"run_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("POST /api/v1/runs: %s %v", resp.Status, err)
	}
	return body.RunID, nil
}

// stop sends SIGTERM and waits for the process to exit (kills it after 20 s).
func (s *serveProcess) stop(a *app) {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			fmt.Fprintf(a.errOut, "bench: leadrun serve exited: %v\n%s", err, s.logs.String())
		}
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		fmt.Fprintf(a.errOut, "bench: leadrun serve did not stop on SIGTERM; killed\n")
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pollRunUntil reads the run every 100 ms until ok holds (or a minute has passed).
func pollRunUntil(ctx context.Context, db *sqldb.DB, id string, ok func(*leadrun.Run) bool) (*leadrun.Run, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		run, err := db.FindRunByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok(run) {
			return run, nil
		}
		if run.Status.Terminal() {
			return run, fmt.Errorf("run ended %s: %s", run.Status, run.StatusReason)
		}
		if time.Now().After(deadline) {
			return run, errors.New("timed out")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// loadStats are the raw measurements of one openLoad.
type loadStats struct {
	sent     int
	sendSpan time.Duration // from the first scheduled send to the last actual send
	span     time.Duration // from the first scheduled send to the last answer
	latency  []float64     // ms, OK answers only, from the scheduled send to the end of the body
	lag      []float64     // ms, actual send − scheduled send, every request
	errors   int
	firstErr string
}

// openLoad sends GET url at a constant rate for d, each request at its own scheduled time
// t0 + i/rate, whether or not earlier ones have been answered (an open model: a slow
// server does not slow the sender down). Latency runs from the scheduled time to the end
// of the body, so time a request spent waiting to be sent counts too (no coordinated
// omission). Only 200 answers with a body count as OK.
func openLoad(ctx context.Context, client *http.Client, url, token string, rate int, d time.Duration) loadStats {
	n := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	st := loadStats{lag: make([]float64, 0, n), latency: make([]float64, 0, n)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	var lastSend time.Time
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		lastSend = time.Now()
		st.sent++
		st.lag = append(st.lag, ms(lastSend.Sub(at)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := get(ctx, client, url, token)
			took := ms(time.Since(at))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				st.errors++
				if st.firstErr == "" {
					st.firstErr = err.Error()
				}
				return
			}
			st.latency = append(st.latency, took)
		}()
	}
	st.sendSpan = lastSend.Sub(start)
	wg.Wait()
	st.span = time.Since(start)
	return st
}

// get sends one request and reads the whole answer.
func get(ctx context.Context, client *http.Client, url, token string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return errors.New(resp.Status)
	case n == 0:
		return errors.New("empty body")
	}
	return nil
}

// fill puts the percentiles and rates into the result.
func (st loadStats) fill(r *apiBenchResult, rate int, d time.Duration) {
	sort.Float64s(st.latency)
	sort.Float64s(st.lag)
	r.Rate, r.Seconds = rate, d.Seconds()
	r.Requests, r.OK, r.Errors, r.FirstError = st.sent, len(st.latency), st.errors, st.firstErr
	// n requests, one per interval, take n intervals to send; answers end a little later.
	window := st.sendSpan + time.Second/time.Duration(rate)
	r.SentPerSec = float64(st.sent) / window.Seconds()
	r.OKPerSec = float64(len(st.latency)) / max(window, st.span).Seconds()
	r.P50MS, r.P90MS = percentile(st.latency, 0.50), percentile(st.latency, 0.90)
	r.P99MS, r.P999MS, r.MaxMS = percentile(st.latency, 0.99), percentile(st.latency, 0.999), percentile(st.latency, 1)
	r.SendLagP99MS, r.SendLagMaxMS = percentile(st.lag, 0.99), percentile(st.lag, 1)
}

// percentile is the nearest-rank percentile of sorted values (0 when there are none).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// processCPU is the user + system CPU time a process has used, in seconds (Linux; 0 if
// unknown). Fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s.
func processCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; count fields after its closing ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseFloat(f[11], 64)
	sys, _ := strconv.ParseFloat(f[12], 64)
	return (user + sys) / 100
}

// selfCPU is the CPU time this process has used, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// loadAvg is the 1-, 5- and 15-minute load average ("" if unknown).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// seedRuns stores n finished runs, each with two client results and their operations.
func seedRuns(ctx context.Context, db *sqldb.DB, n int) error {
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "Seed-A", Stream: 9}); err != nil {
		return err
	}
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "Seed-B", Stream: 9}); err != nil {
		return err
	}
	return db.SeedFinishedRuns(ctx, 9, n, []string{"Seed-A", "Seed-B"}, 2)
}
