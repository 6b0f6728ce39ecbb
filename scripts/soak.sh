#!/usr/bin/env bash
# The full-size soak of the distributed setup on PostgreSQL (issue "Scale without
# surprises"): 3 workers + 2 servers, 500 clients over 6 streams, schedules every minute,
# webhook triggers, Linked Helper ingestion and API reads, a random process SIGKILLed and
# restarted every 6 s, for 10 minutes; then every run must be terminal with a reason, no
# deadlock, and the runs' counts must equal the leads table. The test suite runs the same
# test for 60 s with 120 clients.
#   scripts/soak.sh            # 10 minutes, 500 clients
#   DURATION=30m CLIENTS=1000 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LEADRUN_SOAK_DURATION="${DURATION:-10m}" LEADRUN_SOAK_CLIENTS="${CLIENTS:-500}" \
  go test -count=1 -run '^TestSoak$' -v -timeout 60m ./cmd/leadrun/
