package mirror

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
)

// Check reads the base schema and compares it with what the mirror writes.
func (m *Mirror) Check(ctx context.Context) ([]airtable.TableReport, error) {
	s, err := m.client.Schema(ctx)
	if err != nil {
		return nil, err
	}
	return airtable.Check(s, m.cfg.Tables), nil
}

// Init creates the missing tables and fields and returns what it created.
func (m *Mirror) Init(ctx context.Context) ([]string, error) {
	created, err := airtable.Init(ctx, m.client, m.cfg.Tables)
	m.forgetSchema()
	return created, err
}

// StatusLine is the mirror's overall state, e.g. "Airtable: synced 3 s ago · 12 pending".
func (m *Mirror) StatusLine(ctx context.Context) (string, error) {
	st, err := m.db.AirtableStatus(ctx, m.cfg.Base)
	if err != nil {
		return "", err
	}
	return statusLine(time.Now(), st.LastSyncAt, st.Pending, st.FailingMessage, st.RetryAt), nil
}

// Drain delivers until the outbox is empty (the backfill), calling progress after each
// request. While another process delivers, it waits and reports; transient failures are
// waited out; a failure that needs a fix (token, base, fields) ends it with the message.
func (m *Mirror) Drain(ctx context.Context, progress func(delivered, pending int)) error {
	if err := m.db.AirtableRetryNow(ctx, m.cfg.Base); err != nil { // someone may have fixed it
		return err
	}
	total := 0
	last := [2]int{-1, -1}
	report := func(delivered int) {
		n, _, err := m.db.AirtablePending(ctx)
		if err == nil && progress != nil && last != [2]int{delivered, n} {
			last = [2]int{delivered, n}
			progress(delivered, n)
		}
	}
	for {
		base := total
		p, err := m.Deliver(ctx, func(p Pass) {
			if (base+p.Delivered)%100 < airtable.MaxRecordsPerWrite {
				report(base + p.Delivered)
			}
		})
		total += p.Delivered
		if err != nil {
			return err
		}
		n, _, err := m.db.AirtablePending(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			report(total)
			return nil
		}
		if p.Permanent {
			return leadrun.Errorf(leadrun.EINVALID, "Airtable refused the records: %s; %d still queued (fix it, then run the backfill again: it is idempotent)", p.Failure, n)
		}
		if p.Busy {
			report(total)
		}
		if err := sleepUntil(ctx, p.RetryAt); err != nil {
			return errors.Join(err, fmt.Errorf("%d records still queued", n))
		}
	}
}

func sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
