"""Every sink, every payload (issue 17): each line of tests/data/xss_payloads.txt as a page body, a
title, a summary, a tag name, a display name, a review comment, a search query and imported front
matter, read back through the test client in every view that shows it.

An answer passes when html5lib finds no executable markup: inside the `hx-disable` wrappers (rendered
Markdown) nothing of test_rendering's list at all; everywhere else (escaped by Jinja) no element or
attribute beyond those the same view has with harmless text in place of the payload (for a
listing of many items, baselines are taken before the payloads are written)."""

import io
import re
from collections import Counter

import html5lib
import icalendar
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Page, User
from app.wiki import editing, moderation
from app.wiki.accounts import create_user
from app.wiki.bundles.frontmatter import front_matter
from app.wiki.errors import WikiError
from app.wiki.sessions import InvalidEvent, clean_event
from tests.conftest import login_as
from tests.unit.test_rendering import FORBIDDEN_ELEMENTS, PAYLOADS, URL_ATTRIBUTES, problems_in, scheme_of

BASELINE = "Texte témoin"
BASELINES = {}  # id(response) -> (response, its features): each baseline is parsed once
TRIED = Counter()  # sink -> payloads that reached it (printed with -s)


def features(html: str) -> tuple[list[str], Counter]:
    """(problems inside hx-disable, risky markup outside it as a multiset)."""
    document = html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)
    inside, outside = [], Counter()

    def visit(element, disabled):
        if not isinstance(element.tag, str):
            return
        if disabled is None and "hx-disable" in element.attrib:
            del element.attrib["hx-disable"]  # the wrapper itself is the app's; what it holds is checked
            inside.extend(problems_in(html5lib.serialize(element, tree="etree")))
            return
        tag = element.tag.lower()
        if tag in FORBIDDEN_ELEMENTS or tag == "script":
            outside[(tag, element.get("src", ""), element.get("name", ""), element.get("rel", ""),
                     bool((element.text or "").strip()) and tag == "script")] += 1
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith(("on", "hx-", "data-hx-", "ws-", "sse-")) or name in ("style", "srcdoc", "formaction"):
                outside[(tag, name)] += 1
            if name in URL_ATTRIBUTES and scheme_of(value) not in ("", "http", "https", "mailto"):
                outside[(tag, name, scheme_of(value))] += 1
        for child in element:
            visit(child, disabled)
    visit(document, None)
    return inside, outside


def assert_inert(response, baseline, where: str, *, listing: bool = False):
    """No risky markup inside hx-disable; outside, none the same view lacks with harmless text (as many
    times for one item's view; of a kind the view never has, for a listing of many items)."""
    assert response.status_code < 500, where
    inside, outside = features(response.get_data(as_text=True))
    if id(baseline) not in BASELINES:
        BASELINES[id(baseline)] = (baseline, features(baseline.get_data(as_text=True))[1])
    base = BASELINES[id(baseline)][1]
    extra = set(outside) - set(base) if listing else outside - base
    assert not inside and not extra, f"{where}: {inside} {sorted(extra)}"


@pytest.fixture
def people(app, make_user):
    ids = {name: make_user(name, role=role) for name, role in
           (("Fanny", "facilitator"), ("Victor", "volunteer"), ("Adèle", "admin"))}
    clients = {"visitor": app.test_client()}
    for name, user_id in ids.items():
        clients[name] = app.test_client()
        login_as(clients[name], user_id)
    return clients


def user(name):
    return db.session.scalar(sa.select(User).filter_by(name=name))


def attempt(sink, write):
    """Run a write; a payload the domain refuses (too long, no letters...) never reaches the sink."""
    try:
        result = write()
    except WikiError:
        db.session.rollback()
        return None
    TRIED[sink] += 1
    return result


CHUNK = 24  # payloads per body page: a page view checks many at once


