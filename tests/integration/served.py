"""A real wiki served by gunicorn (the project's gunicorn.conf.py) in a subprocess, for the tests
that need several worker processes: an instance folder and a database of its own, browser-like
clients that sign in through the login form, the means to SIGKILL a worker or the whole server,
and the checks that the database holds together afterwards.

The database is SQLite in WAL mode in the instance folder, or, when TEST_DATABASE_URL is set, a
fresh PostgreSQL database created on that server for the test and dropped after it (so runs of
the suite sharing the server do not collide). When CI is set, a missing gunicorn fails the run."""

import html
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.models import Page, Revision, User
from app.models.taxonomy import seed_licences
from app.wiki import editing
from app.wiki.accounts import create_user
from app.wiki.rendering import render_markdown
from app.wiki.search.watcher import heartbeat_path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "motdepasse-des-tests"
PASSWORD_METHOD = "pbkdf2:sha256:1000"  # signing in costs ~1 ms instead of scrypt's ~100 ms
REQUEST_TIMEOUT = 60  # seconds: above gunicorn's 30 s worker timeout, so a stuck worker shows as an error


def gunicorn_binary() -> Path:
    path = BIN / "gunicorn"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"gunicorn is missing ({path}): CI must run the multi-worker tests")
        pytest.skip("gunicorn is not installed in this environment")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The database ---------------------------------------------------------------------------------

class Database:
    """SQLite in the instance folder, or a fresh PostgreSQL database next to TEST_DATABASE_URL's."""

    def __init__(self, instance: Path):
        self.created = None
        if TEST_DATABASE_URL:
            self.server = sa.engine.make_url(TEST_DATABASE_URL)
            self.created = f"gare_proof_{secrets.token_hex(4)}"
            self.url = self.server.set(database=self.created).render_as_string(hide_password=False)
            with self._maintenance() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{self.created}"'))
        else:
            self.url = f"sqlite:///{instance / 'wiki.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.created is None

    def _maintenance(self):
        engine = sa.create_engine(self.server.set(database="postgres"), isolation_level="AUTOCOMMIT",
                                  poolclass=sa.pool.NullPool)
        return engine.connect()

    def drop(self) -> None:
        if self.created:
            with self._maintenance() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.created}" WITH (FORCE)'))


# --- The wiki: instance, database, in-process app for seeding and checking ------------------------

class ServedWiki:
    """One instance folder and database; `serve()` starts gunicorn on it (stopped by the fixture)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.instance = tmp_path / "instance"
        self.instance.mkdir()
        # What the server reads that the environment cannot say: a cheap password hash.
        (self.instance / "config.py").write_text(f"WIKI_PASSWORD_METHOD = {PASSWORD_METHOD!r}\n")
        self.database = Database(self.instance)
        self.secret = secrets.token_hex(16)
        self.servers: list[Server] = []
        try:
            self.app = create_app({"WIKI_INSTANCE_PATH": str(self.instance), "SECRET_KEY": self.secret,
                                   "SQLALCHEMY_DATABASE_URI": self.database.url})
            with self.app.app_context():
                db.create_all()
                seed_licences()
                create_user(name="Admin Gare", password=PASSWORD, role="admin")  # no /setup code banner
                db.session.remove()
                db.engine.dispose()
        except BaseException:
            self.database.drop()
            raise

    @property
    def heartbeat(self) -> Path:
        """The search watcher's heartbeat file (app/wiki/search/watcher.py), beside the default index."""
        return heartbeat_path(self.instance / "search-index")

    def add_user(self, name: str, role: str = "volunteer", trusted: bool = False) -> int:
        with self.app.app_context():
            user_id = create_user(name=name, password=PASSWORD, role=role, trusted=trusted).id
            db.session.remove()
            return user_id

    def serve(self, workers: int = 4, environ: dict | None = None) -> "Server":
        """gunicorn on this instance; `environ`: more variables (WIKI_SEARCH_WATCHER=0: no watcher)."""
        server = Server(self, workers, environ or {})
        self.servers.append(server)
        server.start()
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self.database.drop()


