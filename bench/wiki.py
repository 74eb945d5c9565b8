"""End-to-end benchmark: seed a wiki, serve it with gunicorn beside a bare Flask floor, load both.

    python -m bench.wiki --pages 1000 [--json] [--duration 5] [--connections 16]

Every throughput is reported as a ratio to the floor measured in the same run, because this
machine is noisy: absolute figures vary, ratios and medians hold."""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PYTHON_BIN = Path(sys.executable).parent


# --- Seeding ------------------------------------------------------------------------------------

def seed_wiki(instance: Path, pages: int, seed_value: int = 7) -> dict:
    """Create a migrated wiki of `pages` pages (~600 words, links, headings, lists, tags, some revisions)."""
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Counter, Page, Revision, Tag, page_tags
    from app.wiki import search
    from app.wiki.accounts import create_user
    from app.wiki.slugs import slugify
    from bench.search import TextGenerator

    app = create_app({"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'wiki.db'}"})
    generator = TextGenerator(seed_value)
    rng = random.Random(seed_value)
    with app.app_context():
        upgrade()
        titles = unique_titles(generator, pages, slugify)
        tag_names = sorted({t for _ in range(60) for t in generator.tags()})
        tag_ids = {name: i + 1 for i, name in enumerate(tag_names)}
        db.session.execute(sa.insert(Tag), [{"id": i, "name": n, "slug": slugify(n)} for n, i in tag_ids.items()])
        start = datetime(2025, 1, 1)
        page_rows, revision_rows, tag_rows, revision_id = [], [], [], 0
        for page_id, title in enumerate(titles, start=1):
            tags = generator.tags()
            when = start + timedelta(minutes=13 * page_id)
            page_rows.append(dict(id=page_id, slug=slugify(title), title=title, licence_code="CC-BY-SA-4.0",
                                  visibility="public", protected=False, deleted=False, change_seq=page_id,
                                  created_at=when, updated_at=when, imported_authors=""))
            versions = 3 if page_id % 10 == 0 else 1  # some pages have a history
            body = rich_body(generator, rng, titles)
            for number in range(1, versions + 1):
                revision_id += 1
                if number > 1:
                    body = body.replace(". ", f". {generator.sentence()} ", 1)
                revision_rows.append(dict(id=revision_id, page_id=page_id, number=number, title=title, body=body,
                                          summary="bench", author_label="bench", created_at=when, status="approved",
                                          review_comment="", tags=", ".join(tags), licence_code="CC-BY-SA-4.0",
                                          parent_id=revision_id - 1 if number > 1 else None))
            page_rows[-1]["head_id"] = page_rows[-1]["published_id"] = revision_id
            tag_rows += [{"page_id": page_id, "tag_id": tag_ids[t]} for t in tags if t in tag_ids]
        heads = {row["id"]: row.pop("head_id") for row in page_rows}
        for row in page_rows:
            row.pop("published_id")
        for chunk in range(0, len(page_rows), 500):
            db.session.execute(sa.insert(Page), page_rows[chunk:chunk + 500])
        for chunk in range(0, len(revision_rows), 500):
            db.session.execute(sa.insert(Revision), revision_rows[chunk:chunk + 500])
        db.session.execute(sa.insert(page_tags), tag_rows)
        db.session.execute(sa.update(Page), [{"id": pid, "head_id": rid, "published_id": rid}
                                             for pid, rid in heads.items()])
        db.session.execute(sa.update(Counter).where(Counter.name == "change_seq").values(value=len(page_rows)))
        db.session.commit()
        create_user(name=BENCH_USER, password=BENCH_PASSWORD, role="facilitator")
        started = time.perf_counter()
        search.rebuild()
        indexed = time.perf_counter() - started
        common = generator.pick(generator.nouns)
    return {"titles": titles, "slugs": [slugify(t) for t in titles], "common_word": common,
            "rare_word": rare_word(generator), "phrase": phrase(generator, rng), "index_seconds": indexed}


