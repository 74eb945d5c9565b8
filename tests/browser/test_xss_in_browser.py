"""Every payload in a real browser (issue 17): pages holding each payload of tests/data/xss_payloads.txt
in a title, a body, tags, a summary, a review comment; then the page, the index, history, recent changes,
search results, the tag index and the review queue are opened in Chromium. No dialog may open and no
script may run: window.alert, confirm, prompt and print are replaced before any page script to record
calls, and every dialog is recorded (and dismissed)."""

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models.taxonomy import seed_licences
from app.wiki import editing, moderation
from app.wiki.accounts import create_user
from app.wiki.errors import WikiError
from tests.browser.conftest import sign_in
from tests.unit.test_rendering import PAYLOADS

RECORDER = """
window.__xss = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  window[name] = (...args) => { window.__xss.push(name + ':' + String(args[0])); };
}
"""
CHUNK = 24  # payloads per body page


def attempt(write):
    try:
        return write()
    except WikiError:
        db.session.rollback()
        return None


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory):
    """A wiki of its own (the shared live server stays small), filled with every payload."""
    folder = tmp_path_factory.mktemp("xss")
    app = create_app({"TESTING": True, "WIKI_INSTANCE_PATH": str(folder / "instance"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'wiki.db'}", "SECRET_KEY": "xss-tests",
                      "WIKI_PASSWORD_METHOD": "pbkdf2:sha256:1000"})
    counts = {"title": 0, "body": 0, "tag": 0, "summary": 0, "review comment": 0}
    with app.app_context():
        db.create_all()
        seed_licences()
        fanny = create_user(name="Fanny", password="motdepasse", role="facilitator")
        victor = create_user(name="Victor", password="motdepasse", role="volunteer")
        for payload in PAYLOADS:
            if attempt(lambda: editing.create_page(title=payload, body="Texte alerte", tags=payload, author=fanny)):
                counts["title"] += 1
                counts["tag"] += 1
        bodies = []
        for start in range(0, len(PAYLOADS), CHUNK):
            chunk = PAYLOADS[start:start + CHUNK]
            page = attempt(lambda: editing.create_page(title=f"Corps {start}", body="\n\n".join(chunk), author=fanny))
            if page is None:  # too costly together: one payload a line is still a body
                page = editing.create_page(title=f"Corps {start}", body="\n".join(p[:200] for p in chunk), author=fanny)
            counts["body"] += len(chunk)
            bodies.append(page.slug)
            editing.save_edit(page, title=page.title, body=page.head.body + "\n\nalerte", author=victor,
                              summary=chunk[0], base_revision=1)  # pending: shown in the review queue
        log = editing.create_page(title="Journal", body="début", author=fanny)
        for n, payload in enumerate(PAYLOADS):
            editing.save_edit(log, title="Journal", body=f"version {n}", summary=payload, author=victor,
                              base_revision=log.head.number)
            counts["summary"] += 1
            if attempt(lambda: moderation.reject(log, reviewer=fanny, comment=payload)):
                counts["review comment"] += 1
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", bodies, counts
    server.shutdown()


def test_no_payload_opens_a_dialog_or_runs_a_script(page, xss_server):
    base, bodies, counts = xss_server
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(RECORDER)
    sign_in(page, base)  # a facilitator sees every sink, the review queue included
    urls = [f"/wiki/{slug}" for slug in bodies] + [
        "/wiki/", "/recent", "/tags/", "/review", "/review?page=2", "/wiki/journal/history",
        "/search?q=alerte", "/search?q=texte&page=2", "/search?q=script", "/search?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
        f"/wiki/{bodies[0]}/history", f"/wiki/{bodies[0]}/diff?from=1&to=2", "/feeds/recent.atom"]
    ran = {}
    for url in urls:
        page.goto(base + url, wait_until="load")
        page.wait_for_timeout(50)  # onload/onerror handlers of images and the like
        calls = page.evaluate("window.__xss || []")
        if calls:
            ran[url] = calls
    print(f"xss in browser: {len(PAYLOADS)} payloads, sinks {counts}, {len(urls)} pages opened")
    assert dialogs == [] and ran == {}
