"""Load test of examples/service.py: throughput and latency under concurrent clients.

Starts the service with uvicorn in a subprocess on a free port (``python
examples/service.py --port N``), waits until ``/health`` answers, drives it with
``--concurrency`` client threads (one ``httpx.Client`` each, keep-alive), then
stops the server. Three workloads, one after the other:

- ``POST /sentiment``: one review per request (examples/data/reviews.csv, cycled);
- ``POST /dialogues/{id}/turns``: the dialogues of examples/data/dialogues.jsonl
  replayed under fresh ids, each client sending its dialogues' turns in order
  (customer turns also run the sentiment and emotion models for the risk trend);
- ``POST /analyze``: batches of ``--batch`` reviews, full pipeline (sentiment,
  emotion, opinions).

Latency is measured by the client per request (send to full response), so it
includes HTTP and JSON; requests/s is completed requests over the workload's
wall time. Client and server share the machine's cores: on a small machine the
client's own CPU use lowers the numbers.

Run: python benchmarks/service_load.py [--requests 1000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "examples" / "data"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, str(REPO / "examples" / "service.py"), "--port", str(port), "--log-level", "warning"],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait_ready(proc: subprocess.Popen[bytes], base: str, timeout: float = 180.0) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"the service exited with code {proc.returncode}:\n{err[-3000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the service did not answer /health within {timeout:.0f}s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _run(jobs: list[list[Callable[[httpx.Client], httpx.Response]]], base: str) -> dict[str, float]:
    """Each inner list is one client's sequence of requests; all clients run at once."""
    lat: list[list[float]] = [[] for _ in jobs]
    errors = [0] * len(jobs)
    start = threading.Barrier(len(jobs) + 1)

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            start.wait()
            for call in jobs[i]:
                t = time.perf_counter()
                r = call(c)
                lat[i].append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ms = np.array([x for xs in lat for x in xs]) * 1000
    return {"requests": len(ms), "errors": sum(errors), "rps": len(ms) / wall,
            "p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
            "p99": float(np.percentile(ms, 99)), "wall": wall}


def _sentiment_jobs(texts: list[str], n: int, conc: int) -> list[list[Callable[[httpx.Client], httpx.Response]]]:
    jobs: list[list[Callable[[httpx.Client], httpx.Response]]] = [[] for _ in range(conc)]
    for k in range(n):
        text = texts[k % len(texts)]
        jobs[k % conc].append(lambda c, t=text: c.post("/sentiment", json={"text": t}))
    return jobs


def _turn_jobs(dialogues: list[dict], n: int, conc: int) -> list[list[Callable[[httpx.Client], httpx.Response]]]:
    jobs: list[list[Callable[[httpx.Client], httpx.Response]]] = [[] for _ in range(conc)]
    k = rep = 0
    while k < n:
        for d in dialogues:
            did = f"load-{rep}-{d['id']}"
            client = jobs[rep % conc]  # one client sends a whole dialogue, in order
            for turn in d["turns"]:
                client.append(lambda c, did=did, t=turn: c.post(f"/dialogues/{did}/turns", json=t))
                k += 1
            rep += 1
            if k >= n:
                break
    return jobs


def _analyze_jobs(texts: list[str], n: int, conc: int, batch: int) -> list[list[Callable[[httpx.Client], httpx.Response]]]:
    jobs: list[list[Callable[[httpx.Client], httpx.Response]]] = [[] for _ in range(conc)]
    for k in range(n):
        chunk = [texts[(k * batch + j) % len(texts)] for j in range(batch)]
        jobs[k % conc].append(lambda c, ts=chunk: c.post("/analyze", json={"texts": ts}))
    return jobs


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1000, help="requests per workload (default 1000)")
    ap.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    ap.add_argument("--batch", type=int, default=32, help="texts per /analyze request (default 32)")
    args = ap.parse_args(argv)

    with (DATA / "reviews.csv").open(encoding="utf-8") as fh:
        texts = [row["review"] for row in csv.DictReader(fh)]
    with (DATA / "dialogues.jsonl").open(encoding="utf-8") as fh:
        dialogues = [json.loads(line) for line in fh if line.strip()]

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _start(port)
    try:
        ready = _wait_ready(proc, base)
        # warm-up: first requests pay for lazy imports in the request path
        _run(_sentiment_jobs(texts, 20, 2), base)
        rows = [
            ("POST /sentiment", _run(_sentiment_jobs(texts, args.requests, args.concurrency), base)),
            ("POST /dialogues/{id}/turns", _run(_turn_jobs(dialogues, args.requests, args.concurrency), base)),
            (f"POST /analyze ({args.batch} texts)",
             _run(_analyze_jobs(texts, max(1, args.requests // args.batch), args.concurrency, args.batch), base)),
        ]
        health = httpx.get(f"{base}/health").json()
    finally:
        _stop(proc)

    print(f"voc service load test: {args.concurrency} concurrent clients, server started in {ready:.1f}s, "
          f"{os.cpu_count()} CPU cores shared by client and server, Python {sys.version.split()[0]}")
    print(f"{'endpoint':<30} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, r in rows:
        print(f"{name:<30} {r['requests']:>8} {r['errors']:>6} {r['rps']:>8.0f} {r['p50']:>8.1f} "
              f"{r['p95']:>8.1f} {r['p99']:>8.1f}")
    print(f"open dialogues held by the monitor at the end: {health['open_dialogues']}")


if __name__ == "__main__":
    main()