def unique_titles(generator, count: int, slugify) -> list[str]:
    titles, seen = [], set()
    while len(titles) < count:
        title = generator.title()
        if slugify(title) not in seen:
            seen.add(slugify(title))
            titles.append(title)
    return titles


def rich_body(generator, rng, titles: list[str]) -> str:
    """About 600 words with wiki links, a list and headings, like a real resource page."""
    body = generator.body(560)
    links = " ".join(f"[[{rng.choice(titles)}]]" for _ in range(4))
    items = "\n".join(f"- {generator.sentence()}" for _ in range(5))
    return f"{body}\n\n## Pour aller plus loin\n\nVoir aussi {links}.\n\n{items}"


def rare_word(generator) -> str:
    words, _weights = generator.nouns
    return words[-1]


def phrase(generator, rng) -> str:
    return generator.noun_phrase().split(" ", 1)[1]


# --- Serving ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on 127.0.0.1, the same settings for the wiki and the floor."""

    def __init__(self, target: str, env: dict, workers: int = 2):
        self.port = free_port()
        command = [str(PYTHON_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", target]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.process.stderr.read().decode()[-2000:]}")

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


# --- Loading ------------------------------------------------------------------------------------

def load(port: int, path: str, duration: float, connections: int) -> dict:
    """Requests/s and latency percentiles for one URL: wrk when installed, else a Python client."""
    if shutil.which("wrk"):
        return load_with_wrk(port, path, duration, connections)
    return load_with_python(port, path, duration, connections)


def load_with_wrk(port: int, path: str, duration: float, connections: int) -> dict:
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration:g}s", "--latency",
                             f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: to_ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", output).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rate, "p50_ms": latency["50"], "p99_ms": latency["99"], "errors": int(errors.group(1)) if errors else 0,
            "client": "wrk"}


