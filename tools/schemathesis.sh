#!/usr/bin/env bash
# Runs Schemathesis (4.x) against a live `caseledger serve` once per token role and checks that the
# server keeps to its own OpenAPI document (GET /openapi.yaml).
#
#   bash tools/schemathesis.sh [path/to/caseledger]      (default .build/debug/caseledger)
#
# It makes a ledger of a small generated city in a temporary folder, one token per role, serves it
# on a free loopback port (127.0.0.1 only: no other address is ever contacted), and runs the same
# seeded, bounded test once per role. It exits non-zero if any run found a failure (or could not
# run), and its last line is `schemathesis: N passed, M failed`, N and M counting the role runs.
# Schemathesis is installed with pip when missing; if pip cannot install it, that is a failure, not a
# skip. Environment knobs: SCHEMATHESIS_MAX_EXAMPLES (default 100 per operation), SCHEMATHESIS_SEED
# (default 7), SCHEMATHESIS_WORKERS (default 1), SCHEMATHESIS_RUN_TIMEOUT (default 55 s per role).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

binary=${1:-$root/.build/debug/caseledger}
if [ ! -x "$binary" ] || [ -d "$binary" ]; then
    echo "error: no caseledger binary at $binary (build it first, or pass its path)" >&2
    echo "schemathesis: 0 passed, 1 failed"
    exit 2
fi
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-100}
seed=${SCHEMATHESIS_SEED:-7}
workers=${SCHEMATHESIS_WORKERS:-1}
run_timeout=${SCHEMATHESIS_RUN_TIMEOUT:-55}
python=${PYTHON:-python3}

# --- Schemathesis 4.x, installed if missing. No network to PyPI means failure, never a skip.
schemathesis_major() {
    "$python" -c 'import importlib.metadata as m; print(m.version("schemathesis").split(".")[0])' 2>/dev/null || true
}
if [ "$(schemathesis_major)" != 4 ]; then
    echo "== installing schemathesis 4.x with pip"
    # The version these hooks and checks were written against; any 4.x already installed is used.
    if ! "$python" -m pip install -q 'schemathesis==4.32.5'; then
        echo "error: pip could not install schemathesis; this test needs it (and PyPI) and does not skip" >&2
        echo "schemathesis: 0 passed, 1 failed"
        exit 1
    fi
    if [ "$(schemathesis_major)" != 4 ]; then
        echo "error: schemathesis 4.x is still not importable by $python after pip install" >&2
        echo "schemathesis: 0 passed, 1 failed"
        exit 1
    fi
fi
echo "== $("$python" -m schemathesis.cli --version)"

