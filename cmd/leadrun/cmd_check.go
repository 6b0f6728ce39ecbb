package main

import (
	"context"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
)

// CheckCmd groups pre-flight checks.
type CheckCmd struct {
	AI CheckAICmd `cmd:"" name:"ai" help:"Send one minimal request to the configured AI provider and report OK or its exact error."`
}

// CheckAICmd checks the AI provider.
type CheckAICmd struct {
	RunnerFlags
	JSON bool `name:"json" help:"Print the result as JSON."`
}

// providerChecker is a scorer that can check its provider (the OpenAI-compatible one).
type providerChecker interface {
	Check(ctx context.Context) (time.Duration, error)
}

// Run checks the provider, stores the status for the dashboard and reports it; a failed
// check exits 1.
func (c *CheckAICmd) Run(ctx context.Context, a *app) error {
	if _, err := a.open(ctx); err != nil {
		return err
	}
	scorer, err := c.scorer(a.log, nil)
	if err != nil {
		return err
	}
	st, checkErr := checkProvider(ctx, a, scorer, "leadrun check ai")
	if c.JSON {
		if err := writeJSON(a.out, st); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(a.out, st.Message)
	}
	if checkErr != nil {
		return leadrun.Errorf(leadrun.EINVALID, "the AI provider check failed")
	}
	return nil
}

// checkProvider sends the scorer's pre-flight request, if it has one, and stores the
// provider's status. The returned error is the provider's.
func checkProvider(ctx context.Context, a *app, scorer leadrun.Scorer, source string) (leadrun.ProviderStatus, error) {
	info := leadrun.DescribeScorer(scorer)
	st := leadrun.ProviderStatus{Scorer: info, OK: true, Source: source, CheckedAt: time.Now().UTC()}
	pc, ok := scorer.(providerChecker)
	if !ok {
		st.Message = fmt.Sprintf("OK: scorer %s works offline, nothing to check", info)
		return st, nil
	}
	took, err := pc.Check(ctx)
	where := info.String()
	if info.Host != "" {
		where += " at " + info.Host
	}
	if err != nil {
		st.OK = false
		st.Message = fmt.Sprintf("FAILED: scorer %s: %v", where, err)
		if pe := leadrun.AsProviderError(err); pe != nil {
			st.Message = fmt.Sprintf("FAILED: scorer %s: %s", where, leadrun.ProviderReason(pe))
		}
	} else {
		st.Message = fmt.Sprintf("OK: scorer %s answered in %s", where, took.Round(time.Millisecond))
	}
	if a.db != nil {
		if serr := a.db.SaveProviderStatus(context.WithoutCancel(ctx), st); serr != nil {
			a.log.Warn("could not store the provider status", "error", serr)
		}
	}
	return st, err
}

// preflight checks the provider at the start of a long-running process: logged and
// stored, never fatal (the provider may come back before the first run).
func (a *app) preflight(ctx context.Context, scorer leadrun.Scorer, source string) {
	st, err := checkProvider(ctx, a, scorer, source)
	if err != nil {
		a.log.Warn("AI provider pre-flight check failed", "scorer", st.Scorer.String(), "host", st.Scorer.Host, "error", st.Message)
		fmt.Fprintf(a.errOut, "leadrun %s: %s\n", source, st.Message)
		return
	}
	a.log.Info("AI provider pre-flight check", "scorer", st.Scorer.String(), "host", st.Scorer.Host, "result", st.Message)
}

// scorerHost is " at HOST" for scorers that call a provider, else "".
func scorerHost(s leadrun.ScorerInfo) string {
	if s.Host == "" {
		return ""
	}
	return " at " + s.Host
}