def to_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def load_with_python(port: int, path: str, duration: float, connections: int) -> dict:
    """Keep-alive connections in threads, each requesting in a loop until the time is up."""
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + duration
    lock = threading.Lock()

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, failed = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            failed += response.status >= 400
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {"rps": len(ordered) / elapsed, "p50_ms": ordered[len(ordered) // 2],
            "p99_ms": ordered[int(len(ordered) * 0.99)], "errors": errors[0], "client": "python"}


BENCH_USER, BENCH_PASSWORD = "Bench", "bench-password"


def sign_in(port: int) -> str:
    """Sign in as the bench's facilitator; return the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    html = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = urlencode({"csrf_token": token, "name": BENCH_USER, "password": BENCH_PASSWORD, "next": "/"})
    connection.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                              "Cookie": cookie})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 303:
        raise RuntimeError(f"sign-in answered {answer.status}")
    return answer.getheader("Set-Cookie", "").split(";", 1)[0]


def save_latencies(port: int, slugs: list[str], edits: int, rng) -> dict:
    """Median time of a real save through HTTP (form, CSRF, revision, cache invalidation, index update)."""
    times = []
    cookie = sign_in(port)
    for n in range(edits):
        slug = rng.choice(slugs)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", f"/wiki/{slug}/edit", headers={"Cookie": cookie})
        response = connection.getresponse()
        html = response.read().decode()
        if response.getheader("Set-Cookie"):  # the session now holds a CSRF token: keep the new cookie
            cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)
        title = re.search(r'name="title" required type="text" value="([^"]*)"', html) or \
            re.search(r'id="title" [^>]*value="([^"]*)"', html)
        body = re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', html, re.S).group(1)
        form = urlencode({"csrf_token": token, "base_revision": base, "title": unescape(title.group(1)),
                          "body": unescape(body) + f"\n\nModification {n}.", "summary": "bench",
                          "licence": "CC-BY-SA-4.0", "tags": ""})
        started = time.perf_counter()
        connection.request("POST", f"/wiki/{slug}/edit", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        answer = connection.getresponse()
        answer.read()
        times.append((time.perf_counter() - started) * 1000)
        if answer.status != 303:
            raise RuntimeError(f"save answered {answer.status}")
        connection.close()
    return {"median_ms": statistics.median(times), "p95_ms": sorted(times)[int(len(times) * 0.95) - 1]}


def unescape(text: str) -> str:
    import html

    return html.unescape(text)


# --- Running ------------------------------------------------------------------------------------

def run(pages: int, duration: float, connections: int, edits: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="gare-bench-"))
    instance = folder / "instance"
    instance.mkdir()
    started = time.perf_counter()
    data = seed_wiki(instance, pages)
    seeded = time.perf_counter() - started
    env = {"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "DATABASE_URL": f"sqlite:///{instance / 'wiki.db'}"}
    rng = random.Random(3)
    slug = data["slugs"][len(data["slugs"]) // 2]
    history_slug = data["slugs"][9]  # a page with three revisions
    endpoints = {
        "page view": f"/wiki/{slug}",
        "portal": "/",
        "history": f"/wiki/{history_slug}/history",
        "diff": f"/wiki/{history_slug}/diff?from=1&to=3",
        "search (common word)": "/search?" + urlencode({"q": data["common_word"]}),
        "search (rare word)": "/search?" + urlencode({"q": data["rare_word"]}),
        "search (phrase)": "/search?" + urlencode({"q": f'"{data["phrase"]}"'}),
        "suggest": "/search/suggest?" + urlencode({"q": data["common_word"][:3]}),
    }
    results = {"pages": pages, "seed_seconds": round(seeded, 1), "index_seconds": round(data["index_seconds"], 1),
               "connections": connections, "duration_s": duration, "endpoints": {}}
    floor = Server("bench.floor:app", {})
    wiki = Server("wsgi:app", env)
    try:
        for path in endpoints.values():  # warm caches: rendered HTML, search index, imports
            load_with_python(wiki.port, path, 0.3, 2)
        results["floor"] = load(floor.port, "/", duration, connections)
        for name, path in endpoints.items():
            results["endpoints"][name] = load(wiki.port, path, duration, connections)
        results["floor_after"] = load(floor.port, "/", duration, connections)
        results["save"] = save_latencies(wiki.port, data["slugs"], edits, rng)
        results["worker_rss_mb"] = [round(x, 1) for x in wiki.worker_rss_mb()]
        results["floor_worker_rss_mb"] = [round(x, 1) for x in floor.worker_rss_mb()]
    finally:
        wiki.stop()
        floor.stop()
        shutil.rmtree(folder, ignore_errors=True)
    floor_rps = (results["floor"]["rps"] + results["floor_after"]["rps"]) / 2
    results["floor_rps"] = floor_rps
    for figures in results["endpoints"].values():
        figures["ratio_to_floor"] = figures["rps"] / floor_rps
    return results


def print_table(results: dict) -> None:
    print(f"\nGare centrale at {results['pages']} pages — gunicorn 2 sync workers, {results['connections']} connections,"
          f" {results['duration_s']} s per URL, client {results['floor']['client']}")
    print(f"seeded in {results['seed_seconds']} s, search index built in {results['index_seconds']} s\n")
    print(f"{'endpoint':24} {'req/s':>8} {'× floor':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    rows = [("floor (bare Flask 20 KB)", {**results["floor"], "ratio_to_floor": results["floor"]["rps"] / results["floor_rps"]})]
    rows += list(results["endpoints"].items())
    for name, f in rows:
        print(f"{name:24} {f['rps']:8.0f} {f['ratio_to_floor']:8.2f} {f['p50_ms']:8.1f} {f['p99_ms']:8.1f} {f['errors']:7}")
    print(f"\nfloor again at the end: {results['floor_after']['rps']:.0f} req/s")
    print(f"save (edit + revision + invalidation + index), sequential: median "
          f"{results['save']['median_ms']:.1f} ms, p95 {results['save']['p95_ms']:.1f} ms")
    print(f"worker RSS after the run: {results['worker_rss_mb']} MB (floor: {results['floor_worker_rss_mb']} MB)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.pages, args.duration, args.connections, args.edits)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