def test_bodies(app, people):
    """Bodies: the page (visitor, member), an old revision, the review diff; and each one in the preview."""
    with app.app_context():
        fanny = user("Fanny")
        slugs = [editing.create_page(title="Corps témoin", body=BASELINE, author=fanny).slug]
        editing.save_edit(pages_by(slugs[0]), title="Corps témoin", body=BASELINE + " 2", author=user("Victor"),
                          base_revision=1)
    visitor, facilitator, volunteer = people["visitor"], people["Fanny"], people["Victor"]
    views = {("visitor", ""): None, ("visitor", "/revisions/1"): None, ("Fanny", ""): None,
             ("Fanny", "/diff?from=1&to=2"): None}
    views = {key: people[key[0]].get(f"/wiki/{slugs[0]}{key[1]}") for key in views}
    queue_base = facilitator.get("/review")
    with app.app_context():
        for start in range(0, len(PAYLOADS), CHUNK):
            chunk = PAYLOADS[start:start + CHUNK]
            page = attempt("body", lambda: editing.create_page(title=f"Corps {start}", body="\n\n".join(chunk),
                                                               author=user("Fanny")))
            if page is None:  # too costly together: one payload a page
                for n, payload in enumerate(chunk):
                    if (page := attempt("body", lambda: editing.create_page(title=f"Corps {start} {n}", body=payload,
                                                                            author=user("Fanny")))):
                        slugs.append(page.slug)
                continue
            TRIED["body"] += len(chunk) - 1
            slugs.append(page.slug)
            editing.save_edit(page, title=page.title, body=page.head.body + "\n\nsuite", author=user("Victor"),
                              base_revision=1)
    for slug in slugs[1:]:
        for (role, suffix), baseline in views.items():
            assert_inert(people[role].get(f"/wiki/{slug}{suffix}"), baseline, f"{role} {slug}{suffix}")
    for number in (1, 2):
        assert_inert(facilitator.get(f"/review?page={number}"), queue_base, f"review {number}", listing=True)
    base_preview = volunteer.post(f"/wiki/{slugs[0]}/preview", data={"body": BASELINE})
    for payload in PAYLOADS:
        assert_inert(volunteer.post(f"/wiki/{slugs[0]}/preview", data={"body": payload}), base_preview,
                     f"preview {payload!r}")
    TRIED["preview"] += len(PAYLOADS)


def pages_by(slug):
    return db.session.scalar(sa.select(Page).filter_by(slug=slug))


def test_summaries(app, people):
    """Summaries of pending edits: history (members and visitors), recent changes, the feed, the queue."""
    with app.app_context():
        log = editing.create_page(title="Résumés", body="début", author=user("Fanny"))
        editing.save_edit(log, title="Résumés", body="v0", summary=BASELINE, author=user("Victor"), base_revision=1)
    urls = [(role, url) for role in ("visitor", "Fanny")
            for url in ("/wiki/resumes/history", "/recent", "/feeds/recent.atom", "/review")]
    listings = {key: people[key[0]].get(key[1]) for key in urls}
    with app.app_context():
        log = pages_by("resumes")
        for n, payload in enumerate(PAYLOADS):
            attempt("summary", lambda: editing.save_edit(log, title="Résumés", body=f"v{n + 1}", summary=payload,
                                                         author=user("Victor"), base_revision=log.head.number))
    for (role, url), baseline in listings.items():
        assert_inert(people[role].get(url), baseline, f"{role} {url}", listing=True)


def test_titles_and_tag_names(app, people):
    """Titles (page, editor, index, portal, recent, feed, search) and tag names (page, tag pages, index)."""
    with app.app_context():
        slugs = [editing.create_page(title=BASELINE, body="x", author=user("Fanny"), tags=BASELINE).slug]
    listings = {url: people["visitor"].get(url) for url in ("/", "/wiki/", "/recent", "/feeds/recent.atom", "/tags/",
                                                             "/search?q=x")}
    with app.app_context():
        for payload in PAYLOADS:
            if (page := attempt("title", lambda: editing.create_page(title=payload, body="x", author=user("Fanny"),
                                                                     tags=payload))):
                slugs.append(page.slug)
                TRIED["tag name"] += bool(page.tags)
        keys = [t.slug for p in db.session.scalars(sa.select(Page).order_by(Page.id)) for t in p.tags]
    visitor, facilitator = people["visitor"], people["Fanny"]
    base, base_edit = visitor.get(f"/wiki/{slugs[0]}"), facilitator.get(f"/wiki/{slugs[0]}/edit")
    for slug in slugs[1:]:
        assert_inert(visitor.get(f"/wiki/{slug}"), base, slug)
        assert_inert(facilitator.get(f"/wiki/{slug}/edit"), base_edit, f"edit {slug}")
    tag_base = visitor.get(f"/tags/{keys[0]}")
    for key in keys[1:]:
        assert_inert(visitor.get(f"/tags/{key}"), tag_base, f"tag {key}")
    for url, baseline in listings.items():
        assert_inert(visitor.get(url), baseline, url, listing=True)


