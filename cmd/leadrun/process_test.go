package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sample"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// binary is the leadrun executable built once for the process tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "leadrun-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "leadrun")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("build leadrun: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startWorker starts `leadrun worker` as a real process with slow chunks and a short
// stale limit (5 s: long enough that a loaded CI machine does not miss heartbeats), so a
// test can interrupt it mid-run.
func startWorker(t *testing.T, dbURL string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, "worker", "--db", dbURL, "--workers", "2", "--chunk-size", "10",
		"--rules-delay", "30ms", "--stale-after", "5s", "--shutdown-grace", "10s")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("worker output:\n%s", logs.String())
		}
	})
	return cmd
}

// mustSeed loads 3 clients × 150 leads into a fresh database and returns its URL and a
// connection for assertions.
func mustSeed(t *testing.T, kind sqldb.Kind) (string, *sqldb.DB) {
	t.Helper()
	dbURL := sqldbtest.NewURL(t, kind)
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	ds := sample.Generate(sample.Options{Clients: 3, LeadsPerClient: 150, Streams: 1, Seed: 7})
	for _, c := range ds.Clients {
		c.LeadScoringLimit = 0 // every lead in one run
	}
	if err := loadQuietly(ctx, db, ds); err != nil {
		t.Fatal(err)
	}
	return dbURL, db
}

