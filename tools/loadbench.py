#!/usr/bin/env python3
"""A load benchmark of `caseledger serve` (a measurement, not a test: it fails only if it cannot run).

It makes a ledger of a generated city (2 000 persons by default) in a temporary folder, an
investigator and an ingest token, serves the ledger on a free loopback port, and for a bounded time
(20 s by default) runs:

  - N concurrent readers (200 by default; threads, one keep-alive http.client connection each)
    doing GET /persons/{random person}/timeline with the investigator token;
  - one ingest client POSTing small batches of new settlement.recorded lines (unique claim ids and
    source keys, built from the city's own settlements of persons not merged away) back to back.

It prints requests, errors by status, latency percentiles (p50/p90/p99/max, ms) and throughput for
each kind, or all of it as one JSON object with --json. Randomness is seeded (--seed). Every loop is
bounded in time and count, traffic goes to 127.0.0.1 only, and it stops the server by itself.

Note that every timeline read appends an access.recorded event to the person's stream (the API
records reads), so readers write too, and a timeline grows by one event per read of that person.
The clients are Python threads on the same 2 cores as the server: at high concurrency client CPU
is part of the measured latency.

    python3 tools/loadbench.py --binary .build/release/caseledger
    python3 tools/loadbench.py --binary .build/release/caseledger --duration 10 --clients 50 --json
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

HOST = "127.0.0.1"  # the only address this benchmark ever sends to
ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(ROOT / ".build/release/caseledger"), help="the caseledger binary")
    parser.add_argument("--persons", type=int, default=2000, help="persons in the generated city (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the city and of the clients' choices (default 7)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load (default 20, at most 600)")
    parser.add_argument("--clients", type=int, default=200, help="concurrent timeline readers (default 200, at most 1000)")
    parser.add_argument("--batch", type=int, default=5, help="settlement lines per ingest POST (default 5)")
    parser.add_argument("--ingest-pause", type=float, default=0.0,
                        help="seconds the ingest client waits between POSTs (default 0: back to back)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one request may take (default 30)")
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="a cap on the requests of each client, beside the time bound (default 1 000 000)")
    parser.add_argument("--verify", action="store_true", help="run `caseledger verify` on the ledger afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (ledger, server log)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    args = parser.parse_args(argv)
    if not (0 < args.duration <= 600):
        parser.error("--duration is more than 0 and at most 600 seconds")
    if not (1 <= args.clients <= 1000):
        parser.error("--clients is 1 to 1000")
    if not (1 <= args.persons <= 1_000_000):
        parser.error("--persons is 1 to 1 000 000")
    if not (1 <= args.batch <= 1000):
        parser.error("--batch is 1 to 1000")
    if not os.access(args.binary, os.X_OK):
        parser.error(f"no executable caseledger at {args.binary}")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"loadbench: {' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def percentile(ordered: list[float], p: float) -> float | None:
    """The nearest-rank percentile of an ascending list, or None for an empty one."""
    if not ordered:
        return None
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def summary(latencies: list[float], statuses: Counter, elapsed: float, ok_statuses: set[int]) -> dict:
    ordered = sorted(latencies)
    requests = sum(statuses.values())
    errors = {str(status): count for status, count in sorted(statuses.items(), key=lambda item: str(item[0]))
              if status not in ok_statuses}
    return {
        "requests": requests,
        "ok": requests - sum(errors.values()),
        "errors": errors,
        "throughput_rps": round(requests / elapsed, 1) if elapsed > 0 else None,
        "latency_ms": {name: (round(percentile(ordered, p) * 1000, 2) if ordered else None)
                       for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))},
    }


class Server:
    """`caseledger serve` on a free loopback port, stopped by `stop()`."""

    def __init__(self, binary: str, ledger: Path, tokens: Path, log_path: Path):
        self.binary, self.ledger, self.tokens, self.log_path = binary, ledger, tokens, log_path
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        for attempt in range(3):  # the free port may be taken before the server binds it
            self.port = free_port()
            with open(self.log_path, "ab") as log_file:
                self.process = subprocess.Popen(
                    [self.binary, "--ledger", str(self.ledger), "serve", "--tokens", str(self.tokens),
                     "--host", HOST, "--port", str(self.port)],
                    stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    if get(self.port, "/health", timeout=2)[0] == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.1)
            self.stop()
            log(f"loadbench: the server did not come up on port {self.port} (try {attempt + 1})")
        raise SystemExit(f"loadbench: the server never answered /health; its log: {self.log_path}\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server so far (Linux /proc), or None."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return None

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Recorder:
    """One client's latencies (seconds, of answered requests) and outcomes (status or exception name)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.appended = 0


