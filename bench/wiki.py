"""End-to-end benchmark: seed a wiki, serve it with gunicorn beside a bare Flask floor, load both.

    python -m bench.wiki                          # 1,000 and 10,000 pages on SQLite, one table each
    python -m bench.wiki --pages 1000 --json
    python -m bench.wiki --pages 100000 --revisions 1000000 --database-url postgresql+psycopg://...

Every throughput is reported as a ratio to the floor measured in the same run (before and after the
wiki), because this machine is noisy: absolute figures vary, ratios and medians hold. Page views
visit every page of the wiki uniformly at random, after each page was viewed once by a visitor and
once by the signed-in member (a facilitator) whose views are measured too."""

import argparse
import html
import http.client
import json
import random
import re
import shutil
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.seeding import BENCH_PASSWORD, BENCH_USER, seed_wiki
from bench.serving import PYTHON_BIN, ROOT, Server, load, machine_load, serial_get_ms, visit_all

DEFAULT_SIZES = (1000, 10000)


def sign_in(port: int) -> str:
    """Sign in as the bench's facilitator; return the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urlencode({"csrf_token": token, "name": BENCH_USER, "password": BENCH_PASSWORD, "next": "/"})
    connection.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                              "Cookie": cookie})
    answer = connection.getresponse()
    answer.read()
    if answer.status != 303:
        raise RuntimeError(f"sign-in answered {answer.status}")
    cookie = answer.getheader("Set-Cookie", "").split(";", 1)[0]
    # The first page view puts a CSRF token in the session and sends the cookie again: keep it, as a
    # browser does (with the first cookie, every request would make a new token and a new cookie).
    connection.request("GET", "/", headers={"Cookie": cookie})
    first = connection.getresponse()
    first.read()
    connection.close()
    return (first.getheader("Set-Cookie") or cookie).split(";", 1)[0]


def save_once(port: int, cookie: str, slug: str, n: int) -> tuple[str, float, float]:
    """Open the editor, then save through the form; (cookie, editor ms, save ms)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", f"/wiki/{slug}/edit", headers={"Cookie": cookie})
    response = connection.getresponse()
    page = response.read().decode()
    opened = (time.perf_counter() - started) * 1000
    if response.getheader("Set-Cookie"):  # the session now holds a CSRF token: keep the new cookie
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    base = re.search(r'name="base_revision" type="hidden" value="(\d+)"', page).group(1)
    title = re.search(r'name="title" required type="text" value="([^"]*)"', page) or \
        re.search(r'id="title" [^>]*value="([^"]*)"', page)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    form = urlencode({"csrf_token": token, "base_revision": base, "title": html.unescape(title.group(1)),
                      "body": html.unescape(body) + f"\n\nModification {n}.", "summary": "bench",
                      "licence": "CC-BY-SA-4.0", "tags": ""})
    started = time.perf_counter()
    connection.request("POST", f"/wiki/{slug}/edit", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    answer = connection.getresponse()
    answer.read()
    saved = (time.perf_counter() - started) * 1000
    connection.close()
    if answer.status != 303:
        raise RuntimeError(f"save answered {answer.status}")
    return cookie, opened, saved


class OptimizeTimer:
    """`flask search optimize` every `period` seconds in its own process, as the cron or systemd timer
    of docs/architecture.md ("Search") does: catch-ups after a save merge nothing, this does."""

    def __init__(self, env: dict, period: float = 10.0):
        self.env, self.period, self.runs = {**os.environ, **env}, period, 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        self.thread.join()

    def loop(self) -> None:
        while not self.stopped.wait(self.period):
            subprocess.run([str(PYTHON_BIN / "flask"), "--app", "wsgi", "search", "optimize"], cwd=ROOT,
                           env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            self.runs += 1


def saves(port: int, slugs: list[str], edits: int, rng, env: dict) -> dict:
    """Real saves through HTTP (form, CSRF, revision, links, cache, index), one after another, and the
    first anonymous view of each saved page right after its save, with the optimize timer running."""
    cookie = sign_in(port)
    opened, saved, first_views = [], [], []
    with OptimizeTimer(env):
        for n in range(edits):
            slug = rng.choice(slugs)
            cookie, open_ms, save_ms = save_once(port, cookie, slug, n)
            opened.append(open_ms)
            saved.append(save_ms)
            first_views.append(serial_get_ms(port, f"/wiki/{slug}"))
    return {"save": summary(saved), "editor": summary(opened), "first_view_after_edit": summary(first_views)}


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_ms": statistics.median(ordered), "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)],
            "max_ms": ordered[-1]}


