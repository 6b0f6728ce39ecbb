package runner_test

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadrun/leadrun"
	"github.com/leadrun/leadrun/sqldb"
	"github.com/leadrun/leadrun/sqldb/sqldbtest"
)

// tcpProxy forwards connections to a database server and can cut them all and refuse new
// ones for a while: a network outage between a worker and PostgreSQL.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	downTo time.Time
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut(0) })
	return p
}

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := time.Now().Before(p.downTo)
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *tcpProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close(); c.Close() }()
	_, _ = io.Copy(c, s)
	s.Close()
	c.Close()
}

// cut closes every open connection and refuses new ones for d.
func (p *tcpProxy) cut(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.downTo = time.Now().Add(d)
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// openThrough opens the database at dbURL through a proxy (PostgreSQL), with extra query
// parameters.
func openThrough(t *testing.T, dbURL string, extra map[string]string) (*sqldb.DB, *tcpProxy) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := newTCPProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	q := u.Query()
	for k, v := range extra {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	db, err := sqldb.Open(context.Background(), u.String(), sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, p
}

// Connection resets, then a database outage longer than the stale limit (connections cut,
// new ones refused), are waited out: the worker keeps its operation, nobody judges it dead
// for the outage, and the run ends completed with every lead counted once.
func TestDatabaseOutageIsWaitedOut(t *testing.T) {
	dbURL := sqldbtest.NewURL(t, sqldb.Postgres)
	direct, err := sqldb.Open(context.Background(), dbURL, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	if err := direct.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	mustFixture(t, direct, 300, &leadrun.Client{ID: "A", Stream: 1})
	db, proxy := openThrough(t, dbURL, nil)
	r := newRunner(t, db, &keywordScorer{delay: 20 * time.Millisecond}, liveCfg(2))
	mustStart(t, r)
	run := trigger(t, r, 1, leadrun.RunParams{})
	waitFor(t, func() bool {
		got, _ := direct.FindRunByID(context.Background(), run.ID)
		return got.Totals.LeadsExamined >= 50
	})
	for range 5 { // connection resets
		proxy.cut(0)
		time.Sleep(300 * time.Millisecond)
	}
	proxy.cut(5 * time.Second) // an outage longer than the 2 s stale limit
	got := waitTerminal(t, direct, run.ID, 60*time.Second)
	counts, _ := direct.CountLeadsByStatus(context.Background(), "A")
	if got.Status != leadrun.RunCompleted || got.Totals.LeadsExamined != 300 || got.Totals.LeadsScored != counts[leadrun.StatusScored] {
		t.Fatalf("run %s (%s), totals %+v, leads %v; want completed with every lead once", got.Status, got.StatusReason, got.Totals, counts)
	}
}

// A statement stuck behind a row lock held by another session does not keep an operation
// alive past its time limit: the lock timeout turns the wait into a retried error, and
// the operation ends failed with "timed out" within seconds of its limit.
func TestStuckLockCannotOutliveTheTimeLimit(t *testing.T) {
	dbURL := sqldbtest.NewURL(t, sqldb.Postgres)
	db, _ := openThrough(t, dbURL, map[string]string{"lock_timeout": "500ms"})
	ctx := context.Background()
	if err := db.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	mustFixture(t, db, 20, &leadrun.Client{ID: "A", Stream: 1})
	holder, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.Exec(`SELECT id FROM leads WHERE client_id = 'A' ORDER BY id LIMIT 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	cfg := liveCfg(2)
	cfg.OperationTimeout = 2 * time.Second
	r := newRunner(t, db, &keywordScorer{}, cfg)
	mustStart(t, r)
	run := trigger(t, r, 1, leadrun.RunParams{})
	got := waitTerminal(t, db, run.ID, 40*time.Second)
	if got.Status != leadrun.RunFailed || !strings.Contains(got.StatusReason, "timed out after 2s") {
		t.Fatalf("run %s (%s); want failed, timed out after 2s", got.Status, got.StatusReason)
	}
}
