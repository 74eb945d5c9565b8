"""Worker memory (issue 16): a seeded wiki served by gunicorn with 2 workers and the project's
gunicorn.conf.py, loaded, then each worker's RSS and private memory, and where the RSS is: anonymous
mappings (Python's 1 MiB arenas, large buffers), the C heap, or files (the libraries' code; the database
and the search index are read, not mapped, so the OS's page cache holding them is in no worker's RSS).

    python -m bench.memory --pages 2000 [--instance DIR]   # DIR kept and reused when it exists
    python -m bench.memory --pages 10000 --instance DIR --full [--duration 5] [--edits 100]
    python -m bench.memory --modules                        # in process: what a page view imports, tracemalloc top

The quick probe (default) is much lighter than `make bench`: a few hundred page views, the searches,
the portal, the agenda, history and diff, as a visitor then as a member. What grows a worker most is
rendering many different pages (each page once, as bench.wiki's warm-up does), so at 10,000 pages the
quick probe ended 5 MB below --full (RSS 79 against 85 MB). --full runs bench.wiki's load itself: every page
viewed once by a visitor and once by the member, each of its URLs for --duration seconds with wrk, the
member's random views, then --edits saves, and prints the memory after each phase; its last figures
are the ones to compare with `make bench` (the figures compare changes, not machines).

The instance's probe.json keeps the seeded slugs, so a second run on the same --instance skips seeding;
--full saves pages, so copy a seeded instance for each run to compare runs on the same data.
"""

import argparse
import json
import random
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from bench.seeding import seed_wiki
from bench.serving import Server, load, machine_load, visit_all
from bench.wiki import saves, sign_in


def seeded(instance: Path, pages: int) -> dict:
    facts = instance / "probe.json"
    if facts.exists():
        return json.loads(facts.read_text())
    instance.mkdir(parents=True, exist_ok=True)
    data = seed_wiki(instance, pages)
    kept = {key: data[key] for key in ("slugs", "common_word", "rare_word", "phrase", "history_slug")}
    facts.write_text(json.dumps(kept))
    return kept


def paths_of(data: dict, views: int) -> list[str]:
    rng = random.Random(11)
    pages = [f"/wiki/{slug}" for slug in rng.sample(data["slugs"], min(views, len(data["slugs"])))]
    word = data["common_word"]
    searches = ["/search?" + urlencode({"q": q}) for q in (word, data["rare_word"], f'"{data["phrase"]}"')]
    # The page index lists 200 pages a page (it once listed every page: 20 MB at 10,000 pages).
    history = data["history_slug"]
    return pages + searches + ["/search/suggest?" + urlencode({"q": word[:3]}), "/", "/agenda", "/recent",
                               "/wiki/", "/wiki/?page=2",
                               f"/wiki/{history}/history", f"/wiki/{history}/diff?from=1&to=3"]


def mapped_mb(pid: str) -> dict:
    """One process's RSS split by what backs it (/proc/<pid>/smaps): Python's arenas and large buffers
    (`anonymous`), the C heap (`heap`, brk), and files; `private` is what the process alone holds."""
    kinds = {"anonymous": 0, "heap": 0, "files": 0, "private": 0}
    kind = "files"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            name = line.split(maxsplit=5)[5] if len(line.split(maxsplit=5)) > 5 else ""
            kind = "heap" if name == "[heap]" else "anonymous" if not name or name.startswith("[") else "files"
        elif line.startswith("Rss:"):
            kinds[kind] += int(line.split()[1])
        elif line.startswith(("Private_Clean:", "Private_Dirty:")):
            kinds["private"] += int(line.split()[1])
    rss = kinds["anonymous"] + kinds["heap"] + kinds["files"]
    return {"rss": round(rss / 1024, 1), **{name: round(kb / 1024, 1) for name, kb in kinds.items()}}


def memory(server: Server) -> list[dict]:
    """Each worker's figures, then the search watcher's (marked "watcher") if it runs."""
    watcher = server.watcher()
    return [mapped_mb(pid) for pid in server.workers()] + ([{"watcher": True, **mapped_mb(watcher)}] if watcher else [])


def instance_env(instance: Path) -> dict:
    return {"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{instance / 'wiki.db'}", "WEB_CONCURRENCY": "2"}


def probe(instance: Path, pages: int, views: int) -> dict:
    data = seeded(instance, pages)
    server = Server("wsgi:app", instance_env(instance))
    try:
        after_start = memory(server)
        paths = paths_of(data, views)
        visit_all(server.port, paths, threads=2)
        visitor = memory(server)
        cookie = sign_in(server.port)
        visit_all(server.port, paths, threads=2, cookie=cookie)
        visit_all(server.port, paths, threads=2)  # again: what stays once every cache is warm
        return {"started": after_start, "visitor": visitor, "member": memory(server), "machine": machine_load()}
    finally:
        server.stop()


