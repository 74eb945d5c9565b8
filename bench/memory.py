"""Worker memory probe (issue 16): a seeded wiki served by gunicorn with 2 workers, a few hundred page
views, searches, the portal and the agenda as a visitor and as a member, then each worker's RSS and
private memory. Much quicker than `make bench`; the figures compare changes, not machines.

    python -m bench.memory --pages 2000 [--instance DIR]   # DIR kept and reused when it exists
    python -m bench.memory --modules                        # in process: what a page view imports, tracemalloc top

The instance's probe.json keeps the seeded slugs, so a second run on the same --instance skips seeding.
"""

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from bench.seeding import seed_wiki
from bench.serving import Server, visit_all
from bench.wiki import sign_in


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


def probe(instance: Path, pages: int, views: int) -> dict:
    data = seeded(instance, pages)
    env = {"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "DATABASE_URL": f"sqlite:///{instance / 'wiki.db'}", "WEB_CONCURRENCY": "2"}
    server = Server("wsgi:app", env)
    try:
        after_start = server.worker_memory_mb()
        paths = paths_of(data, views)
        visit_all(server.port, paths, threads=2)
        visitor = server.worker_memory_mb()
        cookie = sign_in(server.port)
        visit_all(server.port, paths, threads=2, cookie=cookie)
        visit_all(server.port, paths, threads=2)  # again: what stays once every cache is warm
        return {"started": after_start, "visitor": visitor, "member": server.worker_memory_mb()}
    finally:
        server.stop()


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
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--instance", type=Path, default=None)
    parser.add_argument("--modules", action="store_true")
    args = parser.parse_args(argv)
    instance = args.instance or Path(tempfile.mkdtemp(prefix="gare-memory-")) / "instance"
    if args.modules:
        modules(instance, args.pages, args.views)
        return 0
    print(json.dumps(probe(instance, args.pages, args.views)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