def client_loop(port: int, start: threading.Event, deadline_box: list[float], args: argparse.Namespace,
                recorder: Recorder, next_request, on_answer=None, pause: float = 0.0) -> None:
    """One keep-alive client: sends next_request() -> (method, path, body, headers) until the
    deadline or --max-requests, timing each answer; on_answer(status, body) sees every answer."""
    connection: http.client.HTTPConnection | None = None
    start.wait()
    deadline = deadline_box[0]
    for _ in range(args.max_requests):
        if time.monotonic() >= deadline:
            break
        method, path, body, headers = next_request()
        if connection is None:
            connection = http.client.HTTPConnection(HOST, port, timeout=args.timeout)
        began = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            recorder.latencies.append(time.perf_counter() - began)
            recorder.statuses[response.status] += 1
            if on_answer is not None:
                on_answer(response.status, answer)
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException, ValueError) as error:
            recorder.statuses[type(error).__name__] += 1
            if connection is not None:
                connection.close()
            connection = None
            time.sleep(0.01)  # a refused connection must not turn into a busy loop
        if pause > 0:
            time.sleep(pause)
    if connection is not None:
        connection.close()


def reader(index: int, port: int, token: str, persons: list[str], seed: int, start: threading.Event,
           deadline_box: list[float], args: argparse.Namespace, recorder: Recorder) -> None:
    rng = random.Random(f"{seed}/reader/{index}")
    headers = {"Authorization": f"Bearer {token}"}
    client_loop(port, start, deadline_box, args, recorder,
                lambda: ("GET", f"/persons/{rng.choice(persons)}/timeline", None, headers))


