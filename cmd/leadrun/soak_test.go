package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

const (
	soakSecret = "soak-webhook-secret-0123456789"
	soakAdmin  = "soak-admin-token-0123456789abcdef"
)

// soakProc is one leadrun process of the soak: a worker or a server, restartable.
type soakProc struct {
	args []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	base string // serve: http://host:port
	logs *bytes.Buffer
}

func (p *soakProc) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(binary, p.args...)
	cmd.Env = append(os.Environ(), "LEADRUN_WEBHOOK_SECRET="+soakSecret, "LEADRUN_ADMIN_TOKEN="+soakAdmin, "LEADRUN_LOG_LEVEL=warn")
	logs := &bytes.Buffer{}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			logs.WriteString(line + "\n")
			p.mu.Unlock()
			if i := strings.Index(line, "http://"); i >= 0 && !sent {
				addr <- strings.Fields(line[i:])[0]
				sent = true
			}
		}
		if !sent {
			addr <- ""
		}
	}()
	base := ""
	if p.args[0] == "serve" {
		select {
		case base = <-addr:
		case <-time.After(30 * time.Second):
		}
		if base == "" {
			t.Fatalf("serve did not start:\n%s", logs.String())
		}
	}
	p.mu.Lock()
	p.cmd, p.base, p.logs = cmd, base, logs
	p.mu.Unlock()
}

func (p *soakProc) kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.base = ""
	p.mu.Unlock()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

func (p *soakProc) url() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.base
}

