#!/usr/bin/env bash
# Refresh docs/screenshots: the browser layout test opens the needs-attention list, the
# runs, a finished run and a client's page at 1,280 px and at 390 px in Chromium, checks
# that the page body never scrolls sideways, saves full screenshots to a folder it prints,
# and writes the top of each (≤ 200 KB, 8-bit PNG) to docs/screenshots for the README.
#   scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/screenshots
CI=true LEADRUN_DOCS_SCREENSHOTS="$PWD/docs/screenshots" \
  go test -count=1 -run '^TestDashboardLayoutWidths$' -v ./web/ | grep -E 'screenshots|^(---|ok|FAIL)'
ls -l docs/screenshots