def settlement_lines(templates: list[dict], seed: int, batch: int, rng: random.Random, counter: list[int]) -> str:
    lines = []
    for _ in range(batch):
        counter[0] += 1
        event = dict(rng.choice(templates))
        key = f"LB{seed}-{counter[0]:08d}"
        event["claim"] = key
        event["source"] = {"system": "loadbench", "key": key}
        event.pop("receivedAt", None)
        lines.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def ingester(port: int, token: str, templates: list[dict], seed: int, start: threading.Event,
             deadline_box: list[float], args: argparse.Namespace, recorder: Recorder) -> None:
    rng = random.Random(f"{seed}/ingest")
    counter = [0]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}

    def answered(status: int, answer: bytes) -> None:
        if status in (200, 201):
            recorder.appended += json.loads(answer).get("appended", 0)
        elif recorder.statuses[status] == 1:
            log(f"loadbench: ingest answered {status}: {answer[:300].decode(errors='replace')}")

    client_loop(port, start, deadline_box, args, recorder,
                lambda: ("POST", "/events", settlement_lines(templates, seed, args.batch, rng, counter).encode(), headers),
                answered, args.ingest_pause)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    # A TERM stops the benchmark like Ctrl-C: through `finally`, which stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="caseledger-loadbench."))
    server: Server | None = None
    try:
        # --- The ledger, tokens and server.
        setup_began = time.monotonic()
        city = work / "city.jsonl"
        with open(city, "wb") as out:
            generated = subprocess.run([args.binary, "generate", "--persons", str(args.persons), "--seed", str(args.seed)],
                                       stdout=out, stderr=subprocess.PIPE)
        if generated.returncode != 0:
            raise SystemExit(f"loadbench: generate failed: {generated.stderr.decode(errors='replace')[-2000:]}")
        ledger = work / "ledger"
        run([args.binary, "--ledger", str(ledger), "import", str(city)])
        tokens = work / "tokens"
        investigator = run([args.binary, "token", "add", "--tokens", str(tokens), "--role", "investigator",
                            "--name", "loadbench.reader"]).stdout.strip().splitlines()[-1]
        ingest = run([args.binary, "token", "add", "--tokens", str(tokens), "--role", "ingest",
                      "--name", "loadbench.ingest"]).stdout.strip().splitlines()[-1]

        events = [json.loads(line) for line in city.read_text(encoding="utf-8").splitlines() if line.strip()]
        # Readers and new settlements use persons not merged away: the server answers a merged
        # person's reads with 404 (its stream takes no access record) and refuses its new events.
        merged = {e["person"] for e in events if e["type"] == "person.merged"}
        persons = sorted({e["person"] for e in events if e["type"] == "person.registered"} - merged)
        templates = [e for e in events if e["type"] == "settlement.recorded" and e["person"] not in merged]
        if not persons or not templates:
            raise SystemExit("loadbench: the generated city has no persons or no settlements to copy")

        server = Server(args.binary, ledger, tokens, work / "server.log")
        server.start()
        head_before = json.loads(get(server.port, "/health")[1])["head"]["sequence"]
        setup_seconds = time.monotonic() - setup_began
        log(f"loadbench: {len(persons)} persons, {len(events)} lines imported in {setup_seconds:.1f} s; "
            f"serving on http://{HOST}:{server.port}; {args.clients} readers and 1 ingest client for {args.duration:g} s")

        # --- The load.
        start = threading.Event()
        deadline_box = [0.0]
        readers = [Recorder() for _ in range(args.clients)]
        ingest_recorder = Recorder()
        threads = [threading.Thread(target=reader, daemon=True, name=f"reader-{i}",
                                    args=(i, server.port, investigator, persons, args.seed, start, deadline_box, args, readers[i]))
                   for i in range(args.clients)]
        threads.append(threading.Thread(target=ingester, daemon=True, name="ingest",
                                        args=(server.port, ingest, templates, args.seed, start, deadline_box, args, ingest_recorder)))
        for thread in threads:
            thread.start()
        cpu_before = server.cpu_seconds()
        began = time.monotonic()
        deadline_box[0] = began + args.duration
        start.set()
        for thread in threads:  # each stops at the deadline, after at most one request's timeout
            thread.join(timeout=max(0.0, deadline_box[0] + args.timeout + 5 - time.monotonic()))
        elapsed = time.monotonic() - began
        stuck = sum(thread.is_alive() for thread in threads)
        cpu_after = server.cpu_seconds()
        server_alive = server.alive()
        head_after = None
        if server_alive:
            try:
                head_after = json.loads(get(server.port, "/health")[1])["head"]["sequence"]
            except (OSError, ValueError, KeyError, http.client.HTTPException):
                pass

        # --- The results.
        timeline_latencies = [latency for recorder in readers for latency in recorder.latencies]
        timeline_statuses: Counter = Counter()
        for recorder in readers:
            timeline_statuses.update(recorder.statuses)
        result = {
            "config": {"binary": args.binary, "persons": args.persons, "persons_read": len(persons),
                       "clients": args.clients, "duration_s": args.duration,
                       "batch": args.batch, "seed": args.seed, "cores": os.cpu_count()},
            "elapsed_s": round(elapsed, 2),
            "setup_s": round(setup_seconds, 2),
            "timeline": summary(timeline_latencies, timeline_statuses, elapsed, {200}),
            "ingest": summary(ingest_recorder.latencies, ingest_recorder.statuses, elapsed, {200, 201}),
            "server": {
                "alive_at_end": server_alive,
                "cpu_s": round(cpu_after - cpu_before, 2) if cpu_before is not None and cpu_after is not None else None,
                "head_before": head_before,
                "head_after": head_after,
            },
        }
        result["ingest"]["lines_appended"] = ingest_recorder.appended
        result["ingest"]["lines_per_s"] = round(ingest_recorder.appended / elapsed, 1) if elapsed > 0 else None
        if stuck:
            result["clients_still_running_at_end"] = stuck
        exit_code = 0
        if not server_alive:
            log(f"loadbench: the server exited during the run ({server.process.returncode}); its log's tail:\n{server.log_tail()}")
            exit_code = 1
        returncode = server.stop()
        result["server"]["exit_code"] = returncode
        if args.verify:
            verified = subprocess.run([args.binary, "--ledger", str(ledger), "verify"], capture_output=True, text=True)
            result["verify"] = {"exit_code": verified.returncode, "output": (verified.stdout + verified.stderr).strip()[-500:]}
            if verified.returncode != 0:
                exit_code = 1

        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print_text(result)
        return exit_code
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            log(f"loadbench: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def print_text(result: dict) -> None:
    config = result["config"]
    print(f"loadbench: {config['persons']} persons ({config['persons_read']} not merged away, read), "
          f"{config['clients']} timeline clients + 1 ingest client "
          f"(batches of {config['batch']}), {result['elapsed_s']} s, seed {config['seed']}, {config['cores']} cores")
    for name in ("timeline", "ingest"):
        part = result[name]
        latency = part["latency_ms"]
        errors = ", ".join(f"{status}: {count}" for status, count in part["errors"].items()) or "none"
        line = (f"{name:9} {part['requests']:>8} requests  {part['throughput_rps']:>8} req/s  "
                f"latency ms p50 {latency['p50']}  p90 {latency['p90']}  p99 {latency['p99']}  max {latency['max']}  "
                f"errors: {errors}")
        if name == "ingest":
            line += f"  ({part['lines_appended']} lines appended, {part['lines_per_s']} lines/s)"
        print(line)
    server = result["server"]
    print(f"server    cpu {server['cpu_s']} s over the run; head {server['head_before']} -> {server['head_after']}; "
          f"alive at end: {server['alive_at_end']}; exit code {server.get('exit_code')}")
    if "verify" in result:
        print(f"verify    exit {result['verify']['exit_code']}: {result['verify']['output'].splitlines()[-1] if result['verify']['output'] else ''}")
    if result.get("clients_still_running_at_end"):
        print(f"warning   {result['clients_still_running_at_end']} clients were still waiting on a request at the end")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