class Server:
    """gunicorn with the project's config, in its own process group on 127.0.0.1."""

    def __init__(self, wiki: ServedWiki, workers: int, environ: dict | None = None):
        self.wiki, self.workers_wanted, self.environ = wiki, workers, environ or {}
        self.with_watcher = self.environ.get("WIKI_SEARCH_WATCHER", "1") != "0"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = wiki.tmp_path / f"gunicorn-{self.port}.log"
        self.process = None

    def start(self) -> None:
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("WIKI_", "GUNICORN_"))}
        environ.update(WIKI_INSTANCE_PATH=str(self.wiki.instance), DATABASE_URL=self.wiki.database.url,
                       SECRET_KEY=self.wiki.secret, HOST="127.0.0.1", PORT=str(self.port),
                       WEB_CONCURRENCY=str(self.workers_wanted), **self.environ)
        environ.pop("BIND", None)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(gunicorn_binary()), "--config", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=environ,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        """Until /healthz answers 200, all workers are up and the search watcher beats."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited early:\n{self.log()}"
            try:
                if (Browser(self.base).get("/healthz").status == 200
                        and (self.watcher() is not None or not self.with_watcher)
                        and len(self.workers()) == self.workers_wanted):
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not become ready in {seconds} s:\n{self.log()}")

    def watcher(self) -> int | None:
        """The pid of the search watcher (app/wiki/search/watcher.py) the master forked, while it lives."""
        try:
            pid = int(heartbeat_path(self.wiki.instance / "search-index").read_text())
        except (OSError, ValueError):
            return None
        return pid if pid in self.children() else None

    def workers(self) -> list[int]:
        """The pids of the master's live workers (its children but the search watcher)."""
        watcher = self.watcher()
        return [pid for pid in self.children() if pid != watcher]

    def children(self) -> list[int]:
        """The pids of the master's live children."""
        if self.process is None or self.process.poll() is not None:
            return []
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.append(int(entry.name))
        return sorted(found)

    def kill_worker(self, pid: int) -> None:
        assert pid in self.workers(), f"{pid} is not a worker of this server"
        os.kill(pid, signal.SIGKILL)

    def crash(self) -> None:
        """SIGKILL the master and every worker at once, as a power cut would stop the processes."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while self._group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def stop(self) -> None:
        """Gracefully, then by force; harmless if already stopped."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if self._group_alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


@pytest.fixture
def served_wiki(tmp_path):
    """A wiki instance that tests serve with gunicorn; every server is stopped and the database dropped."""
    gunicorn_binary()
    wiki = ServedWiki(tmp_path)
    try:
        yield wiki
    finally:
        wiki.close()


# --- A browser without a browser ------------------------------------------------------------------

class Answer:
    def __init__(self, status: int, headers, text: str):
        self.status, self.headers, self.text = status, headers, text


