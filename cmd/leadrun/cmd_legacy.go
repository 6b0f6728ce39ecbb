package main

import (
	"context"
	"fmt"

	"github.com/leadrun/leadrun"
)

// ClientsSetIngestCmd opens, moves or ends a client's token-less Linked Helper window.
type ClientsSetIngestCmd struct {
	ID          string `arg:"" name:"client-id"`
	LegacyUntil string `name:"legacy-until" help:"Accept Linked Helper requests without the ingest token until this date (YYYY-MM-DD, the end of that day UTC, or an RFC 3339 time), at most 90 days ahead, from the client's expected sender only."`
	TokenOnly   bool   `name:"token-only" help:"End the token-less window now: every request needs the ingest token (the default)."`
}

// Run sets the window and prints it.
func (c *ClientsSetIngestCmd) Run(ctx context.Context, a *app) error {
	if (c.LegacyUntil == "") == !c.TokenOnly {
		return leadrun.Errorf(leadrun.EINVALID, "give --legacy-until DATE or --token-only (not both)")
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	if c.TokenOnly {
		if _, err := db.SetLegacyIngest(ctx, c.ID, nil); err != nil {
			return err
		}
		fmt.Fprintf(a.out, "%s: token-only: every Linked Helper request needs the ingest token.\n", c.ID)
		return nil
	}
	until, err := leadrun.ParseLegacyUntil(c.LegacyUntil)
	if err != nil {
		return err
	}
	l, err := db.SetLegacyIngest(ctx, c.ID, &until)
	if err != nil {
		return err
	}
	cl, err := db.FindClientByID(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.out, "%s: Linked Helper requests without the ingest token are accepted until %s (%d days), only from %s;\n"+
		"give every campaign the URL with the token (clients token %s) before then.\n",
		c.ID, l.Until.Format("2006-01-02 15:04 UTC"), l.DaysLeft(db.Now()), cl.LHSenderEmail, c.ID)
	return nil
}

// printLegacyIngest adds the token-less window, when the client has one, to clients show.
func printLegacyIngest(ctx context.Context, a *app, clientID string) error {
	l, err := a.db.FindLegacyIngest(ctx, clientID)
	if leadrun.ErrorCode(err) == leadrun.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	now := a.db.Now()
	state := fmt.Sprintf("ended %s", l.Until.Format("2006-01-02"))
	if l.Open(now) {
		state = fmt.Sprintf("OPEN until %s, %d days left", l.Until.Format("2006-01-02 15:04 UTC"), l.DaysLeft(now))
	}
	fmt.Fprintf(a.out, "Token-less Linked Helper window: %s; %d requests, %d items, %d refused by the sender check\n",
		state, l.Requests, l.Items, l.Blocked)
	return nil
}
