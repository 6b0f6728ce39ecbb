// Package mirror keeps the agency's Airtable base an always-current, never-duplicated
// mirror of leadrun's runs ("Job Tracking") and client results ("Client Run Results").
// A lifecycle hook records a coalescing outbox row in the transaction of each change; one
// deliverer at a time, cluster-wide, upserts the current state by Run ID within the base's
// 5 requests per second, which every process shares through the database.
package mirror

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/airtable"
	"github.com/leadrun/leadrun/runner"
	"github.com/leadrun/leadrun/sqldb"
)

// Config tunes the mirror. Zero values take the defaults (Airtable's documented limits).
type Config struct {
	Base       string          // app…
	Tables     airtable.Tables // default airtable.DefaultTables
	PerSecond  int             // requests per second per base (default 5)
	Margin     time.Duration   // added to each one-second window, counted from when each request ended (default 20ms)
	Penalty    time.Duration   // wait after a 429 (default 30s)
	RetryAfter time.Duration   // wait after a 401/403/404/422 before trying again (default 1m)
	MaxBackoff time.Duration   // longest wait after 5xx or network errors (default 1m)
	PollEvery  time.Duration   // how often each process checks for waiting changes and wakes the deliverer (default 1s)
	SweepEvery time.Duration   // safety net: how often changes the hook did not record are looked for (default 15s; <0: never)
	AlertAfter time.Duration   // alert when failing this long (default 15m)
	PassFor    time.Duration   // one delivery job works this long at most, then hands over (default 4m)
	SchemaTTL  time.Duration   // the base schema is read again after this (default 5m)
}

