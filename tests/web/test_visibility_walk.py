"""One visibility rule, checked everywhere: every GET URL of the url_map, as visitor, volunteer and
facilitator, over seeded pages that each carry a unique marker.

Who may read what (docs/architecture.md, permissions.can): visitors read public published text only;
members (volunteer and up) also read members-only and internal pages, pending revisions, pending
titles and tags, and pages never published; only facilitators read deleted pages. No answer may carry
a marker its reader may not see, and none may be a 5xx. A visitor asking for a page they may not see
gets the answer a missing page gets. New GET rules are walked on their own; a rule with an argument
nobody knows how to fill fails the walk until ARGUMENTS learns it."""

import io
import re
import zipfile
from html import escape
from urllib.parse import quote

import pytest

from app.extensions import db
from app.models import User
from app.wiki import editing, pages
from app.wiki.attachments.uploads import add_attachment
from tests.conftest import login_as

ROLES = ("visitor", "volunteer", "facilitator")
RANK = {role: n for n, role in enumerate(ROLES)}
# marker -> the least role that may read it (markers never contain one another)
MARKERS = {
    "QZPUBLIC": "visitor", "QZPUBTAG": "visitor",
    "QZPENDBODY": "volunteer", "QZPENDSUM": "volunteer", "QZPENDTAG": "volunteer", "QZRENAMED": "volunteer",
    "QZMEMBERS": "volunteer", "QZMEMTAG": "volunteer", "QZINTERNAL": "volunteer",
    "QZDRAFT": "volunteer", "QZDRAFTTITLE": "volunteer",
    "QZDELETED": "facilitator", "QZDELTAG": "facilitator", "QZDELTITLE": "facilitator",
}
MISSING = "zz-absente"


def seed(app):
    """The pages of the walk, written through the domain as their authors would."""
    with app.app_context():
        fanny = db.session.scalar(db.select(User).filter_by(name="Fanny"))
        victor = db.session.scalar(db.select(User).filter_by(name="Victor"))
        public = editing.create_page(title="Publique", body="Texte QZPUBLIC publié. Voir [[Réservée]].",
                                     tags="QZPUBTAG", author=fanny)
        editing.save_edit(public, title="Publique", body="Texte QZPUBLIC et QZPENDBODY. [[Brouillon]]",
                          summary="QZPENDSUM", tags="QZPUBTAG, QZPENDTAG", author=victor, base_revision=1)
        members = editing.create_page(title="Réservée", body="QZMEMBERS", tags="QZMEMTAG", author=fanny,
                                      visibility="members")
        editing.create_page(title="Interne", body="Note QZINTERNAL [[Publique]]", licence="internal",
                            licence_confirmed=True, author=fanny)
        editing.create_page(title="Brouillon QZDRAFTTITLE", slug="brouillon", body="QZDRAFT [[Publique]]",
                            author=victor)
        renamed = editing.create_page(title="Renommable", body="texte", author=fanny)
        editing.rename_page(renamed, title="Titre QZRENAMED", author=victor)
        gone = editing.create_page(title="Effacée QZDELTITLE", slug="effacee", body="QZDELETED [[Publique]]",
                                   tags="QZDELTAG", author=fanny)
        editing.delete_page(gone, author=fanny)
        # Files: a members-only page's, and an untrusted volunteer's on a public page (unreviewed).
        add_attachment(members, filename="note.txt", data=b"Fichier QZMEMBERS\n", uploader=fanny)
        add_attachment(public, filename="ajout.txt", data=b"Fichier QZPENDBODY\n", uploader=victor)
        add_attachment(public, filename="public.txt", data=b"Fichier QZPUBLIC\n", uploader=fanny)
        assert members.visibility == "members" and pages.find_page("interne")[0].visibility == "members"
        assert pages.find_page("renommable")[0].slug == "renommable"  # the rename waits for review
    return {"slug": ["publique", "reservee", "interne", "brouillon", "renommable", "effacee", MISSING],
            "number": [1, 2, 3], "tag": ["qzpubtag", "qzpendtag", "qzmemtag", "qzdeltag", "inconnue"],
            "token": ["pas-une-invitation"],
            "filename": ["note.txt", "ajout.txt", "public.txt", "absent.txt"], "rest": ["inconnue", "pages/reservee/autre"]}


