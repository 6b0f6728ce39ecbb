package runner

// MaxAttempts is how many times the runner tries a lead before it stays failed: what the
// needs-attention list counts as permanently failed.
func (r *Runner) MaxAttempts() int { return r.cfg.MaxAttempts }