def serial_view_ms(port: int, paths: list[str], count: int, rng, cookie: str = "") -> dict:
    """One request at a time: what a single reader waits."""
    return summary([serial_get_ms(port, rng.choice(paths), cookie) for _ in range(count)])


def run(pages: int, duration: float, connections: int, edits: int, revisions: int | None = None,
        database_url: str | None = None, skip_search: bool = False, sample: int | None = None,
        keep: Path | None = None) -> dict:
    """`keep`: seed into this folder's `instance` and leave it there (its search index, and its database
    when SQLite), so bench.search can time the same wiki in process afterwards."""
    folder = keep / f"{pages}" if keep else Path(tempfile.mkdtemp(prefix="gare-bench-"))
    instance = folder / "instance"
    instance.mkdir(parents=True)
    started = time.perf_counter()
    data = seed_wiki(instance, pages, revisions=revisions, database_url=database_url, index=not skip_search)
    seeded = time.perf_counter() - started
    env = {"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "DATABASE_URL": database_url or f"sqlite:///{instance / 'wiki.db'}", "WEB_CONCURRENCY": "2"}
    rng = random.Random(3)
    views = [f"/wiki/{slug}" for slug in data["slugs"]]
    if sample and sample < len(views):  # a large wiki: visit a random sample (its lookups still span every page)
        views = random.Random(5).sample(views, sample)
    history_slug = data["history_slug"]
    endpoints = {
        "page view (random)": views,
        "page view (one page)": [views[len(views) // 2]],
        "page view, English (first)": views,
        "portal": ["/"],
        "agenda": ["/agenda"],
        "history": [f"/wiki/{history_slug}/history"],
        "diff": [f"/wiki/{history_slug}/diff?from=1&to=3"],
        "search (common word)": ["/search?" + urlencode({"q": data["common_word"]})],
        "search (rare word)": ["/search?" + urlencode({"q": data["rare_word"]})],
        "search (phrase)": ["/search?" + urlencode({"q": f'"{data["phrase"]}"'})],
        "suggest": ["/search/suggest?" + urlencode({"q": data["common_word"][:3]})],
    }
    if skip_search:
        endpoints = {name: paths for name, paths in endpoints.items() if "search" not in name and "suggest" not in name}
    results = {"sample": len(views), "pages": pages, "revisions": data["revisions"], "database": data["database"],
               "seed_seconds": round(seeded, 1), "index_seconds": round(data["index_seconds"], 1),
               "connections": connections, "duration_s": duration, "endpoints": {}, "load_before": machine_load()}
    floor = Server("bench.floor:app", {}, floor=True)
    try:
        wiki = Server("wsgi:app", env)
    except BaseException:
        floor.stop()
        raise
    try:
        results["warm_seconds"] = round(visit_all(wiki.port, views + ["/", "/agenda"]), 1)
        for paths in endpoints.values():
            load(wiki.port, paths[:50], 1, 2)  # imports, search index, rendered HTML
        cookie = sign_in(wiki.port)  # members' views are shared by role: a member views every page once too
        results["member_warm_seconds"] = round(visit_all(wiki.port, views + ["/", "/agenda"], cookie=cookie), 1)
        results["floor"] = load(floor.port, ["/"], duration, connections)
        for name, paths in endpoints.items():
            results["endpoints"][name] = load(wiki.port, paths, duration, connections,
                                              language="en-GB,en;q=0.8" if "English" in name else "")
            if name == "page view (random)":  # the member's beside the visitor's: same moment of the machine
                results["endpoints"]["page view (member, random)"] = load(wiki.port, views, duration, connections,
                                                                          cookie=cookie)
        results["floor_after"] = load(floor.port, ["/"], duration, connections)
        results["serial_view"] = serial_view_ms(wiki.port, views, 200, rng)
        results.update(saves(wiki.port, data["slugs"], edits, rng, env))
        results["worker_memory_mb"] = wiki.worker_memory_mb()
        results["worker_timeouts"] = wiki.worker_timeouts()
        results["floor_worker_memory_mb"] = floor.worker_memory_mb()
        results["load_after"] = machine_load()
    finally:
        wiki.stop()
        floor.stop()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    floor_rps = (results["floor"]["rps"] + results["floor_after"]["rps"]) / 2
    results["floor_rps"] = floor_rps
    for figures in results["endpoints"].values():
        figures["ratio_to_floor"] = figures["rps"] / floor_rps
    return results


def print_table(results: dict) -> None:
    print(f"\nGare centrale at {results['pages']} pages, {results['revisions']} revisions ({results['database']}) — "
          f"gunicorn 2 sync workers, {results['connections']} connections, {results['duration_s']} s per URL, "
          f"client {results['floor']['client']}")
    print(f"seeded in {results['seed_seconds']} s, search index built in {results['index_seconds']} s, "
          f"every page viewed once in {results['warm_seconds']} s (by a member: {results['member_warm_seconds']} s)"
          + (f" (random views over a sample of {results['sample']} pages)" if results["sample"] < results["pages"] else ""))
    print(f"machine: {results['load_before']} before, {results['load_after']} after\n")
    print(f"{'endpoint':28} {'req/s':>8} {'× floor':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    rows = [("floor (bare Flask 20 KB)", {**results["floor"], "ratio_to_floor": results["floor"]["rps"] / results["floor_rps"]})]
    rows += list(results["endpoints"].items())
    for name, f in rows:
        print(f"{name:28} {f['rps']:8.0f} {f['ratio_to_floor']:8.2f} {f['p50_ms']:8.1f} {f['p95_ms']:8.1f} "
              f"{f['p99_ms']:8.1f} {f['errors']:7}")
    print(f"floor again at the end: {results['floor_after']['rps']:.0f} req/s (ratios use the mean of both)\n")
    for name, label in (("serial_view", "anonymous view, serial (random page)"),
                        ("first_view_after_edit", "first anonymous view after an edit, serial"),
                        ("save", "save over HTTP (POST: revision, links, cache, index)"),
                        ("editor", "opening the editor before each save")):
        f = results[name]
        print(f"{label:54} median {f['median_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f} ms  max {f['max_ms']:6.1f} ms")
    memory, floor = results["worker_memory_mb"], results["floor_worker_memory_mb"]
    print(f"worker RSS after the run: {memory['rss']} MB, private {memory['private']} MB "
          f"(floor: RSS {floor['rss']} MB, private {floor['private']} MB)")
    if memory.get("watcher"):
        print(f"search watcher beside them (one a machine, indexes the saves): RSS {memory['watcher']['rss']} MB, "
              f"private {memory['watcher']['private']} MB")
    print(f"workers killed by gunicorn's timeout during the run: {results['worker_timeouts']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=lambda text: [int(n) for n in text.split(",")], default=list(DEFAULT_SIZES),
                        help="sizes to run, comma separated (default 1000,10000)")
    parser.add_argument("--revisions", type=int, default=None, help="total revisions to seed (default ~1.2 per page)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL to seed and serve (default SQLite)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--sample", type=int, default=None,
                        help="visit this many pages at random, not all (warming 100,000 renders takes long)")
    parser.add_argument("--skip-search", action="store_true",
                        help="do not build the search index (seeding time and page views only)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="seed into DIR/<pages>/instance and keep it (for bench.search --instance)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    everything = []
    for pages in args.pages:
        results = run(pages, args.duration, args.connections, args.edits, args.revisions, args.database_url,
                      args.skip_search, args.sample, args.keep)
        everything.append(results)
        if not args.json:
            print_table(results)
            sys.stdout.flush()
    if args.json:
        print(json.dumps(everything, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
