package sample

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/leadrun/leadrun"
)

func TestRubricShape(t *testing.T) {
	t.Parallel()
	for i := range 40 {
		r := Rubric(i)
		if err := r.Validate(); err != nil {
			t.Fatalf("Rubric(%d): %v", i, err)
		}
		var pos, bonus, neg, disq int
		for _, a := range r.Attributes {
			if len(a.Signals) == 0 || !strings.Contains(a.Instructions+a.Heading, " ") {
				t.Errorf("Rubric(%d) %s: no signals or instructions", i, a.ID)
			}
			switch a.Category {
			case leadrun.CategoryPositive:
				pos++
				if a.Bonus {
					bonus++
				}
				if !slices.Contains([]int{3, 5, 10, 15, 20}, a.MaxPoints) || !strings.Contains(a.Instructions, " pts = ") {
					t.Errorf("Rubric(%d) %s: max %d, instructions %q", i, a.ID, a.MaxPoints, a.Instructions)
				}
			case leadrun.CategoryNegative:
				neg++
				if a.Disqualifying {
					disq++
				}
				if a.Penalty != -5 && a.Penalty != -10 {
					t.Errorf("Rubric(%d) %s: penalty %d", i, a.ID, a.Penalty)
				}
			}
		}
		if pos < 6 || pos > 10 || bonus < 1 || bonus > 2 || neg < 2 || neg > 4 || disq != 1 || r.Preamble == "" {
			t.Errorf("Rubric(%d): %d positives (%d bonus), %d negatives (%d disqualifying)", i, pos, bonus, neg, disq)
		}
		if r.Attributes[0].ID != "A" || r.Attributes[pos].ID != "N1" {
			t.Errorf("Rubric(%d): IDs %s…%s", i, r.Attributes[0].ID, r.Attributes[pos].ID)
		}
		checkPostRubric(t, i, r.Post)
	}
	if !reflect.DeepEqual(Rubric(7), Rubric(7)) || reflect.DeepEqual(Rubric(0), Rubric(1)) {
		t.Error("Rubric is not deterministic per index, or does not vary across clients")
	}
}

func checkPostRubric(t *testing.T, i int, p *leadrun.PostRubric) {
	t.Helper()
	if p == nil {
		t.Fatalf("Rubric(%d): no post rubric", i)
	}
	var pos, neg int
	for _, c := range p.Criteria {
		if c.Category == leadrun.CategoryPositive {
			pos++
		} else if c.Category == leadrun.CategoryNegative && len(c.NegativeKeywords) > 0 {
			neg++
		}
	}
	if pos < 2 || pos > 3 || neg != 1 {
		t.Errorf("Rubric(%d) post rubric: %d positive, %d penalty criteria", i, pos, neg)
	}
}

