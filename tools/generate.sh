#!/usr/bin/env bash
# The seeded scenario generator: a deterministic synthetic city as interchange JSON Lines on stdout.
# The generator itself is Sources/LedgerSimulation (shared with `bench` and the property tests).
#   bash tools/generate.sh --persons 1000 --seed 7 > city.jsonl
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product caseledger >&2
exec .build/release/caseledger generate "$@"