def test_display_names_and_review_comments(app, people):
    with app.app_context():
        fanny = user("Fanny")
        names = editing.create_page(title="Auteurs", body="début", author=fanny)
        comments = editing.create_page(title="Commentaires", body="début", author=fanny)
        for page in (names, comments):
            editing.save_edit(page, title=page.title, body="ligne", author=user("Victor"), base_revision=1)
        moderation.reject(comments, reviewer=fanny, comment=BASELINE)
    urls = ("/wiki/auteurs/history", "/wiki/commentaires/history", "/review", "/recent", "/wiki/auteurs",
            "/wiki/commentaires", "/wiki/auteurs/diff?from=1&to=2", "/admin/users")
    listings = {(role, url): people[role].get(url) for role in ("visitor", "Fanny", "Adèle") for url in urls}
    with app.app_context():
        fanny, names, comments = user("Fanny"), *(db.session.scalar(sa.select(Page).filter_by(slug=slug))
                                                   for slug in ("auteurs", "commentaires"))
        for n, payload in enumerate(PAYLOADS):
            author = attempt("display name", lambda: create_user(name=payload, password="motdepasse12",
                                                                 role="volunteer"))
            if author is not None:
                editing.save_edit(names, title="Auteurs", body=f"ligne {n}", author=author,
                                  base_revision=names.head.number)
            editing.save_edit(comments, title="Commentaires", body=f"essai {n}", author=user("Victor"),
                              base_revision=comments.head.number)
            attempt("review comment", lambda: moderation.reject(comments, reviewer=fanny, comment=payload))
    for (role, url), baseline in listings.items():
        assert_inert(people[role].get(url), baseline, f"{role} {url}", listing=True)


def test_search_queries(app, people):
    visitor = people["visitor"]
    with app.app_context():
        editing.create_page(title="Recherche", body="alert script onerror svg img javascript", author=user("Fanny"))
    base, base_suggest = visitor.get("/search?q=texte"), visitor.get("/search/suggest?q=te")
    for payload in PAYLOADS:
        assert_inert(visitor.get("/search", query_string={"q": payload}), base, f"search {payload!r}")
        assert_inert(visitor.get("/search/suggest", query_string={"q": payload}), base_suggest, f"suggest {payload!r}")
        assert_inert(visitor.get("/search", query_string={"q": payload}, headers={"HX-Request": "true"}),
                     visitor.get("/search?q=texte", headers={"HX-Request": "true"}), f"live search {payload!r}")
        TRIED["search query"] += 1