# Extra query strings per endpoint (each URL is also walked without one).
QUERIES = {
    "pages.diff": ["from=1&to=2", "from=2&to=1"],
    "pages.edit": ["section=1"],
    "pages.index": ["page=1", "page=2", "page=abc"],
    "pages.new": ["title=QZ essai"],
    "review.queue": ["page=2"],
    "search.results": [f"q={m.lower()}" for m in MARKERS] + [f"q={m.lower()[:-1]}x" for m in MARKERS]
    + [f"tag={m.lower()}" for m in MARKERS if "TAG" in m] + ["q=texte", "q=publique", "q=note"],
    "search.suggest": ["q=qz", "q=brouillon", "q=titre", "q=effac", "q=reserv", "q=intern"],
}
SKIPPED = {"static"}


def get_rules(app):
    return [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in SKIPPED]


def urls_of(rule, arguments):
    """Every URL of a rule with its arguments filled from the seeded values, with the extra queries."""
    missing = set(rule.arguments) - arguments.keys()
    assert not missing, f"{rule.rule}: no filler for {sorted(missing)}: add it to the walk's seed()"
    combos = [{}]
    for name in sorted(rule.arguments):
        combos = [{**c, name: value} for c in combos for value in arguments[name]]
    for values in combos:
        path = rule.build(values, append_unknown=False)[1]
        yield path
        for query in QUERIES.get(rule.endpoint, []):
            yield f"{path}?{query}"


def body_of(response) -> str:
    """The answer's text; a zip (the export) is read file by file."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") + name for name in archive.namelist())
    return data.decode("utf-8", "replace")


def echoes(url: str) -> list[str]:
    """What an answer may repeat of its own URL (the slug as a title, the query typed in the box)."""
    path, _sep, query = url.partition("?")
    said = [part for part in path.split("/") if part] + [v for kv in query.split("&") for v in kv.split("=")[1:]]
    forms = set()
    for text in said:
        words = text.replace("-", " ")
        forms |= {text, words, words.capitalize(), quote(text), escape(text), quote(url, safe="/")}
    forms.add(url)
    return sorted(forms, key=len, reverse=True)


def leaked(role: str, url: str, text: str) -> list[str]:
    for echo in echoes(url):
        text = text.replace(echo, " ")
    lowered = text.lower()
    return [m for m, least in MARKERS.items() if RANK[role] < RANK[least] and m.lower() in lowered]


@pytest.fixture
def walkers(app, make_user):
    make_user("Fanny", role="facilitator")
    make_user("Victor", role="volunteer")
    arguments = seed(app)
    clients = {"visitor": app.test_client()}
    for role, name in (("volunteer", "Victor"), ("facilitator", "Fanny")):
        clients[role] = app.test_client()
        with app.app_context():
            user_id = db.session.scalar(db.select(User.id).filter_by(name=name))
        login_as(clients[role], user_id)
    return clients, arguments


def test_every_get_url_shows_each_reader_only_what_they_may_see(app, walkers):
    clients, arguments = walkers
    urls = sorted({url for rule in get_rules(app) for url in urls_of(rule, arguments)})
    problems, walked = [], 0
    for role, client in clients.items():
        for url in urls:
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, headers=headers)
                walked += 1
                if response.status_code >= 500:
                    problems.append(f"{role} {url} {headers}: {response.status_code}")
                elif found := leaked(role, url, body_of(response) + str(response.headers)):
                    problems.append(f"{role} {url} {headers}: shows {found}")
    print(f"visibility walk: {len(get_rules(app))} GET rules, {len(urls)} URLs x {len(clients)} roles "
          f"x 2 (plain, htmx) = {walked} requests")
    assert problems == [], '\n'.join(problems)
    assert len(urls) > 100


def test_a_visitor_gets_the_missing_page_answer_for_every_page_they_may_not_see(app, walkers):
    clients, _arguments = walkers
    visitor = clients["visitor"]
    hidden = ["reservee", "interne", "brouillon", "effacee"]
    rules = [r for r in get_rules(app) if set(r.arguments) in ({"slug"}, {"slug", "number"})]
    compared = 0
    for rule in rules:
        for headers in ({}, {"HX-Request": "true"}):
            values = {"number": 1} if "number" in rule.arguments else {}
            missing_url = rule.build({**values, "slug": MISSING}, append_unknown=False)[1]
            missing = visitor.get(missing_url, headers=headers)
            for slug in hidden:
                url = rule.build({**values, "slug": slug}, append_unknown=False)[1]
                answer = visitor.get(url, headers=headers)
                assert answer.status_code == missing.status_code, (url, headers)
                same = re.sub(re.escape(slug), MISSING, body_of(answer).replace(slug.capitalize(), "Zz absente"))
                assert same == body_of(missing), (url, headers)
                compared += 1
    print(f"unreadable = missing: {compared} comparisons over {len(rules)} rules")
