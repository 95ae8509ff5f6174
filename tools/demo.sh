#!/usr/bin/env bash
# The main job on a small generated city: set-up, build, generate, import, verify, and what the
# ledger decided. LEDGER_DIR (default /tmp/caseledger-demo) holds the ledger; PERSONS its size.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
swift build -c release --product caseledger
bin=.build/release/caseledger
dir=${LEDGER_DIR:-/tmp/caseledger-demo}
persons=${PERSONS:-2000}
rm -rf "$dir" "$dir.jsonl" "$dir.risk.txt" "$dir.decisions.jsonl" "$dir.one-stop.txt"
echo "== generate a city of $persons persons (seed 7)"
"$bin" generate --persons "$persons" --seed 7 > "$dir.jsonl"
wc -l < "$dir.jsonl" | xargs echo "lines:"
echo "== import"
"$bin" --ledger "$dir" import "$dir.jsonl"
echo "== import the same batch again: every line is a duplicate, nothing is appended"
"$bin" --ledger "$dir" import "$dir.jsonl"
echo "== verify"
"$bin" --ledger "$dir" verify
echo "== stat"
"$bin" --ledger "$dir" stat
echo "== the year's totals"
"$bin" --ledger "$dir" report totals --year 2024
echo "== risk list of the last month (first 15 rows; --format csv or json for all)"
"$bin" --ledger "$dir" report risk --month 2024-12 > "$dir.risk.txt"
head -n 17 "$dir.risk.txt"
tail -n 1 "$dir.risk.txt"
echo "== replay: re-decide every decision from the log alone"
"$bin" --ledger "$dir" replay --verify | tail -1
"$bin" --ledger "$dir" decisions > "$dir.decisions.jsonl"
person=$(grep -m1 '"application"' "$dir.decisions.jsonl" | sed 's/.*"person":"\([^"]*\)".*/\1/' || true)
echo "== timeline of ${person:-P0000001}, each decision explained"
"$bin" --ledger "$dir" timeline "${person:-P0000001}"
echo "== the same city with its settlements as the national platform's messages (PLATFORM.md)"
rm -rf "$dir-platform" "$dir.platform.jsonl" "$dir.others.jsonl"
"$bin" generate --persons "$persons" --seed 7 --format platform --others "$dir.others.jsonl" > "$dir.platform.jsonl"
head -c 400 "$dir.platform.jsonl"; echo " …"
"$bin" --ledger "$dir-platform" import "$dir.others.jsonl"
"$bin" --ledger "$dir-platform" import --format platform "$dir.platform.jsonl"
echo "== one-stop reconciliation: what the hospital windows paid (maf_pay) against the rules (first 10 rows)"
"$bin" --ledger "$dir-platform" report one-stop --year 2024 > "$dir.one-stop.txt"
head -n 12 "$dir.one-stop.txt"
echo "…"
tail -n 6 "$dir.one-stop.txt"

