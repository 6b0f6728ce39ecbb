package main

import (
	"context"
	"fmt"
	"time"
)

// WorkerCmd works runs until stopped.
type WorkerCmd struct {
	RunnerFlags
	ShutdownGrace time.Duration `env:"LEADRUN_SHUTDOWN_GRACE" default:"30s" help:"On SIGTERM, how long in-flight chunks may take to commit."`
	Schedule      string        `env:"LEADRUN_SCHEDULE" help:"Start runs on a schedule: STREAM=CRON (UTC, 5 fields), separated by ';', e.g. \"1=0 2 * * *;2=30 2 * * *\"."`
}

// Run works jobs until SIGINT or SIGTERM, then stops taking work, lets in-flight chunks
// commit and hands unfinished operations back to the queue.
func (c *WorkerCmd) Run(ctx context.Context, a *app) error {
	r, err := a.newRunner(ctx, c.RunnerFlags, c.Schedule)
	if err != nil {
		return err
	}
	if err := r.Start(ctx); err != nil {
		return err
	}
	a.log.Info("worker started", "db", a.db.URL(), "workers", c.Workers, "scorer", r.ScorerInfo().String())
	go a.preflight(ctx, a.scorer, "worker start")
	fmt.Fprintf(a.errOut, "leadrun worker: working runs on %s (%d at once); stop with Ctrl-C or SIGTERM.\n", a.db.URL(), c.Workers)
	<-ctx.Done()
	a.log.Info("worker stopping")
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownGrace)
	defer cancel()
	return r.Shutdown(sctx)
}
