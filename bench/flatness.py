"""Does a view cost the same on a small and a large wiki? Several sizes served side by side, loaded in turn.

    python -m bench.flatness                                    # 1,000 and 10,000 pages on SQLite
    python -m bench.flatness --pages 1000,100000 --revisions-per-page 10 --rounds 5 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:54329/

bench.wiki measures one size per run, so comparing two of its runs compares two moments of a noisy
machine too (its floor moved by 10 % between runs). Here every size is seeded (without a search
index: views do not read it) and served at once, each by its own gunicorn, and each round loads the
floor, then every size's endpoints one after another: random visitor views over a sample of pages,
a signed-in member's, the portal and the agenda. Each figure is a ratio to that round's floor; the
table gives each size's mean over the rounds and the change from the smallest size to the largest.

`--database-url`: a PostgreSQL server (its path is ignored). Each size gets a database of its own,
created there (`gare_flatness_<pages>`) and DROPPED FIRST if it exists."""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.seeding import seed_wiki
from bench.serving import Server, load, machine_load, visit_all
from bench.wiki import sign_in

ENDPOINTS = ("page view (random)", "page view (member, random)", "portal", "agenda")


def postgres_database(server_url: str, name: str) -> str:
    """A fresh database `name` on the server of `server_url` (dropped first); its URL."""
    import psycopg
    import sqlalchemy as sa

    url = sa.engine.make_url(server_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def served_wiki(pages: int, revisions: int, database_url: str | None, sample: int) -> dict:
    instance = Path(tempfile.mkdtemp(prefix=f"gare-flatness-{pages}-")) / "instance"
    instance.mkdir(parents=True)
    url = postgres_database(database_url, f"gare_flatness_{pages}") if database_url else None
    started = time.perf_counter()
    data = seed_wiki(instance, pages, revisions=revisions, database_url=url, index=False)
    seeded = time.perf_counter() - started
    env = {"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench", "WEB_CONCURRENCY": "2",
           "DATABASE_URL": url or f"sqlite:///{instance / 'wiki.db'}",
           "WIKI_SEARCH_WATCHER": "0"}  # no index to keep: views only
    views = [f"/wiki/{slug}" for slug in data["slugs"]]
    if len(views) > sample:
        views = random.Random(5).sample(views, sample)
    server = Server("wsgi:app", env)
    visit_all(server.port, views + ["/", "/agenda"])
    cookie = sign_in(server.port)
    visit_all(server.port, views + ["/", "/agenda"], cookie=cookie)
    paths = {"page view (random)": (views, ""), "page view (member, random)": (views, cookie),
             "portal": (["/"], ""), "agenda": (["/agenda"], "")}
    for chosen, given in paths.values():
        load(server.port, chosen[:50], 1, 2, cookie=given)
    return {"pages": pages, "revisions": data["revisions"], "database": data["database"],
            "seed_seconds": round(seeded, 1), "server": server, "paths": paths}


def run(sizes: list[int], rounds: int, duration: float, connections: int, revisions_per_page: float,
        database_url: str | None, sample: int) -> dict:
    floor = Server("bench.floor:app", {}, floor=True)
    wikis = []
    try:
        for pages in sizes:
            wikis.append(served_wiki(pages, round(pages * revisions_per_page), database_url, sample))
        results = {"load_before": machine_load(), "rounds": [], "sizes": [
            {k: w[k] for k in ("pages", "revisions", "database", "seed_seconds")} for w in wikis]}
        for _ in range(rounds):
            floor_rps = load(floor.port, ["/"], duration, connections)["rps"]
            this_round = {"floor_rps": floor_rps}
            for wiki in wikis:
                for name, (paths, cookie) in wiki["paths"].items():
                    this_round[f"{wiki['pages']}/{name}"] = load(wiki["server"].port, paths, duration, connections,
                                                                 cookie=cookie)["rps"] / floor_rps
            results["rounds"].append(this_round)
        results["load_after"] = machine_load()
        results["means"] = {name: {w["pages"]: statistics.mean(r[f"{w['pages']}/{name}"] for r in results["rounds"])
                                   for w in wikis} for name in ENDPOINTS}
        return results
    finally:
        for wiki in wikis:
            wiki["server"].stop()
        floor.stop()


def print_table(results: dict) -> None:
    sizes = [s["pages"] for s in results["sizes"]]
    described = ", ".join(f"{s['pages']} pages ({s['revisions']} revisions, seeded in {s['seed_seconds']} s)"
                          for s in results["sizes"])
    print(f"\nViews side by side on {results['sizes'][0]['database']}: {described}")
    floors = ", ".join(f"{r['floor_rps']:.0f}" for r in results["rounds"])
    print(f"{len(results['rounds'])} rounds; floor {floors} req/s")
    print(f"machine: {results['load_before']} before, {results['load_after']} after\n")
    print(f"{'endpoint (x floor, mean of the rounds)':40}" + "".join(f"{n:>10}" for n in sizes) + "    change")
    for name, by_size in results["means"].items():
        first, last = by_size[sizes[0]], by_size[sizes[-1]]
        print(f"{name:40}" + "".join(f"{by_size[n]:10.3f}" for n in sizes) + f"  {(last / first - 1) * 100:+7.1f} %")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=lambda text: [int(n) for n in text.split(",")], default=[1000, 10000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load per URL and round")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--revisions-per-page", type=float, default=1.2)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to create the databases on")
    parser.add_argument("--sample", type=int, default=3000, help="pages visited at random on each wiki")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = run(args.pages, args.rounds, args.duration, args.connections, args.revisions_per_page,
                  args.database_url, args.sample)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
