package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leadrun/leadrun/sqldb"
)

// metricsCollector reads the run-tracking tables at each scrape: every process serving
// /metrics reports the same totals, whichever process did the work.
type metricsCollector struct {
	db                                                    *sqldb.DB
	runs, active, lastSuccess, items, tokens, cost, durat *prometheus.Desc
	up, senderMismatches                                  *prometheus.Desc
}

// AICalls is the AI call latency histogram of this process; give its Observe to the
// openai scorer (ObserveCall) and the AICalls to Config so /metrics serves it.
type AICalls struct{ h *prometheus.HistogramVec }

// NewAICalls makes the histogram leadrun_ai_call_duration_seconds{outcome}.
func NewAICalls() *AICalls {
	return &AICalls{h: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "leadrun_ai_call_duration_seconds",
		Help:    "Latency of AI calls by outcome (ok or a reason code), in this process.",
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}}, []string{"outcome"})}
}

// Observe records one call.
func (a *AICalls) Observe(latency time.Duration, outcome string) {
	a.h.WithLabelValues(outcome).Observe(latency.Seconds())
}

func newMetricsHandler(db *sqldb.DB, ai *AICalls, more ...prometheus.Collector) http.Handler {
	c := &metricsCollector{db: db,
		runs:        prometheus.NewDesc("leadrun_runs", "Runs by status.", []string{"status"}, nil),
		active:      prometheus.NewDesc("leadrun_active_runs", "Active (queued or running) runs per stream.", []string{"stream"}, nil),
		lastSuccess: prometheus.NewDesc("leadrun_last_successful_run_timestamp_seconds", "When the last completed run of a stream finished.", []string{"stream"}, nil),
		items:       prometheus.NewDesc("leadrun_items_total", "Leads or posts by operation, outcome and reason.", []string{"operation", "outcome", "reason"}, nil),
		tokens:      prometheus.NewDesc("leadrun_tokens_total", "AI tokens spent.", []string{"kind"}, nil),
		cost:        prometheus.NewDesc("leadrun_estimated_cost_dollars_total", "Estimated AI cost.", nil, nil),
		durat:       prometheus.NewDesc("leadrun_run_duration_seconds", "Duration of finished runs.", nil, nil),
		up:          prometheus.NewDesc("leadrun_metrics_database_up", "1 when the database answered this scrape.", nil, nil),
		senderMismatches: prometheus.NewDesc("leadrun_lh_sender_mismatches_total",
			"Linked Helper items from another sender than the client's expected one, stored (warn mode) or blocked.",
			[]string{"client_id", "action"}, nil),
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	if ai != nil {
		reg.MustRegister(ai.h)
	}
	reg.MustRegister(more...)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func (c *metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.runs, c.active, c.lastSuccess, c.items, c.tokens, c.cost, c.durat, c.up, c.senderMismatches} {
		ch <- d
	}
}

func (c *metricsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.db.Snapshot(ctx)
	var mismatches []sqldb.SenderMismatchTotal
	if err == nil {
		mismatches, err = c.db.SenderMismatchTotals(ctx)
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for st, n := range s.RunsByStatus {
		ch <- prometheus.MustNewConstMetric(c.runs, prometheus.GaugeValue, float64(n), string(st))
	}
	for stream, n := range s.ActiveRuns {
		ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(n), strconv.Itoa(stream))
	}
	for stream, t := range s.LastSuccess {
		ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, t, strconv.Itoa(stream))
	}
	for _, it := range s.Items {
		ch <- prometheus.MustNewConstMetric(c.items, prometheus.CounterValue, float64(it.Count), string(it.Operation), it.Outcome, it.Reason)
	}
	ch <- prometheus.MustNewConstMetric(c.tokens, prometheus.CounterValue, float64(s.PromptTokens), "prompt")
	ch <- prometheus.MustNewConstMetric(c.tokens, prometheus.CounterValue, float64(s.CompletionTokens), "completion")
	ch <- prometheus.MustNewConstMetric(c.cost, prometheus.CounterValue, float64(s.CostMicros)/1e6)
	ch <- c.durations(s.RunDurationsByEnd)
	for _, m := range mismatches {
		ch <- prometheus.MustNewConstMetric(c.senderMismatches, prometheus.CounterValue, float64(m.Items-m.Blocked), m.ClientID, "stored")
		ch <- prometheus.MustNewConstMetric(c.senderMismatches, prometheus.CounterValue, float64(m.Blocked), m.ClientID, "blocked")
	}
}

var durationBuckets = []float64{1, 10, 60, 300, 900, 1800, 3600, 7200}

func (c *metricsCollector) durations(secs []float64) prometheus.Metric {
	counts := make(map[float64]uint64, len(durationBuckets))
	for _, b := range durationBuckets {
		counts[b] = 0
	}
	var sum float64
	for _, d := range secs {
		sum += d
		for _, b := range durationBuckets {
			if d <= b {
				counts[b]++
			}
		}
	}
	return prometheus.MustNewConstHistogram(c.durat, uint64(len(secs)), sum, counts)
}
