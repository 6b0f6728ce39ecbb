package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/web"
)

// apiBenchResult is what the API benchmark reports.
type apiBenchResult struct {
	Target     string  `json:"target"`
	Runs       int     `json:"runs_stored"`
	Rate       int     `json:"requests_per_second"`
	Seconds    float64 `json:"seconds"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	P50MS      float64 `json:"p50_ms"`
	P99MS      float64 `json:"p99_ms"`
	MaxMS      float64 `json:"max_ms"`
	ScoringOn  bool    `json:"run_scoring_during_load"`
	FirstError string  `json:"first_error,omitempty"`
}

// runAPI measures GET /api/v1/runs latency at a fixed request rate with many runs stored,
// while a run is scoring in the same process.
func (c *BenchCmd) runAPI(ctx context.Context, a *app) error {
	db, cleanup, err := c.openFresh(ctx, a)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(a.errOut, "bench: API mode, %d runs stored, %d requests/s for %s\n", c.APIRuns, c.APIRate, c.APIDuration)
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
	flags := c.RunnerFlags
	flags.RulesDelay = 200 * time.Millisecond // keep the run scoring for the whole measurement
	r, err := a.newRunner(ctx, flags)
	if err != nil {
		return err
	}
	srv, err := web.NewServer(db, r, web.Config{AdminToken: "bench-token", Logger: a.log})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	if err := r.Start(ctx); err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = r.Shutdown(sctx)
	}()
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI, RequestedBy: "leadrun bench --api"})
	if err != nil {
		return err
	}
	res := c.load(ctx, "http://"+ln.Addr().String()+"/api/v1/runs")
	if now, err := db.FindRunByID(ctx, run.ID); err == nil {
		res.ScoringOn = now.Status == leadrun.RunRunning
	}
	res.Target, res.Runs = c.Target, c.APIRuns
	if c.JSON {
		return writeJSON(a.out, res)
	}
	fmt.Fprintf(a.out, "\nleadrun bench (API) — %s, %d runs stored, GET /api/v1/runs at %d requests/s for %.0f s (a run scoring: %v)\n",
		res.Target, res.Runs, res.Rate, res.Seconds, res.ScoringOn)
	fmt.Fprintf(a.out, "  %d requests (%.0f/s achieved), %d errors; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		res.Requests, float64(res.Requests)/res.Seconds, res.Errors, res.P50MS, res.P99MS, res.MaxMS)
	if res.FirstError != "" {
		fmt.Fprintf(a.out, "  first error: %s\n", res.FirstError)
	}
	return nil
}

// load sends requests at a fixed rate (open loop: a slow answer does not slow the sender).
func (c *BenchCmd) load(ctx context.Context, url string) apiBenchResult {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	var mu sync.Mutex
	var lat []float64
	errs := 0
	var firstErr string
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(c.APIRate)
	start := time.Now()
	total := int(c.APIDuration / interval)
	for i := 0; i < total && ctx.Err() == nil; i++ {
		// Each request has its own send time, so a late one does not delay the rest.
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer bench-token")
			t0 := time.Now()
			resp, err := client.Do(req)
			ms := float64(time.Since(t0).Microseconds()) / 1000
			mu.Lock()
			defer mu.Unlock()
			if err != nil || resp.StatusCode != http.StatusOK {
				errs++
				if firstErr == "" {
					firstErr = fmt.Sprint(err)
					if resp != nil {
						firstErr = resp.Status
					}
				}
			} else {
				lat = append(lat, ms)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	sort.Float64s(lat)
	res := apiBenchResult{Rate: c.APIRate, Seconds: time.Since(start).Seconds(), Requests: len(lat) + errs, Errors: errs, FirstError: firstErr}
	if n := len(lat); n > 0 {
		res.P50MS, res.P99MS, res.MaxMS = lat[n/2], lat[min(n-1, n*99/100)], lat[n-1]
	}
	return res
}

// seedRuns stores n finished runs, each with two client results and their operations.
func seedRuns(ctx context.Context, db *sqldb.DB, n int) error {
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "Seed-A", Stream: 9}); err != nil {
		return err
	}
	if err := db.CreateClient(ctx, &leadrun.Client{ID: "Seed-B", Stream: 9}); err != nil {
		return err
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // long past: no clash with today's run IDs
	return db.InTx(ctx, func(tx *sqldb.Tx) error {
		for i := 0; i < n; i++ {
			at := db.Stamp(start.Add(time.Duration(i) * time.Minute))
			day := start.Add(time.Duration(i) * time.Minute).UTC()
			id := leadrun.RunID{Day: day, Seq: i + 1, Stream: 9}.String()
			if _, err := tx.ExecContext(ctx, `INSERT INTO runs (id, day, seq, stream, status, status_reason, trigger,
				created_at, started_at, finished_at, heartbeat_at) VALUES ($1,$2,$3,9,'completed','seeded','cli',$4,$4,$4,$4)`,
				id, day.Format("2006-01-02"), i+1, at); err != nil {
				return err
			}
			for _, client := range []string{"Seed-A", "Seed-B"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO client_results (run_id, client_id, client_name, created_at)
					VALUES ($1,$2,$2,$3)`, id, client, at); err != nil {
					return err
				}
				for _, op := range []string{"lead_scoring", "post_scoring"} {
					if _, err := tx.ExecContext(ctx, `INSERT INTO operations (run_id, client_id, operation, status, examined,
						scored, skipped, failed, started_at, finished_at) VALUES ($1,$2,$3,'succeeded',40,38,1,1,$4,$4)`,
						id, client, op, at); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
