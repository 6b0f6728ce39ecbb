//go:build benchfake

// The AI benchmark scores through openaifake, an in-process fake provider. It is built
// only with -tags benchfake, so the normal binary holds no fake provider.

package main

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/scoring/openai"
	"github.com/leadrun/leadrun/scoring/openai/openaifake"
	"github.com/leadrun/leadrun/sqldb"
)

// aiBenchResult is what the AI benchmark reports.
type aiBenchResult struct {
	Target          string  `json:"target"`
	LatencyMS       int64   `json:"latency_ms"`
	ChunkSize       int     `json:"chunk_size"`
	Concurrency     int     `json:"concurrency"`
	Leads           int64   `json:"leads"`
	Seconds         float64 `json:"seconds"`
	LeadsPerSec     float64 `json:"leads_per_second"`
	IdealPerSec     float64 `json:"ideal_leads_per_second"`
	Efficiency      float64 `json:"efficiency"`
	MaxInFlight     int64   `json:"max_calls_in_flight"`
	OriginalLeads   int64   `json:"original_design_leads"`
	OriginalPerSec  float64 `json:"original_design_leads_per_second"`
	SpeedupVsOrigin float64 `json:"speedup_vs_original_design"`
}

// runAI measures scoring through an OpenAI-compatible server with a fixed latency L per
// call: chunks of B leads, C calls in flight, against the ideal C × B ÷ L; then the
// original platform's design in the same harness (one chunk at a time, 2 s between chunks).
func (c *BenchCmd) runAI(ctx context.Context, a *app) error {
	fake := openaifake.New(c.AILatency)
	defer fake.Close()
	res := aiBenchResult{Target: c.Target, LatencyMS: c.AILatency.Milliseconds(), ChunkSize: c.ChunkSize,
		Concurrency: c.OpenAIConcurrency}
	fmt.Fprintf(a.errOut, "bench: AI mode, %d leads, latency %s, chunk %d, concurrency %d\n", c.Leads, c.AILatency, c.ChunkSize, c.OpenAIConcurrency)
	// Every client's operation in flight at once, so the AI concurrency limit (shared
	// fairly between clients) is what binds, not the number of operations.
	cfg := runner.Config{Workers: max(c.Workers, c.Clients), ChunkSize: c.ChunkSize, MaxAttempts: c.MaxAttempts}
	n, secs, err := c.aiPhase(ctx, a, fake, c.Clients, c.Leads, c.OpenAIConcurrency, cfg)
	if err != nil {
		return err
	}
	res.Leads, res.Seconds, res.MaxInFlight = n, secs, fake.MaxInFlight()
	res.LeadsPerSec = float64(n) / secs
	res.IdealPerSec = float64(c.OpenAIConcurrency*c.ChunkSize) / c.AILatency.Seconds()
	res.Efficiency = res.LeadsPerSec / res.IdealPerSec
	// The original: clients one after another (here one client), chunks one at a time with
	// a 2 s pause between them.
	original := runner.Config{Workers: 1, ChunkSize: c.ChunkSize, MaxAttempts: c.MaxAttempts, ChunkPause: 2 * time.Second}
	n, secs, err = c.aiPhase(ctx, a, fake, 1, c.OriginalLeads, 1, original)
	if err != nil {
		return err
	}
	res.OriginalLeads, res.OriginalPerSec = n, float64(n)/secs
	res.SpeedupVsOrigin = res.LeadsPerSec / res.OriginalPerSec
	if c.JSON {
		return writeJSON(a.out, res)
	}
	fmt.Fprintf(a.out, "\nleadrun bench (AI) — %s, latency %d ms, chunk %d, concurrency %d\n", res.Target, res.LatencyMS, res.ChunkSize, res.Concurrency)
	fmt.Fprintf(a.out, "  leadrun            %6d leads in %6.2f s  %8.1f leads/s  (ideal %.0f: %.1f %%, max %d calls in flight)\n",
		res.Leads, res.Seconds, res.LeadsPerSec, res.IdealPerSec, res.Efficiency*100, res.MaxInFlight)
	fmt.Fprintf(a.out, "  original design    %6d leads             %8.1f leads/s  (one chunk at a time, 2 s pause)\n", res.OriginalLeads, res.OriginalPerSec)
	fmt.Fprintf(a.out, "  speed-up           %.1f×\n", res.SpeedupVsOrigin)
	return nil
}

// aiPhase loads leads into a fresh database and times one tracked run scored by the fake.
func (c *BenchCmd) aiPhase(ctx context.Context, a *app, fake *openaifake.Server, clients, leads, concurrency int, cfg runner.Config) (int64, float64, error) {
	dbURL, cleanup, err := c.freshDatabase(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer cleanup()
	db, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err := db.Migrate(ctx, a.log); err != nil {
		return 0, 0, err
	}
	ds := sample.Generate(sample.Options{Clients: clients, LeadsPerClient: max(1, leads/clients), Streams: 1, Seed: 2})
	for _, cl := range ds.Clients {
		cl.LeadScoringLimit, cl.ServiceLevel = 0, leadrun.ServiceLeadScoring
	}
	if err := loadQuietly(ctx, db, ds); err != nil {
		return 0, 0, err
	}
	scorer, err := openai.New(openai.Config{BaseURL: fake.URL + "/v1", Model: "fake", APIKey: "bench",
		Concurrency: concurrency, Timeout: time.Minute})
	if err != nil {
		return 0, 0, err
	}
	r, err := runner.New(db, scorer, a.log, cfg)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	run, err := r.Trigger(ctx, leadrun.TriggerRequest{Stream: 1, Trigger: leadrun.TriggerCLI, RequestedBy: "leadrun bench"})
	if err != nil {
		return 0, 0, err
	}
	if err := r.Start(ctx); err != nil {
		return 0, 0, err
	}
	final, err := r.Wait(ctx, run.ID, 50*time.Millisecond, nil)
	secs := time.Since(start).Seconds()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if serr := r.Shutdown(sctx); err == nil {
		err = serr
	}
	if err == nil && final.Status != leadrun.RunCompleted {
		err = fmt.Errorf("bench run ended %s: %s", final.Status, final.StatusReason)
	}
	if err != nil {
		return 0, 0, err
	}
	return final.Totals.LeadsScored + final.Totals.LeadsSkipped, secs, nil
}
