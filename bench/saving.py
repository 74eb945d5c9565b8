"""Where a save's time goes (issue 16): a seeded wiki with its search index, served by gunicorn
(2 workers), saved through the editor's form; then the same saves in process, phase by phase.

    python -m bench.saving --pages 1000 [--instance DIR] [--edits 40] [--profile]

Over HTTP: the save (POST), the first anonymous view of the saved page straight after it and 300 ms
after another save, and the workers' CPU (from /proc) over the saves. In process (Flask test client,
the same instance): wall and CPU time of each phase of the POST (form and CSRF, render, revision,
moderation, links, commit, the after-response search catch-up), the SQL it sends, and the first
anonymous view after it; `--profile` adds a cProfile of both. --instance is kept and reused, as in
bench.memory (seeding 10,000 pages takes minutes)."""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.memory import seeded
from bench.serving import Server, machine_load, serial_get_ms
from bench.seeding import BENCH_PASSWORD, BENCH_USER
from bench.wiki import OptimizeTimer, save_once, sign_in, summary

# Functions timed in process, by where the save path looks them up (module, attribute).
PHASES = [
    ("app.pages.forms", "EditForm.validate_on_submit", "form and CSRF"),
    ("app.wiki.editing", "render_markdown", "render the HTML"),
    ("app.wiki.editing", "begin_write", "write lock"),
    ("app.wiki.editing", "read_again_to_save", "page, head, tags read again"),
    ("app.wiki.editing", "add_revision", "revision insert"),
    ("app.wiki.editing.moderation", "settle_new_revision", "moderation, publish"),
    ("app.wiki.editing", "update_links", "links (+ the publish's one flush)"),
    ("app.wiki.revisions.db.session", "commit", "commit"),
    ("app.pages.editor.presence", "leave", "presence"),
    ("app.pages.editor", "prerender_for_visitors", "the visitors' view, rendered and stored"),
    ("app.wiki.search", "catch_up_quietly", "search catch-up (after the response)"),
]


def worker_cpu(server: Server) -> float:
    """The workers' and the search watcher's CPU seconds so far (user + system, from /proc): the
    watcher indexes the saves the workers took."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in server.children():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def over_http(instance: Path, slugs: list[str], edits: int, rng) -> dict:
    env = {"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "DATABASE_URL": f"sqlite:///{instance / 'wiki.db'}", "WEB_CONCURRENCY": "2"}
    server = Server("wsgi:app", env)
    try:
        cookie = sign_in(server.port)
        for slug in rng.sample(slugs, 5):  # imports, the index opened, first renders
            cookie, _opened, _saved = save_once(server.port, cookie, slug, 0)
            serial_get_ms(server.port, f"/wiki/{slug}")
        opened, saved, straight, later, cpu = [], [], [], [], 0.0
        timer = OptimizeTimer(env).__enter__()
        for n in range(edits):
            slug = rng.choice(slugs)
            before = worker_cpu(server)
            cookie, open_ms, save_ms = save_once(server.port, cookie, slug, n + 1)
            if n % 2:
                time.sleep(0.3)
                later.append(serial_get_ms(server.port, f"/wiki/{slug}"))
            else:
                straight.append(serial_get_ms(server.port, f"/wiki/{slug}"))
            time.sleep(0.3)  # the catch-up and anything else the save left done
            cpu += worker_cpu(server) - before
            opened.append(open_ms)
            saved.append(save_ms)
        timer.__exit__()
        return {"optimize_runs": timer.runs, "save": summary(saved), "editor": summary(opened),
                "first_view_straight_after": summary(straight),
                "first_view_300ms_after": summary(later), "worker_cpu_ms_per_edit": 1000 * cpu / edits}
    finally:
        server.stop()


class Timers:
    """Wall and CPU time of the PHASES, installed as wrappers and removed afterwards."""

    def __init__(self):
        self.wall, self.cpu, self.calls, self.undo = defaultdict(float), defaultdict(float), defaultdict(int), []

    def install(self) -> None:
        import importlib

        for module_name, attribute, label in PHASES:
            owner = resolve(importlib, module_name)
            *path, name = attribute.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name)
            setattr(owner, name, self.timed(original, label))
            self.undo.append((owner, name, original))

    def timed(self, function, label):
        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.wall[label] += time.perf_counter() - wall
                self.cpu[label] += time.process_time() - cpu
                self.calls[label] += 1
        return wrapper

    def remove(self) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)


def resolve(importlib, dotted: str):
    """A module, or an attribute reached from one ("app.wiki.revisions.db.session")."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part)
        return found
    raise ImportError(dotted)


