package main

import (
	"context"
	"fmt"

	"github.com/leadrun/leadrun"
)

// LeadsRequeueCmd makes failed leads due again by resetting their attempts.
type LeadsRequeueCmd struct {
	ClientID  string `arg:"" name:"client-id"`
	Reason    string `help:"Only failed leads whose last failure had this reason (e.g. api_error, timeout, invalid_ai_response)."`
	AllFailed bool   `name:"all-failed" help:"Every failed lead of the client, whatever its reason."`
}

// Run resets the attempts of the selected failed leads; the next run scores them again.
func (c *LeadsRequeueCmd) Run(ctx context.Context, a *app) error {
	f := leadrun.RequeueFilter{AllFailed: c.AllFailed, By: cliUser()}
	if c.Reason != "" {
		r := leadrun.Reason(c.Reason)
		if !leadrun.ValidFailReason(r) {
			return leadrun.Errorf(leadrun.EINVALID, "unknown failure reason %q: use one of %v", c.Reason, leadrun.FailReasons)
		}
		f.Reason = &r
	}
	if f.Reason == nil && !c.AllFailed {
		return leadrun.Errorf(leadrun.EINVALID, "say which failed leads to retry: --reason REASON or --all-failed")
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	n, err := db.RequeueLeads(ctx, c.ClientID, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%d failed leads of %s requeued: their attempts are reset and the next run scores them again.\n", n, c.ClientID)
	return nil
}
