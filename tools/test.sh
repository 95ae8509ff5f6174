#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
# Headless Chromium for the browser test of the person page; without it that test says it is skipped.
if [ "$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
        || echo "chromium could not be installed: the browser test will be skipped"
fi
# No function longer than 70 lines (docs/ARCHITECTURE.md § Conventions).
python3 tools/long-functions.py 70
# Debian's python3-lmdb for the independent reader of docs/FORMAT.md (FormatReaderTests).
if [ "$(id -u)" = 0 ] && ! /usr/bin/python3 -c "import lmdb" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-lmdb >/dev/null
fi
swift build --build-tests
log=.build/test-output/swift-test.log
mkdir -p "$(dirname "$log")"
status=0
# The live server against its own OpenAPI document, once per role (installs schemathesis from PyPI).
bash tools/schemathesis.sh .build/debug/caseledger 2>&1 | tee .build/test-output/schemathesis.log | tail -n 25 || status=$?
swift test --skip-build --parallel 2>&1 | tee "$log" || status=$?
if [ "$status" != 0 ]; then
    # A parallel run interleaves its output: repeat every recorded issue last, where a reader of a
    # long log's tail sees it.
    echo "== the issues recorded in this run (the whole log: $log)"
    grep -A12 -E 'recorded an issue|Expectation failed|Caught error|error:' "$log" | head -200 || true
    grep -E '✘' "$log" | head -50 || true
fi
exit "$status"
