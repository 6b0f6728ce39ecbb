package mirror

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrun/leadrun/sqldb"
)

// Metrics are the mirror's Prometheus collectors: requests of this process by HTTP status
// (0 = network error), and the outbox's size and age read from the database at each
// scrape (the same in every process).
type Metrics struct {
	db       *sqldb.DB
	requests *prometheus.CounterVec
	pending  *prometheus.Desc
	lag      *prometheus.Desc
}

// NewMetrics makes the collectors.
func NewMetrics(db *sqldb.DB) *Metrics {
	return &Metrics{db: db,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "leadrun_airtable_requests_total",
			Help: "Requests to Airtable by this process, by HTTP status (0 = network error or timeout)."}, []string{"code"}),
		pending: prometheus.NewDesc("leadrun_airtable_pending_records", "Runs and client results waiting to be mirrored to Airtable.", nil, nil),
		lag:     prometheus.NewDesc("leadrun_airtable_lag_seconds", "Age of the oldest change not yet mirrored to Airtable (0 when none).", nil, nil),
	}
}

func (m *Metrics) observe(code int) { m.requests.WithLabelValues(strconv.Itoa(code)).Inc() }

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	ch <- m.pending
	ch <- m.lag
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, oldest, err := m.db.AirtablePending(ctx)
	if err != nil {
		return
	}
	lag := 0.0
	if oldest != nil {
		lag = max(0, time.Since(*oldest).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(m.pending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(m.lag, prometheus.GaugeValue, lag)
}