def test_imported_front_matter(app, people, runner, tmp_path):
    folder = tmp_path / "import"
    folder.mkdir()
    for n, payload in enumerate([BASELINE, *PAYLOADS]):
        (folder / f"page-{n:03d}.md").write_text(
            front_matter({"title": f"Importée {n} {payload}"[:200], "tags": [payload[:60]], "authors": [payload[:80]]})
            + payload + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", str(folder)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        slugs = list(db.session.scalars(sa.select(Page.slug).where(Page.title.like("Importée%")).order_by(Page.id)))
    TRIED["imported front matter"] += len(slugs) - 1
    visitor = people["visitor"]
    base = {suffix: visitor.get(f"/wiki/{slugs[0]}{suffix}") for suffix in ("", "/credits")}
    for slug in slugs[1:]:
        for suffix, baseline in base.items():
            assert_inert(visitor.get(f"/wiki/{slug}{suffix}"), baseline, f"import {slug}{suffix}")
    assert_inert(visitor.get("/tags/"), visitor.get(f"/wiki/{slugs[0]}/credits"), "/tags/ after import", listing=True)


def test_session_places(app, people):
    """Session places, as text and as a video link: the session's page, /agenda, its embed, the Atom feed
    (escaped markup, as the other sinks) and the iCalendar feed (one LOCATION each, no injected line)."""
    with app.app_context():
        fanny = user("Fanny")
        event = clean_event(event_start="2031-03-01T10:00", event_place=BASELINE)
        slugs = [editing.create_page(title="Lieu témoin", body="x", author=fanny, event=event).slug]
    visitor, member = people["visitor"], people["Victor"]
    urls = ("/agenda", "/agenda/embed", "/feeds/agenda.atom", "/")
    listings = {(who, url): people[who].get(url) for who in ("visitor", "Victor") for url in urls}
    base = {who: people[who].get(f"/wiki/{slugs[0]}") for who in ("visitor", "Victor")}
    places = {slugs[0]: BASELINE}
    with app.app_context():
        for n, payload in enumerate(PAYLOADS):
            for variant, place in (("text", payload), ("link", "https://visio.example/" + payload)):
                try:
                    event = clean_event(event_start=f"2031-{3 + n % 9:02d}-{1 + n % 28:02d}T10:00", event_place=place)
                except InvalidEvent:
                    continue  # too long: refused in the editor, never stored
                page = attempt(f"session place ({variant})",
                               lambda: editing.create_page(title=f"Lieu {variant} {n}", body="x", author=user("Fanny"),
                                                           event=event))
                if page is not None:
                    slugs.append(page.slug)
                    places[page.slug] = event.place
    for slug in slugs[1:]:
        for who, baseline in base.items():
            assert_inert(people[who].get(f"/wiki/{slug}"), baseline, f"{who} session {slug}")
    for (who, url), baseline in listings.items():
        assert_inert(people[who].get(url), baseline, f"{who} {url}", listing=True)
    feed = visitor.get("/agenda.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.get_data())
    locations = {str(e.get("url")).rsplit("/", 1)[-1]: str(e.get("location")) for e in calendar.walk("VEVENT")}
    assert locations == places  # every place, whole, in its own LOCATION: nothing broke out of a line
    TRIED["session place (ics)"] += len(places) - 1
    assert member.get("/api/agenda").mimetype == "application/json"


def test_file_names(app, people):
    """File names as sent through the upload form (a volunteer's, so the review queue shows them too):
    the flash after a plain upload, the editor's JSON, the page's file list, the queue, the page using
    them, and the file's own headers (a safe ASCII name, no header line of the sender's)."""
    with app.app_context():
        page = editing.create_page(title="Fichiers", body="début", author=user("Fanny"))
        slug = page.slug
    volunteer, facilitator, visitor = people["Victor"], people["Fanny"], people["visitor"]
    volunteer.post(f"/wiki/{slug}/attachments", data={"file": (io.BytesIO(b"temoin"), f"{BASELINE}.txt")},
                   content_type="multipart/form-data")
    with app.app_context():
        editing.save_edit(pages_by(slug), title="Fichiers", body="[témoin](attachments/Texte-temoin.txt)",
                          author=user("Victor"), base_revision=1)
    editing_base = volunteer.get(f"/wiki/{slug}/attachments")
    queue_base, page_base = facilitator.get("/review"), volunteer.get(f"/wiki/{slug}")
    names = []
    for n, payload in enumerate(PAYLOADS):
        data = {"file": (io.BytesIO(f"fichier {n}\n".encode()), f"{payload}.txt")}
        answer = volunteer.post(f"/wiki/{slug}/attachments", data=data, content_type="multipart/form-data",
                                headers={"Accept": "application/json"})
        assert answer.status_code in (201, 400, 415, 422), (payload, answer.status_code)
        if answer.status_code != 201:
            continue
        TRIED["file name"] += 1
        name = answer.get_json()["name"]
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name), name
        names.append(name)
        plain = volunteer.post(f"/wiki/{slug}/attachments", data={"file": (io.BytesIO(b"autre"), f"{payload}.txt")},
                               content_type="multipart/form-data", follow_redirects=True)
        assert_inert(plain, editing_base, f"upload {payload!r}", listing=True)
    with app.app_context():
        page = pages_by(slug)
        editing.save_edit(page, title="Fichiers", body="\n\n".join(f"[{n}](attachments/{n})" for n in names),
                          author=user("Victor"), base_revision=page.head.number)
    assert_inert(volunteer.get(f"/wiki/{slug}/attachments"), editing_base, "file list", listing=True)
    assert_inert(facilitator.get("/review"), queue_base, "review queue with files", listing=True)
    assert_inert(volunteer.get(f"/wiki/{slug}"), page_base, "page using the files", listing=True)
    for name in names[:40]:
        served = volunteer.get(f"/wiki/{slug}/attachments/{name}")
        assert served.status_code == 200
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        disposition = served.headers["Content-Disposition"]
        assert disposition.isascii() and "\n" not in disposition and "\r" not in disposition


def test_report(capsys):
    """Prints payloads × sinks (run with -s); the figures come from the tests above, in this module."""
    print(f"xss sinks: {len(PAYLOADS)} payloads; reached: {dict(TRIED)}; total {sum(TRIED.values())}")