func leadcli(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("leadrun %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func activeRun(t *testing.T, db *sqldb.DB) *leadrun.Run {
	t.Helper()
	run, err := db.FindActiveRun(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func pollRun(t *testing.T, db *sqldb.DB, id string, cond func(*leadrun.Run) bool) *leadrun.Run {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		run, err := db.FindRunByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(run) {
			return run
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s: condition not met in 60s; status %s, totals %+v", id, run.Status, run.Totals)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertEachLeadOnce checks that every lead is finished and none was scored twice, and
// that the runs' counts add up to the leads table.
func assertEachLeadOnce(t *testing.T, db *sqldb.DB, runIDs ...string) {
	t.Helper()
	ctx := context.Background()
	var scored, skipped, twice, due int64
	err := db.SQL().QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN scoring_status = 'scored' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN scoring_status = 'skipped_missing_data' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN scoring_status = 'to_be_scored' THEN 1 ELSE 0 END), 0) FROM leads`).Scan(&scored, &skipped, &twice, &due)
	if err != nil {
		t.Fatal(err)
	}
	if due != 0 || twice != 0 || scored+skipped != 450 {
		t.Errorf("leads: %d scored, %d skipped, %d still due, %d tried twice; want 450 done once each", scored, skipped, due, twice)
	}
	var runScored, runSkipped int64
	for _, id := range runIDs {
		run, err := db.FindRunByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		runScored += run.Totals.LeadsScored
		runSkipped += run.Totals.LeadsSkipped
	}
	if runScored != scored || runSkipped != skipped {
		t.Errorf("runs counted %d scored, %d skipped; leads table says %d and %d", runScored, runSkipped, scored, skipped)
	}
}

// A worker killed with SIGKILL mid-run loses nothing and counts nothing twice: the next
// worker abandons what the dead one held, the run ends abandoned with a reason, and the
// next run finishes the remaining leads.
func TestWorkerKilledMidRun(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL, db := mustSeed(t, kind)
			w1 := startWorker(t, dbURL)
			leadcli(t, "run", "--db", dbURL, "--stream", "1")
			first := activeRun(t, db)
			pollRun(t, db, first.ID, func(r *leadrun.Run) bool { return r.Totals.LeadsExamined >= 60 })
			if err := w1.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = w1.Wait()
			killedAt := pollRun(t, db, first.ID, func(*leadrun.Run) bool { return true })
			if killedAt.Status != leadrun.RunRunning || killedAt.Totals.LeadsExamined >= 450 {
				t.Fatalf("after SIGKILL: %s with %d examined; want a run still marked running, unfinished", killedAt.Status, killedAt.Totals.LeadsExamined)
			}
			startWorker(t, dbURL)
			ended := pollRun(t, db, first.ID, func(r *leadrun.Run) bool { return r.Status.Terminal() })
			if ended.Status != leadrun.RunAbandoned || ended.StatusReason == "" {
				t.Fatalf("interrupted run ended %s (%q), want abandoned with a reason", ended.Status, ended.StatusReason)
			}
			leadcli(t, "run", "--db", dbURL, "--stream", "1")
			second := activeRun(t, db)
			done := pollRun(t, db, second.ID, func(r *leadrun.Run) bool { return r.Status.Terminal() })
			if done.Status != leadrun.RunCompleted || done.Totals.LeadsExamined == 0 {
				t.Fatalf("next run: %s (%s), examined %d", done.Status, done.StatusReason, done.Totals.LeadsExamined)
			}
			assertEachLeadOnce(t, db, first.ID, second.ID)
		})
	}
}

// SIGTERM stops a worker gracefully: in-flight chunks commit, its operations go back to
// the queue, and the next worker resumes the same run to completion.
func TestWorkerSIGTERMHandsOver(t *testing.T) {
	for _, kind := range sqldbtest.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dbURL, db := mustSeed(t, kind)
			w1 := startWorker(t, dbURL)
			leadcli(t, "run", "--db", dbURL, "--stream", "1")
			run := activeRun(t, db)
			pollRun(t, db, run.ID, func(r *leadrun.Run) bool { return r.Totals.LeadsExamined >= 40 })
			stopped := time.Now()
			if err := w1.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := w1.Wait(); err != nil {
				t.Fatalf("worker exit after SIGTERM: %v", err)
			}
			if took := time.Since(stopped); took > 10*time.Second {
				t.Errorf("worker took %s to stop", took)
			}
			paused := pollRun(t, db, run.ID, func(*leadrun.Run) bool { return true })
			if paused.Status != leadrun.RunRunning {
				t.Fatalf("after SIGTERM the run is %s, want still running (handed over)", paused.Status)
			}
			startWorker(t, dbURL)
			done := pollRun(t, db, run.ID, func(r *leadrun.Run) bool { return r.Status.Terminal() })
			if done.Status != leadrun.RunCompleted || done.Totals.LeadsExamined != 450 {
				t.Fatalf("resumed run: %s (%s), examined %d, want completed with 450", done.Status, done.StatusReason, done.Totals.LeadsExamined)
			}
			assertEachLeadOnce(t, db, run.ID)
		})
	}
}

// `leadrun serve` as a real process: the original cron call gets 202 and a run ID, the run
// completes, /readyz answers, and SIGTERM stops the process cleanly.
func TestServeProcess(t *testing.T) {
	dbURL, db := mustSeed(t, sqldb.SQLite)
	cmd := exec.Command(binary, "serve", "--db", dbURL, "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "LEADRUN_WEBHOOK_SECRET=cron-secret-1-4f9a2c", "LEADRUN_ADMIN_TOKEN=admin-token-1-7b3e5d")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var seen string
		for {
			n, err := stderr.Read(buf)
			seen += string(buf[:n])
			if i := strings.Index(seen, "http://"); i >= 0 && strings.Contains(seen[i:], " on ") {
				addr <- strings.Fields(seen[i:])[0]
				io.Copy(io.Discard, stderr)
				return
			}
			if err != nil {
				addr <- ""
				return
			}
		}
	}()
	base := <-addr
	if base == "" {
		t.Fatal("serve did not print its address")
	}
	req, _ := http.NewRequest("POST", base+"/smart-resume-client-by-client", strings.NewReader(`{"stream": 1}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-webhook-secret", "cron-secret-1-4f9a2c")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || body["run_id"] == "" {
		t.Fatalf("webhook: %d %v", resp.StatusCode, body)
	}
	if run := pollRun(t, db, body["run_id"], func(r *leadrun.Run) bool { return r.Status.Terminal() }); run.Status != leadrun.RunCompleted {
		t.Errorf("run %s: %s", run.ID, run.Status)
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("readyz: %v %v", resp, err)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
}
