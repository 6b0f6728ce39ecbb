package runner

import (
	"fmt"
	"testing"

	"github.com/leadrun/leadrun"
)

// groupOperations: big operations keep a job each, small ones share jobs only when a run
// has enough of them, within the size limits; every operation is in exactly one job.
func TestGroupOperations(t *testing.T) {
	ops := func(n int, due int64, limit int) []*leadrun.Operation {
		out := make([]*leadrun.Operation, n)
		for i := range out {
			out[i] = &leadrun.Operation{ClientID: fmt.Sprintf("c%d-%d", due, i), Kind: leadrun.OpLeadScoring, Due: due, Limit: limit}
		}
		return out
	}
	cat := func(lists ...[]*leadrun.Operation) []*leadrun.Operation {
		var out []*leadrun.Operation
		for _, l := range lists {
			out = append(out, l...)
		}
		return out
	}
	cases := []struct {
		name           string
		ops            []*leadrun.Operation
		singles        int
		groups         int
		largestGroupOp int
	}{
		{"few small: one job each", ops(groupMinJobs, 50, 0), groupMinJobs, 0, 0},
		{"just over the minimum: pairs", ops(groupMinJobs+1, 50, 0), 1, groupMinJobs / 2, 2},
		{"2,000 small: full groups", ops(2000, 50, 0), 0, 125, groupMaxOps},
		{"group holds at most groupMaxItems", ops(2000, groupMaxDue, 0), 0, 400, groupMaxItems / groupMaxDue},
		{"big ones alone", cat(ops(3, groupMaxDue+1, 0), ops(10, 5, 0)), 13, 0, 0},
		{"a limit makes a big one small", ops(2000, 5000, 50), 0, 125, groupMaxOps},
		{"big among many small", cat(ops(1, 800, 0), ops(2000, 50, 0)), 1, 125, groupMaxOps},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			jobs := groupOperations("R", tc.ops)
			seen := map[string]int{}
			singles, groups, largest := 0, 0, 0
			for _, j := range jobs {
				switch a := j.(type) {
				case operationArgs:
					singles++
					seen[a.ClientID]++
				case groupArgs:
					groups++
					largest = max(largest, len(a.Ops))
					if a.RunID != "R" || len(a.Ops) < 2 || len(a.Ops) > groupMaxOps {
						t.Errorf("group %+v", a)
					}
					for _, op := range a.Ops {
						seen[op.ClientID]++
					}
				}
			}
			if singles != tc.singles || groups != tc.groups || largest != tc.largestGroupOp {
				t.Errorf("%d single jobs, %d groups (largest %d ops); want %d, %d (%d)", singles, groups, largest,
					tc.singles, tc.groups, tc.largestGroupOp)
			}
			for _, op := range tc.ops {
				if seen[op.ClientID] != 1 {
					t.Errorf("operation of %s is in %d jobs", op.ClientID, seen[op.ClientID])
				}
			}
		})
	}
}