def statements(engine, seen: dict):
    """Count and time every SQL statement by its first words (a query without an index shows up here)."""
    import sqlalchemy as sa

    started = {}

    @sa.event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()  # by cursor: some reads dispatch this event without a connection

    @sa.event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        words = re.sub(r"\s+", " ", statement)[:int(os.environ.get("BENCH_SQL_WIDTH", "90"))]
        entry = seen.setdefault(words, [0, 0.0])
        entry[0] += 1
        entry[1] += time.perf_counter() - started.pop(id(cursor), time.perf_counter())


def in_process(instance: Path, slugs: list[str], edits: int, rng, profile: bool) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from app import create_app
    from app.extensions import db
    from app.wiki.search.sync import optimize

    app = create_app({"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'wiki.db'}"})
    member, visitor = app.test_client(), app.test_client()
    page = member.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    member.post("/login", data={"csrf_token": token, "name": BENCH_USER, "password": BENCH_PASSWORD, "next": "/"})

    def save(slug: str, n: int) -> tuple[float, float]:
        editor = member.get(f"/wiki/{slug}/edit").get_data(as_text=True)
        field = lambda name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', editor).group(1)  # noqa: E731
        body = re.search(r'<textarea[^>]*name="body"[^>]*>\n?(.*?)</textarea>', editor, re.S).group(1)
        import html
        form = {"csrf_token": field("csrf_token"), "base_revision": field("base_revision"),
                "title": html.unescape(re.search(r'id="title"[^>]*value="([^"]*)"', editor).group(1)),
                "body": html.unescape(body) + f"\n\nModification {n}.", "summary": "bench",
                "licence": "CC-BY-SA-4.0", "tags": ""}
        wall, cpu = time.perf_counter(), time.process_time()
        answer = member.post(f"/wiki/{slug}/edit", data=form)
        answered = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        answer.close()  # runs call_on_close: the search catch-up, as gunicorn does after sending
        if answer.status_code != 303:
            raise RuntimeError(f"save answered {answer.status_code}")
        if n % 10 == 0:
            with app.app_context():
                optimize()  # the timer's work, in another process in production: not timed
        return answered

    def view(slug: str) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        answer = visitor.get(f"/wiki/{slug}")
        answer.close()
        assert answer.status_code == 200, answer.status_code
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    for slug in rng.sample(slugs, 3):
        save(slug, 0)
        view(slug)
    timers, sql = Timers(), {}
    with app.app_context():
        statements(db.engine, sql)
    timers.install()
    profiler = cProfile.Profile() if profile else None
    saves, views = [], []
    try:
        for n in range(edits):
            slug = rng.choice(slugs)
            if profiler:
                profiler.enable()
            saves.append(save(slug, n + 1))
            views.append(view(slug))
            if profiler:
                profiler.disable()
    finally:
        timers.remove()
    phases = {label: {"wall_ms": 1000 * timers.wall[label] / edits, "cpu_ms": 1000 * timers.cpu[label] / edits}
              for _module, _attribute, label in PHASES}
    top_sql = sorted(sql.items(), key=lambda item: -item[1][1])[:12]
    result = {"answer_wall": summary([w for w, _c in saves]), "answer_cpu": summary([c for _w, c in saves]),
              "view_wall": summary([w for w, _c in views]), "view_cpu": summary([c for _w, c in views]),
              "phases": phases,
              "sql": [(words, count / edits, 1000 * spent / edits) for words, (count, spent) in top_sql]}
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(30)
        stats.print_stats("/app/", 50)  # the project's own functions
        stats.print_callees("editor.py.*edit_existing")
        result["profile"] = out.getvalue()
    return result


