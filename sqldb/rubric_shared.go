package sqldb

import (
	"context"
	"sync"

	"github.com/leadrun/leadrun"
)

// rubricCacheBytes bounds the stored documents the rubric cache keeps (their parsed
// rubrics take about as much again).
const rubricCacheBytes = 32 << 20

// rubricCache keeps each client's parsed rubric with the stored document it was parsed
// from. A run reads a client's rubric when it plans the client and again when each of its
// operations starts; parsing it (JSON) cost more than the rest of a small operation's
// reads. The document is still read every time and compared, so a rubric changed by any
// process is seen at once: the cache saves the parse, never a read.
type rubricCache struct {
	mu       sync.Mutex
	byClient map[string]sharedRubric
	bytes    int
}

type sharedRubric struct {
	doc    string
	rubric *leadrun.Rubric
}

func (c *rubricCache) get(clientID, doc string) *leadrun.Rubric {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.byClient[clientID]; ok && s.doc == doc {
		return s.rubric
	}
	return nil
}

func (c *rubricCache) put(clientID, doc string, r *leadrun.Rubric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byClient == nil || c.bytes+len(doc) > rubricCacheBytes {
		c.byClient, c.bytes = map[string]sharedRubric{}, 0 // full: start again
	}
	if old, ok := c.byClient[clientID]; ok {
		c.bytes -= len(old.doc)
	}
	c.byClient[clientID] = sharedRubric{doc: doc, rubric: r}
	c.bytes += len(doc)
}

// FindSharedRubric is FindRubric for readers that only read the rubric (planning and
// scoring): while the client's stored rubric is unchanged it returns the rubric parsed
// the first time, shared by every caller, so the caller must not modify it.
func (tx *Tx) FindSharedRubric(ctx context.Context, clientID string) (*leadrun.Rubric, error) {
	doc, err := rubricDocument(ctx, tx.cached(), clientID)
	if err != nil {
		return nil, err
	}
	if r := tx.db.rubrics.get(clientID, doc); r != nil {
		return r, nil
	}
	r, err := parseRubric(clientID, doc)
	if err != nil {
		return nil, err
	}
	tx.db.rubrics.put(clientID, doc, r)
	return r, nil
}
