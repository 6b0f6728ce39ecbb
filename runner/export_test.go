package runner

import "context"

// SetFailpoint makes the runner call f at its named steps ("plan", "operation", "chunk", "finish").
func SetFailpoint(r *Runner, f func(ctx context.Context, step string) error) { r.failpoint = f }

// Freeze stops the runner's heartbeats and reaper without stopping its jobs: to the other
// workers it looks like a process that died holding what it had picked up.
func Freeze(r *Runner) {
	if r.stop != nil {
		r.stop()
		r.loops.Wait()
	}
}

// FailRun is the planning-failure transition, for the lifecycle walk.
func FailRun(r *Runner, ctx context.Context, runID, reason string) { r.failRun(ctx, runID, reason) }