def query_cost(instance: Path, data: dict, saves: int, repeats: int = 15) -> dict:
    """Query CPU (medians, ms) on the index as it is, after `saves` saves that catch-ups leave unmerged
    (one segment each), and after `flask search optimize`: what deferring merges costs searches."""
    from app import create_app
    from app.extensions import db
    from app.models import Page, User
    from app.wiki import editing, search
    from app.wiki.search import sync

    app = create_app({"WIKI_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'wiki.db'}"})
    queries = {"common word": data["common_word"], "rare word": data["rare_word"],
               "phrase": f'"{data["phrase"]}"'}

    def measured() -> dict:
        figures = {"segments": sync.segment_count()}
        for name, text in queries.items():
            search.query(text, member=False)
            figures[name] = summary([cpu_ms(lambda: search.query(text, member=False)) for _ in range(repeats)])
        prefix = data["common_word"][:3]
        figures["suggest"] = summary([cpu_ms(lambda: search.suggest(prefix, member=False)) for _ in range(repeats)])
        return figures

    rng, result = random.Random(6), {}
    with app.test_request_context():
        search.catch_up()
        result["before"] = measured()
        author = db.session.scalar(db.select(User).where(User.name == BENCH_USER))
        flush = []
        for n in range(saves):
            page = db.session.scalar(db.select(Page).where(Page.slug == rng.choice(data["slugs"])))
            editing.save_edit(page, title=page.head.title, body=page.head.body + f"\n\nSegment {n}.",
                              base_revision=page.head.number, author=author)
            flush.append(cpu_ms(lambda: search.catch_up(wait=False)))
        result["catch_up_after_a_save"] = summary(flush)
        result["unmerged"] = measured()
        started = time.process_time()
        sync.optimize()
        result["optimize_cpu_ms"] = (time.process_time() - started) * 1000
        result["optimized"] = measured()
    return result


def cpu_ms(action) -> float:
    started = time.process_time()
    action()
    return (time.process_time() - started) * 1000


def print_report(pages: int, http: dict, local: dict) -> None:
    print(f"\nSaves at {pages} pages — {machine_load()}")
    for name in ("save", "editor", "first_view_straight_after", "first_view_300ms_after"):
        f = http[name]
        print(f"HTTP {name:28} median {f['median_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f}  max {f['max_ms']:6.1f}")
    print(f"HTTP workers' CPU per edit (editor, save, catch-up, view): {http['worker_cpu_ms_per_edit']:.1f} ms; "
          f"search optimize ran {http['optimize_runs']} times (every 10 s)")
    for name in ("answer_wall", "answer_cpu", "view_wall", "view_cpu"):
        f = local[name]
        print(f"in process {name:22} median {f['median_ms']:6.1f} ms  p95 {f['p95_ms']:6.1f}  max {f['max_ms']:6.1f}")
    print("\nphases of the POST in process (mean per save):")
    for label, f in local["phases"].items():
        print(f"  {label:40} wall {f['wall_ms']:6.2f} ms  cpu {f['cpu_ms']:6.2f} ms")
    print("\nSQL per save and view (count, ms):")
    for words, count, spent in local["sql"]:
        print(f"  {count:5.1f} {spent:7.2f}  {words}")
    if "profile" in local:
        print(local["profile"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--instance", type=Path, default=None)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--segments", type=int, default=0,
                        help="instead: query cost after this many unmerged saves, then after optimize")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    instance = args.instance or Path(tempfile.mkdtemp(prefix="gare-saving-")) / "instance"
    data = seeded(instance, args.pages)
    if args.segments:
        print(json.dumps({"pages": args.pages, "load": machine_load(),
                          **query_cost(instance, data, args.segments)}, indent=1))
        return 0
    http = {} if args.skip_http else over_http(instance, data["slugs"], args.edits, random.Random(3))
    local = in_process(instance, data["slugs"], args.edits, random.Random(4), args.profile)
    if args.json:
        print(json.dumps({"pages": args.pages, "load": machine_load(), "http": http, "in_process": local}, indent=2))
    elif args.skip_http:
        nothing = {"median_ms": 0, "p95_ms": 0, "max_ms": 0}
        names = ("save", "editor", "first_view_straight_after", "first_view_300ms_after")
        print_report(args.pages, {name: nothing for name in names} | {"worker_cpu_ms_per_edit": 0, "optimize_runs": 0},
                     local)
    else:
        print_report(args.pages, http, local)
    return 0


if __name__ == "__main__":
    sys.exit(main())
