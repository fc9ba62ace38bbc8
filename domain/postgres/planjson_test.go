package postgres_test

import (
	"encoding/json"
	"testing"
)

// planNode is a node of EXPLAIN (FORMAT JSON)'s plan, with the fields the
// plan tests read.
type planNode struct {
	Relation  string     `json:"Relation Name"`
	IndexName string     `json:"Index Name"`
	Planned   float64    `json:"Plan Rows"`
	Actual    float64    `json:"Actual Rows"`
	Loops     float64    `json:"Actual Loops"`
	Hit       int        `json:"Shared Hit Blocks"`
	Read      int        `json:"Shared Read Blocks"`
	Plans     []planNode `json:"Plans"`
}

// planNodes reads EXPLAIN (FORMAT JSON)'s answer and returns its nodes
// that match, in the plan's order.
func planNodes(t *testing.T, raw string, match func(planNode) bool) []planNode {
	t.Helper()
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal([]byte(raw), &plans); err != nil || len(plans) == 0 {
		t.Fatalf("not a plan (%v):\n%s", err, raw)
	}
	var out []planNode
	var walk func(n planNode)
	walk = func(n planNode) {
		if match(n) {
			out = append(out, n)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(plans[0].Plan)
	return out
}