# --- A ledger, tokens and a server, all inside one temporary folder removed on exit.
work=$(mktemp -d "${TMPDIR:-/tmp}/caseledger-schemathesis.XXXXXX")
server_pid=
summary=
cleanup() {
    local status=$?
    # The closing line is printed whatever stopped the script: a setup step that failed counts as one
    # failed run.
    if [ -z "$summary" ]; then
        echo "== stopped before the runs ended (exit $status)"
        echo "schemathesis: 0 passed, 1 failed"
    fi
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$binary" generate --persons 120 --seed 7 > "$work/city.jsonl"
"$binary" --ledger "$work/ledger" import "$work/city.jsonl" > "$work/import.log"
roles=(ingest ops auditor investigator)
declare -A token
for role in "${roles[@]}"; do
    token[$role]=$("$binary" token add --tokens "$work/tokens" --role "$role" --name "schemathesis.$role" | tail -n 1)
    if [ -z "${token[$role]}" ]; then
        echo "error: token add printed no token for role $role" >&2
        exit 1
    fi
done

free_port() {
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
health() {
    "$python" -c 'import sys, urllib.request
sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:%s/health" % sys.argv[1], timeout=2).status == 200 else 1)' "$1" \
        > /dev/null 2>&1
}
# Starts the server on a free port and waits for /health. The port is free when asked but could be
# taken before the server binds it: a few bounded tries.
start_server() {
    port=
    local attempt candidate
    for attempt in 1 2 3; do
        candidate=$(free_port)
        "$binary" --ledger "$work/ledger" serve --tokens "$work/tokens" --host 127.0.0.1 --port "$candidate" \
            > "$work/server.log" 2>&1 &
        server_pid=$!
        for _ in $(seq 1 150); do  # up to 30 s
            if health "$candidate"; then port=$candidate; break; fi
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.2
        done
        if [ -n "$port" ]; then
            base="http://127.0.0.1:$port"
            echo "== serving a 120-person city on $base"
            return 0
        fi
        echo "== the server did not come up on port $candidate (try $attempt):" >&2
        tail -n 20 "$work/server.log" >&2 || true
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    done
    return 1
}
# What a dead server left in its log: Swift's crash report, its crashing thread's first frames.
crash_excerpt() {
    awk '/Program crashed|Fatal error|fatal error/ { print; next }
         / crashed:$/ { print; frames = 14; next }
         frames > 0 { print; frames-- }' "$1" | head -n 40
}
if ! start_server; then
    echo "error: the server never answered /health" >&2
    exit 1
fi

# --- Hooks that let generated requests reach the answers that matter. Generated path values almost
# never name a person of the city or a report, so every answer would be 4xx and the 200 bodies would
# never be checked against their schemas. So, in the order of calls and thus deterministically:
#  - POST /events: the document gives the body as "a string" of application/x-ndjson, which
#    Schemathesis cannot serialise by itself: it is sent as its UTF-8 text. Every second positive
#    case's body is replaced by real interchange lines built from the city: new settlements (201), a
#    re-pushed line (200), a conflicting re-push, a line for an unknown person, a claim whose costs
#    do not add up (400/422).
#  - /persons/{id}…: every second case names a real person; in a positive case, every fourth also
#    the year 2024 and no asOf, or asOf a sequence. A negative case keeps everything else as
#    generated, so its broken year or query reaches the handler instead of stopping at 404.
#  - /reports/{name}: every second positive case names a real report with the query it needs.
# Nothing else of a negative case is touched, so what negative_data_rejection judges stays negative.
cat > "$work/hooks.py" <<'PYTHON'
import collections
import json
import os

import schemathesis
from schemathesis.generation import GenerationMode

schemathesis.serializer.alias("application/x-ndjson", "text/plain")

with open(os.environ["CASELEDGER_CITY"], encoding="utf-8") as city:
    LINES = [line.rstrip("\n") for line in city if line.strip()]
EVENTS = [json.loads(line) for line in LINES]
MERGED = {event["person"] for event in EVENTS if event["type"] == "person.merged"}
SETTLEMENTS = [e for e in EVENTS if e["type"] == "settlement.recorded" and e["person"] not in MERGED]
PERSONS = sorted({event["person"] for event in EVENTS if event["type"] == "person.registered"})
REPORTS = ["totals", "risk", "hospitals", "tilted-unapplied", "referrals", "pending", "financing"]
TAG = os.environ.get("CASELEDGER_RUN_TAG", "st")
calls = collections.Counter()


def new_settlement(n, template, part=0):
    event = dict(template)
    event["claim"] = f"ST-{TAG}-{n:06d}-{part}"
    event["source"] = {"system": "schemathesis", "key": f"ST-{TAG}-{n:06d}-{part}"}
    return event


def interchange_body(n):
    variant = n % 6
    template = SETTLEMENTS[(n * 7919) % len(SETTLEMENTS)]
    if variant == 0:
        events = [new_settlement(n, template)]
    elif variant == 1:
        events = [new_settlement(n, SETTLEMENTS[(n * 31 + i * 97) % len(SETTLEMENTS)], i) for i in range(3)]
    elif variant == 2:
        return LINES[(n * 104729) % len(LINES)] + "\n"
    elif variant == 3:
        event = dict(template)
        event["totalCost"] = "1.00"
        event["inListCost"] = "1.00"
        event["basicPaid"] = "0.00"
        event["criticalPaid"] = "0.00"
        events = [event]
    elif variant == 4:
        event = new_settlement(n, template)
        event["person"] = f"NOBODY{n:06d}"
        events = [event]
    else:
        event = new_settlement(n, template)
        event["inListCost"] = "999999.00"
        events = [event]
    return "".join(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n" for event in events)


def nth_positive_call(case):
    """How many positive cases of this operation came so far, this one included; 0 for a negative case."""
    if case.meta is not None and case.meta.generation.mode != GenerationMode.POSITIVE:
        return 0
    calls[case.operation.label] += 1
    return calls[case.operation.label]


@schemathesis.hook("before_call").apply_to(method="POST", path="/events")
def interchange_lines(ctx, case, **kwargs):
    n = nth_positive_call(case)
    if n and n % 2 == 0:
        case.body = interchange_body(n // 2)


@schemathesis.hook("before_call").apply_to(path_regex="^/persons/")
def real_person(ctx, case, **kwargs):
    negative = nth_positive_call(case) == 0
    calls["persons: every case"] += 1
    n = calls["persons: every case"]
    if n % 2:
        return
    case.path_parameters = dict(case.path_parameters or {})
    case.path_parameters["id"] = PERSONS[(n * 7919) % len(PERSONS)]
    if not negative and n % 4 == 0:
        if "year" in case.path_parameters:
            case.path_parameters["year"] = 2024
        query = dict(case.query or {})
        if "asOf" in query:
            if n % 8 == 0:
                del query["asOf"]
            else:
                query["asOf"] = str(n * 10)
        if case.operation.path == "/persons/{id}":
            query["year"] = 2024
        case.query = query


@schemathesis.hook("before_call").apply_to(path="/reports/{name}")
def real_report(ctx, case, **kwargs):
    n = nth_positive_call(case)
    if not n or n % 2:
        return
    name = REPORTS[(n // 2) % len(REPORTS)]
    case.path_parameters = {"name": name}
    case.query = {"month": "2024-05"} if name == "risk" else {} if name == "pending" else {"year": 2024}
PYTHON

# --- The checks.
# Run: every check about what the server answers for any request, valid or not:
#   not_a_server_error           no 5xx, whatever is sent.
#   status_code_conformance      every status answered is one the document lists for the operation.
#   content_type_conformance     the Content-Type answered is the one documented for that status.
#   response_schema_conformance  a documented JSON body matches its schema.
#   response_headers_conformance documented response headers (ETag of the timeline) are present and valid.
#   negative_data_rejection      input that breaks the schema (a year that is not an integer, a date
#                                that is not a date…) is refused with a 4xx, not served as if valid.
#   missing_required_header      leaving out a required header (Authorization) is refused.
#   ignored_auth                 a protected route refuses a request without a valid token (401).
#   allow_header_conformance     an Allow header, where one is answered, lists the documented methods.
#   unsupported_method           a method a documented route does not take answers 405 with Allow.
# Left out, because they would demand behaviour the document does not promise or they cannot apply:
#   positive_data_acceptance     wants 2xx for any input the schema allows; but the schema of a body
#                                (POST /events) is "any string" while the API documents 400/422 for
#                                lines that do not parse or check (the hooks above send such lines on
#                                purpose), and /reports/{name} documents 400 for a missing year that
#                                the schema marks optional.
#   use_after_free, ensure_resource_availability
#                                stateful checks of created and deleted resources through links; the
#                                document declares no links and the API deletes nothing.
#   object_level_authorization   needs several principals owning distinct resources; every token
#                                of a role sees the same persons by design.
# Phases: examples, coverage (deterministic boundary and negative values) and fuzzing; the stateful
# phase needs links, which the document has none of. Determinism: a fixed seed and no example
# database, so every run sends the same generated data (given the same schemathesis version).
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,response_headers_conformance,negative_data_rejection,missing_required_header,ignored_auth
checks+=,allow_header_conformance,unsupported_method

passed=0
failed=0
failed_roles=()
restarts=0
cd "$work"  # Schemathesis and Hypothesis write nothing into the work tree, and read no stray config.
for role in "${roles[@]}"; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        # A crash found by the previous role's run is that run's failure; the next role gets a
        # fresh server on the same ledger (at most 3 times, then the remaining roles fail unrun).
        if [ "$restarts" -ge 3 ] || ! start_server; then
            echo "== role $role not run: the server is down" >&2
            failed=$((failed + 1))
            failed_roles+=("$role(not run)")
            continue
        fi
        restarts=$((restarts + 1))
    fi
    echo "== schemathesis as role $role"
    status=0
    CASELEDGER_CITY="$work/city.jsonl" CASELEDGER_RUN_TAG="$role" SCHEMATHESIS_HOOKS="$work/hooks.py" \
    timeout --kill-after=10 "$run_timeout" "$python" -m schemathesis.cli --no-color run "$base/openapi.yaml" \
        --url "$base" \
        -H "Authorization: Bearer ${token[$role]}" \
        --checks "$checks" \
        --phases examples,coverage,fuzzing \
        --max-examples "$max_examples" \
        --seed "$seed" \
        --generation-database none \
        --workers "$workers" \
        --continue-on-failure \
        --request-timeout 10 \
        --suppress-health-check too_slow \
        || status=$?
    if [ "$status" = 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_roles+=("$role")
        if [ "$status" = 124 ] || [ "$status" = 137 ]; then
            echo "== role $role: schemathesis ran past ${run_timeout}s and was stopped" >&2
        fi
    fi
    # Swift prints a crash report (which takes a second or two) before the process ends.
    for _ in $(seq 1 25); do
        kill -0 "$server_pid" 2>/dev/null || break
        grep -q "Program crashed\|Fatal error" "$work/server.log" 2>/dev/null || break
        sleep 0.2
    done
    if ! kill -0 "$server_pid" 2>/dev/null || grep -q "Program crashed\|Fatal error" "$work/server.log"; then
        echo "== the server crashed during the run of role $role (the requests before it are listed above):"
        crash_excerpt "$work/server.log"
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        cp "$work/server.log" "$work/server-crash-$role.log"
        if [ "$status" = 0 ]; then
            passed=$((passed - 1))
            failed=$((failed + 1))
            failed_roles+=("$role(server crash)")
        fi
    fi
done

if [ "$failed" != 0 ]; then
    echo "== runs that failed: ${failed_roles[*]:-}"
fi
summary="schemathesis: $passed passed, $failed failed"
echo "$summary"
[ "$failed" = 0 ]
