"""Serving and loading for the benchmark: gunicorn beside the floor, wrk (or a Python client) over
one URL or over a list of URLs visited uniformly at random, latency percentiles, worker memory."""

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from app.wiki.search.watcher import heartbeat_path

ROOT = Path(__file__).resolve().parents[1]
PYTHON_BIN = Path(sys.executable).parent
FLOOR_CONFIG = Path(__file__).resolve().parent / "gunicorn_floor.py"

# wrk picks a random path from the list for every request; done() prints the figures as JSON.
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local cookie = os.getenv("BENCH_COOKIE") or ""
local language = os.getenv("BENCH_LANGUAGE") or ""
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
request = function()
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if language ~= "" then headers["Accept-Language"] = language end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout
  io.write(string.format('BENCH {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, bad))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on 127.0.0.1. The wiki runs with the project's gunicorn.conf.py
    (production settings); the floor with an empty one, so its master does not load the wiki."""

    def __init__(self, target: str, env: dict, workers: int = 2, floor: bool = False):
        self.port = free_port()
        self.env = env
        command = [str(PYTHON_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
                   "--max-requests", "0"]
        if floor:
            command += ["--config", str(FLOOR_CONFIG)]
        # gunicorn's log goes to a file, not a pipe nobody reads: a pipe fills (64 KB of worker-timeout
        # tracebacks) and the master blocks on its next log line, no longer replacing workers.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command + [target], cwd=ROOT, env={**os.environ, **env},
                                        stdout=subprocess.DEVNULL, stderr=self.log, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log_text()[-2000:]}")

    def log_text(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def worker_timeouts(self) -> int:
        """How many times gunicorn killed a worker stuck past its timeout (30 s) during the run."""
        return self.log_text().count("WORKER TIMEOUT")

    def children(self) -> list[str]:
        return Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()

    def watcher(self) -> str | None:
        """The search watcher's pid (app/wiki/search/watcher.py: the master's child that is not a worker)."""
        instance = self.env.get("WIKI_INSTANCE_PATH")
        try:
            pid = heartbeat_path(Path(instance) / "search-index").read_text().strip() if instance else None
        except OSError:
            return None
        return pid if pid in self.children() else None

    def workers(self) -> list[str]:
        watcher = self.watcher()
        return [pid for pid in self.children() if pid != watcher]

    def worker_memory_mb(self) -> dict:
        """Each worker's RSS and its private part (USS: what the worker alone costs; RSS counts the
        pages it shares with the master after the fork too); the search watcher's apart."""
        rss, private = [], []
        for pid in self.workers():
            rss_mb, private_mb = process_memory_mb(pid)
            rss.append(rss_mb)
            private.append(private_mb)
        watcher = self.watcher()
        return {"rss": rss, "private": private,
                "watcher": dict(zip(("rss", "private"), process_memory_mb(watcher))) if watcher else None}

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def process_memory_mb(pid: str) -> tuple[float, float]:
    """(RSS, private) of one process, in MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    kb = {name: int(value) for name, value in re.findall(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
    return round(kb["Rss"] / 1024, 1), round((kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)) / 1024, 1)


def drain(port: int, quick_ms: float = 25, timeout: float = 60) -> float:
    """Wait until the workers are idle; seconds waited. When a load ends, wrk closes its connections
    but the kernel has already queued their requests and gunicorn's sync workers still serve every one
    (16 phrases: about 0.3 s): without this the next URL's first requests wait behind them and its
    p99 measures the previous URL. Idle: two serial requests in a row answer within `quick_ms`."""
    started = time.monotonic()
    quick = 0
    while quick < 2 and time.monotonic() - started < timeout:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        asked = time.perf_counter()
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        connection.close()
        quick = quick + 1 if (time.perf_counter() - asked) * 1000 < quick_ms else 0
    return time.monotonic() - started


def load(port: int, paths: list[str], duration: float, connections: int, cookie: str = "",
         language: str = "") -> dict:
    """Requests/s and latency percentiles over `paths`, each request to one of them at random, once
    the workers have served what an earlier load left queued (`drain`)."""
    drain(port)
    if shutil.which("wrk"):
        return load_with_wrk(port, paths, duration, connections, cookie, language)
    return load_with_python(port, paths, duration, connections, cookie, language)


def load_with_wrk(port, paths, duration, connections, cookie="", language="") -> dict:
    with tempfile.TemporaryDirectory(prefix="gare-wrk-") as folder:
        script, listing = Path(folder) / "random.lua", Path(folder) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        env = {**os.environ, "BENCH_PATHS": str(listing), "BENCH_COOKIE": cookie, "BENCH_LANGUAGE": language}
        output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(duration))}s", "-s", str(script),
                                 f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True,
                                env=env).stdout
    figures = json.loads(re.search(r"^BENCH (.*)$", output, re.M).group(1))
    return {"rps": figures["requests"] / figures["seconds"], "p50_ms": figures["p50"], "p95_ms": figures["p95"],
            "p99_ms": figures["p99"], "errors": figures["errors"], "client": "wrk"}


def load_with_python(port, paths, duration, connections, cookie="", language="") -> dict:
    """Keep-alive connections in threads, each requesting a random path in a loop until the time is up."""
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + duration
    lock = threading.Lock()
    headers = {name: value for name, value in (("Cookie", cookie), ("Accept-Language", language)) if value}

    def worker(seed):
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", rng.choice(paths), headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            failed += response.status >= 400
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {"rps": len(ordered) / elapsed, "p50_ms": percentile(ordered, 50), "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99), "errors": errors[0], "client": "python"}


def percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def visit_all(port: int, paths: list[str], threads: int = 4, cookie: str = "") -> float:
    """View every path once (what a crawler or a day of readers does), in parallel; seconds taken."""
    queue = list(paths)
    lock = threading.Lock()
    headers = {"Cookie": cookie} if cookie else {}

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.monotonic() - started


def serial_get_ms(port: int, path: str, cookie: str = "") -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{path} answered {response.status}")
    return elapsed


def machine_load() -> str:
    """The load average and how many processes run, so a reader knows how busy the machine was."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
