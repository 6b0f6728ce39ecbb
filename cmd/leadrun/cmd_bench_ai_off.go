//go:build !benchfake

package main

import (
	"context"

	"github.com/leadrun/leadrun"
)

// runAI explains how to get the AI benchmark: its fake provider is not in this binary.
func (c *BenchCmd) runAI(context.Context, *app) error {
	return leadrun.Errorf(leadrun.EINVALID, "--ai-latency scores through an in-process fake AI provider, which the normal "+
		"binary does not contain: build with `go build -tags benchfake ./cmd/leadrun`, or `go run -tags benchfake ./cmd/leadrun bench --ai-latency 200ms`")
}