// The distributed setup under chaos (issue: scale without surprises): PostgreSQL, three
// workers and two servers, clients over six streams with schedules every minute, runs
// triggered through the webhook, Linked Helper ingestion and API reads running, and a
// random process SIGKILLed and restarted every few seconds. Afterwards every run is
// terminal with a reason, no stream is held, no deadlock happened, and the runs' counts
// equal the leads table (nothing lost or counted twice). Test-sized: 60 s and 120 clients;
// scripts/soak.sh runs the full size (LEADRUN_SOAK_DURATION, LEADRUN_SOAK_CLIENTS).
func TestSoak(t *testing.T) {
	duration, clients := 60*time.Second, 120
	if d, err := time.ParseDuration(os.Getenv("LEADRUN_SOAK_DURATION")); err == nil {
		duration = d
	}
	fmt.Sscan(os.Getenv("LEADRUN_SOAK_CLIENTS"), &clients)
	dbURL := sqldbtest.NewURL(t, sqldb.Postgres)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ds := sample.Generate(sample.Options{Clients: clients, LeadsPerClient: 40, Streams: 6, Seed: 11})
	if err := loadQuietly(ctx, db, ds); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, c := range ds.Clients[:6] {
		if tokens[c.ID], err = db.RotateIngestToken(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	schedule := "1=* * * * *;2=* * * * *;3=* * * * *;4=* * * * *;5=* * * * *;6=* * * * *"
	common := []string{"--db", dbURL, "--workers", "3", "--chunk-size", "10", "--rules-delay", "10ms",
		"--stale-after", "5s", "--shutdown-grace", "5s", "--schedule", schedule}
	var procs []*soakProc
	for range 3 {
		procs = append(procs, &soakProc{args: append([]string{"worker"}, common...)})
	}
	for range 2 {
		procs = append(procs, &soakProc{args: append([]string{"serve", "--listen", "127.0.0.1:0"}, common...)})
	}
	for _, p := range procs {
		p.start(t)
		defer p.kill()
	}
	servers := procs[3:]

	var serverErrors, accepted, ingested, reads atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loop := func(every time.Duration, fn func(rng *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for {
				select {
				case <-stop:
					return
				case <-time.After(every):
				}
				fn(rng)
			}
		}()
	}
	send := func(method, path, body string, header map[string]string) int {
		base := servers[rand.IntN(len(servers))].url()
		if base == "" {
			return 0
		}
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0 // a server being restarted
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			serverErrors.Add(1)
			t.Logf("%s %s: %s", method, path, resp.Status)
		}
		return resp.StatusCode
	}
	loop(700*time.Millisecond, func(rng *rand.Rand) { // the cron webhook, any stream
		if send("POST", "/smart-resume-client-by-client", fmt.Sprintf(`{"stream": %d}`, 1+rng.IntN(6)),
			map[string]string{"x-webhook-secret": soakSecret, "Content-Type": "application/json"}) == http.StatusAccepted {
			accepted.Add(1)
		}
	})
	loop(150*time.Millisecond, func(*rand.Rand) { // dashboards and scripts reading
		if send("GET", "/api/v1/runs?limit=20", "", map[string]string{"Authorization": "Bearer " + soakAdmin}) == http.StatusOK {
			reads.Add(1)
		}
	})
	loop(400*time.Millisecond, func(rng *rand.Rand) { // Linked Helper sending new people
		c := ds.Clients[rng.IntN(6)]
		body := fmt.Sprintf(`{"profileUrl": "https://www.linkedin.com/in/soak-%d", "firstName": "Soak", "lastName": "Lead",
			"headline": "Founder and Coach", "companyName": "Acme", "jobTitle": "Founder"}`, rng.Int64())
		if send("POST", "/lh-webhook/upsertLeadOnly?client="+c.ID+"&token="+tokens[c.ID], body,
			map[string]string{"Content-Type": "application/json"}) == http.StatusOK {
			ingested.Add(1)
		}
	})
	kills := 0
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) {
		time.Sleep(6 * time.Second)
		p := procs[rand.IntN(len(procs))]
		p.kill()
		kills++
		p.start(t)
	}
	close(stop)
	wg.Wait()

	// Drain: every run must end (the reaper hands on what the killed processes held).
	drained := time.Now().Add(90 * time.Second)
	for {
		var active int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM runs WHERE status IN ('queued','running')`).Scan(&active); err != nil {
			t.Fatal(err)
		}
		if active == 0 {
			break
		}
		if time.Now().After(drained) {
			t.Fatalf("%d runs still active 90 s after the chaos stopped", active)
		}
		time.Sleep(200 * time.Millisecond)
	}
	byStatus := map[string]int{}
	var runCount, noReason int
	rows, err := db.SQL().Query(`SELECT status, COUNT(*), COUNT(*) FILTER (WHERE status_reason = '') FROM runs GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var status string
		var n, blank int
		if err := rows.Scan(&status, &n, &blank); err != nil {
			t.Fatal(err)
		}
		byStatus[status], runCount, noReason = n, runCount+n, noReason+blank
	}
	rows.Close()
	if noReason != 0 {
		t.Errorf("%d runs ended without a reason", noReason)
	}
	var examined, scored int64
	if err := db.SQL().QueryRow(`SELECT COALESCE(SUM(examined), 0), COALESCE(SUM(scored), 0) FROM operations
		WHERE operation = 'lead_scoring'`).Scan(&examined, &scored); err != nil {
		t.Fatal(err)
	}
	var leadsScored, leadsSkipped, twice int64
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FILTER (WHERE scoring_status = 'scored'),
		COUNT(*) FILTER (WHERE scoring_status = 'skipped_missing_data'), COUNT(*) FILTER (WHERE attempts > 1) FROM leads`).
		Scan(&leadsScored, &leadsSkipped, &twice); err != nil {
		t.Fatal(err)
	}
	if scored != leadsScored || examined != leadsScored+leadsSkipped || twice != 0 {
		t.Errorf("runs examined %d and scored %d; leads table: %d scored, %d skipped, %d tried twice", examined, scored,
			leadsScored, leadsSkipped, twice)
	}
	var deadlockJobs int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM river_job WHERE errors::text LIKE '%40P01%'`).Scan(&deadlockJobs); err != nil {
		t.Fatal(err)
	}
	if deadlockJobs != 0 || serverErrors.Load() != 0 {
		t.Errorf("%d jobs met a deadlock, %d answers were 5xx", deadlockJobs, serverErrors.Load())
	}
	if runCount < 6 || accepted.Load() == 0 || ingested.Load() == 0 || reads.Load() == 0 {
		t.Errorf("too little happened: %d runs, %d triggers accepted, %d leads ingested, %d reads", runCount, accepted.Load(),
			ingested.Load(), reads.Load())
	}
	t.Logf("soak %s: %d kills, %d runs %v, %d triggers accepted, %d leads ingested, %d API reads, %d leads scored",
		duration, kills, runCount, byStatus, accepted.Load(), ingested.Load(), reads.Load(), leadsScored)
	if t.Failed() {
		for _, p := range procs {
			p.mu.Lock()
			t.Logf("%s output:\n%s", p.args[0], p.logs.String())
			p.mu.Unlock()
		}
	}
}