def full_probe(instance: Path, pages: int, duration: float, edits: int) -> dict:
    """bench.wiki's run (its order, URLs and load) against this instance, the memory after each phase."""
    data = seeded(instance, pages)
    env = instance_env(instance)
    views = [f"/wiki/{slug}" for slug in data["slugs"]]
    history = data["history_slug"]
    endpoints = [views, [views[len(views) // 2]], views, ["/"], ["/agenda"], [f"/wiki/{history}/history"],
                 [f"/wiki/{history}/diff?from=1&to=3"]]
    endpoints += [["/search?" + urlencode({"q": q})] for q in (data["common_word"], data["rare_word"],
                                                             f'"{data["phrase"]}"')]
    endpoints.append(["/search/suggest?" + urlencode({"q": data["common_word"][:3]})])
    english = 2  # bench.wiki's "page view, English (first)"
    figures = {"machine_before": machine_load()}
    server = Server("wsgi:app", env)
    try:
        figures["started"] = memory(server)
        visit_all(server.port, views + ["/", "/agenda"])
        for paths in endpoints:
            load(server.port, paths[:50], 1, 2)
        figures["every page seen by a visitor"] = memory(server)
        cookie = sign_in(server.port)
        visit_all(server.port, views + ["/", "/agenda"], cookie=cookie)
        figures["every page seen by the member"] = memory(server)
        for number, paths in enumerate(endpoints):
            load(server.port, paths, duration, 16, language="en-GB,en;q=0.8" if number == english else "")
        load(server.port, views, duration, 16, cookie=cookie)
        figures["each URL loaded"] = memory(server)
        saves(server.port, data["slugs"], edits, random.Random(3), env)
        figures["after the saves"] = memory(server)
    finally:
        server.stop()
    figures["machine_after"] = machine_load()
    return figures


# In process: the modules a first page view loads, and where the memory it keeps was allocated.
MODULES = """
import sys, tracemalloc, json
tracemalloc.start(1)
from app import create_app
instance = sys.argv[1]
app = create_app({"SECRET_KEY": "x", "WIKI_INSTANCE_PATH": instance,
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + instance + "/wiki.db", "WTF_CSRF_ENABLED": False})
paths = json.loads(sys.argv[2])
built = set(sys.modules)
snapshot = tracemalloc.take_snapshot()
client = app.test_client()
for path in paths:
    client.get(path)
visited = set(sys.modules)
print("imported by the visitor's requests:", sorted(m for m in visited - built if "." not in m))
client.post("/login", data={"name": "Bench", "password": "bench-password", "next": "/"})
for path in paths:
    client.get(path)
print("then by the member's:", sorted(m for m in set(sys.modules) - visited if "." not in m))
from babel import localedata
print("Babel locale data loaded:", sorted(localedata._cache))
print("all modules at app build:", sorted(m for m in built if "." not in m))
top = tracemalloc.take_snapshot().compare_to(snapshot, "filename")
for stat in top[:25]:
    print(f"{stat.size_diff / 1e6:7.2f} MB  {stat.traceback[0].filename}")
"""


def modules(instance: Path, pages: int, views: int) -> None:
    import subprocess

    from bench.serving import ROOT
    data = seeded(instance, pages)
    subprocess.run([sys.executable, "-c", MODULES, str(instance), json.dumps(paths_of(data, views))], cwd=ROOT,
                   check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--views", type=int, default=300, help="page views of the quick probe")
    parser.add_argument("--instance", type=Path, default=None)
    parser.add_argument("--modules", action="store_true")
    parser.add_argument("--full", action="store_true", help="bench.wiki's load, not the quick probe's")
    parser.add_argument("--duration", type=float, default=5.0, help="--full: seconds of load per URL")
    parser.add_argument("--edits", type=int, default=100, help="--full: saves at the end")
    args = parser.parse_args(argv)
    instance = args.instance or Path(tempfile.mkdtemp(prefix="gare-memory-")) / "instance"
    if args.modules:
        modules(instance, args.pages, args.views)
        return 0
    if args.full:
        figures = full_probe(instance, args.pages, args.duration, args.edits)
    else:
        figures = probe(instance, args.pages, args.views)
    for phase, measured in figures.items():  # one line a phase: each worker's figures, in MB
        print(f"{phase}: {json.dumps(measured)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