func (c *Config) setDefaults() {
	if c.Tables.Runs == "" {
		c.Tables.Runs = airtable.DefaultTables.Runs
	}
	if c.Tables.Clients == "" {
		c.Tables.Clients = airtable.DefaultTables.Clients
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.PerSecond <= 0 {
		c.PerSecond = 5
	}
	def(&c.Margin, 20*time.Millisecond)
	def(&c.Penalty, airtable.RateLimitPenalty)
	def(&c.RetryAfter, time.Minute)
	def(&c.MaxBackoff, time.Minute)
	def(&c.PollEvery, time.Second)
	if c.SweepEvery == 0 {
		c.SweepEvery = 15 * time.Second
	}
	def(&c.AlertAfter, 15*time.Minute)
	def(&c.PassFor, 4*time.Minute)
	def(&c.SchemaTTL, 5*time.Minute)
}

// Mirror mirrors runs and client results to one Airtable base.
type Mirror struct {
	db      *sqldb.DB
	client  *airtable.Client
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	runner  *runner.Runner
	owner   string // this process, for the deliverer lease

	mu       sync.Mutex
	schema   *airtable.Schema
	schemaAt time.Time
	failures atomic.Int32   // consecutive transient failures, for back-off
	swept    time.Time      // last sweep (see Config.SweepEvery)
	used     *sqldb.SlotUse // the last request, until its end time is in the database
	booked   time.Time      // the booked time of the request in flight
	inPass   atomic.Bool    // a delivery pass runs: request ends are recorded with the next booking
}

// New builds a mirror; client talks to the base cfg.Base. Give it to the runner with
// runner.Config.Extensions so that every worker process hooks and delivers. The first time
// a base is mirrored, New records it: runs created from then on are mirrored without a
// backfill.
func New(ctx context.Context, db *sqldb.DB, client *airtable.Client, cfg Config, logger *slog.Logger) (*Mirror, error) {
	cfg.setDefaults()
	if err := db.EnableAirtable(ctx, cfg.Base); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	m := &Mirror{db: db, client: client, cfg: cfg, log: logger, metrics: NewMetrics(db),
		owner: fmt.Sprintf("%s:%d:%p", host, os.Getpid(), client)}
	client.ObserveFunc = m.metrics.observe
	client.WaitFunc = m.waitSlot
	client.DoneFunc = m.doneSlot
	return m, nil
}

// Metrics are the mirror's Prometheus collectors.
func (m *Mirror) Metrics() *Metrics { return m.metrics }

// Base is the mirrored base.
func (m *Mirror) Base() string { return m.cfg.Base }

// Extend registers the delivery job and subscribes the hook (runner.Extension).
func (m *Mirror) Extend(r *runner.Runner, workers *river.Workers) []*river.PeriodicJob {
	m.runner = r
	r.Subscribe(m.Hook)
	river.AddWorker(workers, &deliverWorker{m: m})
	return nil
}

// Loop wakes the deliverer every PollEvery while changes wait and no failure makes the
// mirror wait (runner.Looper). Every worker process runs it, so delivery never depends on
// one process, nor on the job engine's leader; the job's uniqueness keeps one deliverer.
func (m *Mirror) Loop(ctx context.Context) {
	t := time.NewTicker(m.cfg.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := m.sweep(ctx); err != nil && ctx.Err() == nil {
			m.log.Warn("airtable sweep", "error", err)
		}
		st, err := m.db.AirtableStatus(ctx, m.cfg.Base)
		if err != nil || st.Pending == 0 || st.RetryAt != nil && st.RetryAt.After(time.Now()) {
			continue
		}
		if err := m.runner.InsertJob(ctx, deliverArgs{Base: m.cfg.Base}, deliverOpts()); err != nil && ctx.Err() == nil {
			m.log.Warn("airtable: wake the deliverer", "error", err)
		}
	}
}

// Hook records, in the transaction of a lifecycle change, what must be mirrored again —
// the run and, for client and operation events, the client result — and wakes the
// deliverer. It never calls Airtable.
func (m *Mirror) Hook(ctx context.Context, tx *sqldb.Tx, ev leadrun.LifecycleEvent) error {
	if ev.RunID == "" {
		return nil
	}
	mark := tx.MarkAirtableDirty(ctx, ev.RunID, "")
	if ev.Kind == leadrun.EventRunStarted || ev.Kind == leadrun.EventRunFinished {
		mark = tx.MarkAirtableRunDirty(ctx, ev.RunID) // client results were created, or ended with the run
	}
	if mark != nil {
		return fmt.Errorf("airtable outbox: %w", mark)
	}
	if ev.ClientID != "" {
		if err := tx.MarkAirtableDirty(ctx, ev.RunID, ev.ClientID); err != nil {
			return fmt.Errorf("airtable outbox: %w", err)
		}
	}
	if m.runner == nil {
		return nil
	}
	return m.runner.InsertJobTx(ctx, tx, deliverArgs{Base: m.cfg.Base}, deliverOpts())
}

// waitSlot books the next request time in the database (shared by every process), with
// the end of the previous request, and waits for it.
func (m *Mirror) waitSlot(ctx context.Context) error {
	m.mu.Lock()
	used := m.used
	m.mu.Unlock()
	slot, err := m.db.ReserveAirtableSlot(ctx, m.cfg.Base, m.cfg.PerSecond, time.Second+m.cfg.Margin, used)
	if err != nil {
		return fmt.Errorf("airtable rate limiter: %w", err)
	}
	m.mu.Lock()
	m.used, m.booked = nil, slot
	m.mu.Unlock()
	return leadrun.Sleep(ctx, time.Until(slot))
}

// doneSlot notes when the request in flight ended. In a delivery pass the next booking (or
// the pass's end) records it, saving a transaction per request; otherwise (check, init)
// it is recorded at once.
func (m *Mirror) doneSlot(ctx context.Context) {
	m.mu.Lock()
	m.used = &sqldb.SlotUse{Booked: m.booked, Ended: time.Now()}
	m.mu.Unlock()
	if !m.inPass.Load() {
		m.flushSlot(context.WithoutCancel(ctx))
	}
}

// flushSlot records the end of the last request before another process may book.
func (m *Mirror) flushSlot(ctx context.Context) {
	m.mu.Lock()
	used := m.used
	m.used = nil
	m.mu.Unlock()
	if used == nil {
		return
	}
	if err := m.db.ConfirmAirtableSlot(ctx, m.cfg.Base, *used); err != nil {
		m.log.Warn("airtable rate limiter", "error", err)
	}
}

// tableSchema returns the base schema, read at most every SchemaTTL.
func (m *Mirror) tableSchema(ctx context.Context) (*airtable.Schema, error) {
	m.mu.Lock()
	s, at := m.schema, m.schemaAt
	m.mu.Unlock()
	if s != nil && time.Since(at) < m.cfg.SchemaTTL {
		return s, nil
	}
	s, err := m.client.Schema(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.schema, m.schemaAt = s, time.Now()
	m.mu.Unlock()
	return s, nil
}

// sweep queues what the hook missed (runs changed by a path that emits no event), at most
// every SweepEvery.
func (m *Mirror) sweep(ctx context.Context) error {
	m.mu.Lock()
	due := m.cfg.SweepEvery >= 0 && time.Since(m.swept) >= m.cfg.SweepEvery
	m.mu.Unlock()
	if !due {
		return nil
	}
	n, err := m.db.SweepAirtable(ctx, m.cfg.Base, m.cfg.Tables.Runs, m.cfg.Tables.Clients, time.Now().Add(-m.cfg.SweepEvery))
	if err != nil {
		return fmt.Errorf("airtable sweep: %w", err)
	}
	m.mu.Lock()
	m.swept = time.Now()
	m.mu.Unlock()
	if n > 0 {
		m.log.Debug("airtable sweep queued records the hook did not", "records", n)
	}
	return nil
}

// forgetSchema makes the next delivery read the schema again (after a 422, someone may
// have changed the base).
func (m *Mirror) forgetSchema() {
	m.mu.Lock()
	m.schema = nil
	m.mu.Unlock()
}
