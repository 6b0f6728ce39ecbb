// Package sample makes deterministic synthetic data for the demo and the benchmark:
// clients, realistic coaching rubrics, LinkedIn-like leads whose rules-scorer scores spread
// over 0–100, and posts. The same seed always gives the same data.
package sample

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/leadrun/leadrun"
)

// DemoSeed is the seed of Demo.
const DemoSeed = 20250923

// Dataset is a set of clients with their rubrics, leads and posts, keyed by client ID.
type Dataset struct {
	Clients []*leadrun.Client
	Rubrics map[string]*leadrun.Rubric
	Leads   map[string][]*leadrun.Lead
	Posts   map[string][]PostSeed // only service-level-2 clients have an entry
}

// PostSeed is a post of the lead whose profile key is ProfileKey; its LeadID is unset.
type PostSeed struct {
	ProfileKey string
	Post       leadrun.Post
}

// Options size a generated dataset.
type Options struct {
	Clients        int    // number of clients; at least 1
	LeadsPerClient int    // leads of every client
	Streams        int    // clients are spread round-robin over streams 1…Streams; at least 1
	PostsPerLead   int    // posts of every lead of a service-level-2 client; 0 = none
	Seed           uint64 // same seed, same data
}

// clientNames are the display names of generated clients; the first three are the demo's.
var clientNames = []string{"Guy Wilson", "Dean Hobin", "Sarah Chen", "Priya Raman", "Tom Fletcher",
	"Lucy Tran", "Marcus Bell", "Hannah Okafor", "Ravi Menon", "Jess Cartwright", "Ben O'Neill",
	"Aroha Ngata", "Kate Sullivan", "Sam Whitlock", "Nina Petrovic", "Alex Dunn"}

// Clients returns n active clients spread round-robin over streams 1…streams, alternating
// service level 2 (even indexes) and 1. IDs are slugs of realistic names ("Guy-Wilson"),
// numbered once the names run out ("Guy-Wilson-2").
func Clients(n int, streams int) []*leadrun.Client {
	streams = max(streams, 1)
	out := make([]*leadrun.Client, 0, max(n, 0))
	for i := range max(n, 0) {
		name := clientNames[i%len(clientNames)]
		if round := i / len(clientNames); round > 0 {
			name += " " + strconv.Itoa(round+1)
		}
		out = append(out, newClient(name, i%streams+1, 2-i%2))
	}
	return out
}

func newClient(name string, stream, serviceLevel int) *leadrun.Client {
	id := strings.NewReplacer(" ", "-", "'", "").Replace(name)
	c := &leadrun.Client{ID: id, Name: name, Status: leadrun.ClientActive, Stream: stream,
		ServiceLevel: serviceLevel, LeadScoringLimit: 100, PostScoringLimit: 100}
	c.SetDefaults()
	return c
}

// Demo returns the demo dataset: Guy-Wilson (stream 1, service level 2), Dean-Hobin
// (stream 1, level 1) and Sarah-Chen (stream 2, level 2), each with its rubric and 120–150
// leads. About 8 % of leads lack a headline or any job; for the level-2 clients about a
// third of the leads have 1–3 posts, some of them reposts and some too short to score.
func Demo() Dataset {
	clients := []*leadrun.Client{
		newClient("Guy Wilson", 1, leadrun.ServicePostScoring),
		newClient("Dean Hobin", 1, leadrun.ServiceLeadScoring),
		newClient("Sarah Chen", 2, leadrun.ServicePostScoring),
	}
	d := newDataset(len(clients))
	sizes := rand.New(rand.NewPCG(DemoSeed, 0))
	for i, c := range clients {
		g := newGen(DemoSeed, i, c.ID)
		if c.ServiceLevel >= leadrun.ServicePostScoring {
			g.postChance, g.postsMin, g.postsMax = 1.0/3, 1, 3
		}
		d.add(c, Rubric(i), g, 120+sizes.IntN(31))
	}
	return d
}

// Generate returns a dataset sized by opts, for benchmarks and load tests. It is fast
// (about a microsecond per lead) and allocates little: leads and jobs are carved out of
// a few large slices.
func Generate(opts Options) Dataset {
	clients := Clients(max(opts.Clients, 1), opts.Streams)
	d := newDataset(len(clients))
	for i, c := range clients {
		g := newGen(opts.Seed, i, c.ID)
		if c.ServiceLevel >= leadrun.ServicePostScoring && opts.PostsPerLead > 0 {
			g.postChance, g.postsMin, g.postsMax = 1, opts.PostsPerLead, opts.PostsPerLead
		}
		d.add(c, Rubric(i), g, max(opts.LeadsPerClient, 0))
	}
	return d
}

func newDataset(n int) Dataset {
	return Dataset{
		Clients: make([]*leadrun.Client, 0, n),
		Rubrics: make(map[string]*leadrun.Rubric, n),
		Leads:   make(map[string][]*leadrun.Lead, n),
		Posts:   make(map[string][]PostSeed, n),
	}
}

// add generates n leads of client c and files them with its rubric.
func (d *Dataset) add(c *leadrun.Client, r *leadrun.Rubric, g *gen, n int) {
	d.Clients = append(d.Clients, c)
	d.Rubrics[c.ID] = r
	d.Leads[c.ID] = g.run(n)
	if c.ServiceLevel >= leadrun.ServicePostScoring {
		d.Posts[c.ID] = g.posts
	}
}