func TestClients(t *testing.T) {
	t.Parallel()
	clients := Clients(40, 3)
	if len(clients) != 40 {
		t.Fatalf("got %d clients", len(clients))
	}
	ids := map[string]bool{}
	for i, c := range clients {
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if ids[c.ID] {
			t.Errorf("duplicate client ID %s", c.ID)
		}
		ids[c.ID] = true
		if c.Stream != i%3+1 || c.ServiceLevel != 2-i%2 || c.Status != leadrun.ClientActive {
			t.Errorf("client %d: stream %d, level %d, status %s", i, c.Stream, c.ServiceLevel, c.Status)
		}
	}
	if clients[0].ID != "Guy-Wilson" || clients[16].ID != "Guy-Wilson-2" {
		t.Errorf("IDs %s, %s", clients[0].ID, clients[16].ID)
	}
	if got := Clients(2, 0); len(got) != 2 || got[1].Stream != 1 {
		t.Errorf("streams < 1 must mean one stream: %+v", got)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	d := Demo()
	want := []struct {
		id            string
		stream, level int
	}{{"Guy-Wilson", 1, 2}, {"Dean-Hobin", 1, 1}, {"Sarah-Chen", 2, 2}}
	if len(d.Clients) != len(want) {
		t.Fatalf("%d clients", len(d.Clients))
	}
	var total, missing int
	for i, w := range want {
		c := d.Clients[i]
		if c.ID != w.id || c.Stream != w.stream || c.ServiceLevel != w.level {
			t.Errorf("client %d = %s stream %d level %d, want %+v", i, c.ID, c.Stream, c.ServiceLevel, w)
		}
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
		if err := d.Rubrics[c.ID].Validate(); err != nil {
			t.Errorf("%s rubric: %v", c.ID, err)
		}
		leads := d.Leads[c.ID]
		if n := len(leads); n < 120 || n > 150 {
			t.Errorf("%s: %d leads, want 120–150", c.ID, n)
		}
		m := checkLeads(t, c.ID, leads)
		if m == 0 {
			t.Errorf("%s: no lead is missing data", c.ID)
		}
		total, missing = total+len(leads), missing+m
		checkDemoPosts(t, c, leads, d.Posts)
	}
	if share := float64(missing) / float64(total); share < 0.03 || share > 0.15 {
		t.Errorf("%.1f %% of leads miss a headline or a job, want about 8 %%", share*100)
	}
}

// checkLeads validates every lead and returns how many cannot be scored.
func checkLeads(t *testing.T, clientID string, leads []*leadrun.Lead) (missing int) {
	t.Helper()
	keys := map[string]bool{}
	for _, l := range leads {
		key := l.ProfileKey
		if err := l.Validate(); err != nil || l.ProfileKey != key || l.ClientID != clientID {
			t.Fatalf("lead %s: %v (key %q, validated %q)", l.ProfileURL, err, key, l.ProfileKey)
		}
		if keys[key] {
			t.Errorf("%s: duplicate profile key %s", clientID, key)
		}
		keys[key] = true
		if l.ScoringStatus != leadrun.StatusToBeScored || l.FirstName == "" || len(l.Experience) > 6 {
			t.Errorf("lead %s: status %q, %d jobs", key, l.ScoringStatus, len(l.Experience))
		}
		if l.MissingCriticalData() != "" {
			missing++
		}
	}
	return missing
}

func checkDemoPosts(t *testing.T, c *leadrun.Client, leads []*leadrun.Lead, posts map[string][]PostSeed) {
	t.Helper()
	ps, ok := posts[c.ID]
	if c.ServiceLevel < leadrun.ServicePostScoring {
		if ok {
			t.Errorf("%s (level 1) has posts", c.ID)
		}
		return
	}
	perLead := map[string]int{}
	urls := map[string]bool{}
	var reposts, short int
	for _, p := range ps {
		perLead[p.ProfileKey]++
		if urls[p.Post.PostURL] || p.Post.PostedAt == nil || p.Post.ClientID != c.ID {
			t.Errorf("post %+v: duplicate URL, no date or wrong client", p.Post)
		}
		urls[p.Post.PostURL] = true
		if p.Post.IsRepost && p.Post.OriginalAuthor != "" {
			reposts++
		}
		if len([]rune(p.Post.Content)) < leadrun.MinPostContent {
			short++
		}
	}
	for _, l := range leads {
		delete(perLead, l.ProfileKey) // what is left belongs to no lead
	}
	withPosts := countWithPosts(ps)
	if share := float64(withPosts) / float64(len(leads)); share < 0.2 || share > 0.5 || len(perLead) != 0 {
		t.Errorf("%s: %d of %d leads have posts; %d posts of unknown leads", c.ID, withPosts, len(leads), len(perLead))
	}
	if reposts == 0 || short == 0 || len(ps) < withPosts || len(ps) > 3*withPosts {
		t.Errorf("%s: %d posts, %d reposts, %d short", c.ID, len(ps), reposts, short)
	}
}

func countWithPosts(ps []PostSeed) int {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.ProfileKey] = true
	}
	return len(seen)
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	if !reflect.DeepEqual(Demo(), Demo()) {
		t.Error("Demo differs between calls")
	}
	opts := Options{Clients: 3, LeadsPerClient: 200, Streams: 2, PostsPerLead: 2, Seed: 42}
	a, b := Generate(opts), Generate(opts)
	if !reflect.DeepEqual(a, b) {
		t.Error("Generate differs for the same seed")
	}
	opts.Seed = 43
	if c := Generate(opts); reflect.DeepEqual(a.Leads, c.Leads) {
		t.Error("Generate is the same for another seed")
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	d := Generate(Options{Clients: 4, LeadsPerClient: 500, Streams: 2, PostsPerLead: 2, Seed: 1})
	if len(d.Clients) != 4 || len(d.Rubrics) != 4 {
		t.Fatalf("%d clients, %d rubrics", len(d.Clients), len(d.Rubrics))
	}
	for _, c := range d.Clients {
		if n := len(d.Leads[c.ID]); n != 500 {
			t.Errorf("%s: %d leads", c.ID, n)
		}
		checkLeads(t, c.ID, d.Leads[c.ID])
		wantPosts := 0
		if c.ServiceLevel == leadrun.ServicePostScoring {
			wantPosts = 1000
		}
		if n := len(d.Posts[c.ID]); n != wantPosts {
			t.Errorf("%s (level %d): %d posts, want %d", c.ID, c.ServiceLevel, n, wantPosts)
		}
	}
	if empty := Generate(Options{}); len(empty.Clients) != 1 || len(empty.Leads[empty.Clients[0].ID]) != 0 {
		t.Errorf("zero options: %+v", empty)
	}
}

func TestGenerateAllocations(t *testing.T) {
	const leads = 2000
	allocs := testing.AllocsPerRun(3, func() {
		Generate(Options{Clients: 1, LeadsPerClient: leads, Seed: 1})
	})
	if perLead := allocs / leads; perLead > 6 {
		t.Errorf("%.1f allocations per lead, want at most 6", perLead)
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		d := Generate(Options{Clients: 20, LeadsPerClient: 5000, Streams: 2, Seed: 1})
		if len(d.Clients) != 20 {
			b.Fatal("wrong dataset")
		}
	}
}