class Browser:
    """One person's browser: its own cookies, plain form posts, no redirect followed by itself."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None) -> Answer:
        parts = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
        headers = {"Accept-Language": "fr"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self._take_cookie(header)
        return Answer(response.status, response.headers, text)

    def _take_cookie(self, header: str) -> None:
        name, _sep, rest = header.partition("=")
        value, *attributes = rest.split(";")
        gone = any(a.strip().lower() in ("max-age=0",) or a.strip().lower().startswith("expires=thu, 01 jan 1970")
                   for a in attributes)
        if gone:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, fields: dict) -> Answer:
        return self.request("POST", path, fields)

    def follow(self, answer: Answer) -> Answer:
        """GET the Location of a redirect, as a browser does after a 303."""
        location = urllib.parse.urlsplit(answer.headers["Location"])
        return self.get(location.path + (f"?{location.query}" if location.query else ""))

    def sign_in(self, name: str, password: str = PASSWORD) -> None:
        form = form_fields(self.get("/login").text, "/login")
        form.update(name=name, password=password)
        answer = self.post("/login", form)
        assert answer.status == 303, f"could not sign in as {name}: {answer.status}"
        self.follow(answer)


class FormReader(HTMLParser):
    """The fields a browser would send for the first form posting to `action`."""

    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.done = action, False, False
        self.fields: dict[str, str] = {}
        self._textarea = self._select = None
        self._first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and attrs.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea, self.fields[name] = name, ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self.fields[self._select] = value

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # A browser drops the one newline right after <textarea>, and sends CRLF line ends.
            text = self.fields[self._textarea]
            text = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
            self.fields[self._textarea] = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self._textarea = None
        elif tag == "select" and self._select:
            self.fields.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(page: str, action: str) -> dict[str, str]:
    reader = FormReader(action)
    reader.feed(page)
    assert reader.done, f"no form posting to {action} in the page"
    return reader.fields


def shows_text(page: str, text: str) -> bool:
    """The text is in the page (HTML-escaped as a template writes it), line by line."""
    return all(html.escape(line, quote=False) in page or html.escape(line) in page
               for line in text.replace("\r\n", "\n").split("\n") if line)


LOCKED = re.compile(r"database is locked|database table is locked", re.IGNORECASE)

LETTERS = "bcdfghjklmnpqrtvwz"  # no vowel, no s or x: the French stemmer leaves these words whole
MARKER = re.compile(r"\bzq[bcdfghjklmnpqrtvwz]{5}\b")


def marker(client: int, edit: int) -> str:
    """A word found nowhere else, naming a client and its edit: what a save is traced by."""
    digits, value = [], client * len(LETTERS) ** 3 + edit
    for _ in range(5):
        value, digit = divmod(value, len(LETTERS))
        digits.append(LETTERS[digit])
    return "zq" + "".join(reversed(digits))


def flock_holder(path: Path) -> int | None:
    """The pid holding an flock() on this file (Whoosh's write lock), from /proc/locks; None if free."""
    try:
        inode = path.stat().st_ino
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    for line in table.splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            return int(fields[4])
    return None


# --- The workload: a shared page, and a page per client ---------------------------------------

SHARED = "page-commune"


def own_slug(client: int) -> str:
    return f"page-de-{client:02d}"


def seed_pages(wiki, author_id: int, clients: int) -> None:
    """The shared page (a common line and one line per client, apart so that edits of different
    lines merge) and each client's own page."""
    lines = ["commun: amorce"] + [f"c{n:02d}: amorce" for n in range(clients)]
    with wiki.app.app_context():
        author = db.session.get(User, author_id)
        editing.create_page(title="Page commune", body="\n\n".join(lines), author=author, slug=SHARED)
        for n in range(clients):
            editing.create_page(title=f"Page de {n:02d}", body="mot: amorce", author=author, slug=own_slug(n))
        db.session.remove()


def edited(body: str, prefix: str, word: str) -> str:
    """The editor's text with one line changed, as a person would type it (CRLF, as browsers send)."""
    lines = body.split("\r\n")
    number = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines[number] = f"{prefix}{word}"
    return "\r\n".join(lines)


# --- After the storm: does the database hold together? --------------------------------------------

def consistency_problems(app) -> list[str]:
    """What is wrong in the database: integrity (SQLite), pointers, numbering, stale HTML."""
    problems = []
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            result = db.session.execute(sa.text("PRAGMA integrity_check")).scalars().all()
            if result != ["ok"]:
                problems.append(f"integrity_check: {result[:5]}")
            if keys := db.session.execute(sa.text("PRAGMA foreign_key_check")).all():
                problems.append(f"foreign_key_check: {keys[:5]}")
        revisions = {r.id: r for r in db.session.scalars(sa.select(Revision))}
        numbers: dict[int, list[int]] = {}
        for revision in revisions.values():
            numbers.setdefault(revision.page_id, []).append(revision.number)
            if revision.html is not None and revision.html != str(render_markdown(revision.body)):
                problems.append(f"revision {revision.id}: its HTML is not its text's")
            if revision.parent_id is not None and (revisions.get(revision.parent_id) is None
                                                   or revisions[revision.parent_id].page_id != revision.page_id):
                problems.append(f"revision {revision.id}: its parent is not a revision of its page")
        for page in db.session.scalars(sa.select(Page)):
            own = sorted(numbers.get(page.id, []))
            if own != list(range(1, len(own) + 1)):
                problems.append(f"{page.slug}: revision numbers {own[:10]}... are not 1..N")
            head, published = revisions.get(page.head_id), revisions.get(page.published_id)
            if head is None or head.page_id != page.id or head.number != len(own):
                problems.append(f"{page.slug}: head {page.head_id} is not its latest revision")
            if page.published_id is not None and (published is None or published.page_id != page.id
                                                  or published.status != "approved"):
                problems.append(f"{page.slug}: published {page.published_id} is not an approved revision of it")
        db.session.remove()
    return problems
