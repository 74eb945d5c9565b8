"""RGAA checks that axe cannot make (issue 14, docs/accessibility.md), on every full HTML page the wiki
answers: every GET URL of the url_map (the visibility walk's seeded pages and fillers), as visitor,
volunteer and facilitator, in French and in English, plus the pages that need a live invitation.

Per page: <html lang> is the reader's language, and the language switch marks its other-language
names; the <title> says what the page is (not just the site's name) and two different pages never
share one; every link and button has a name, and no link is only "ici", "cliquez ici", "lire la
suite"...; every field of every form has a label (label for/around, aria-label or aria-labelledby
pointing at text); one <h1>, headings that skip no level going down; every <img> has an alt, every
<svg> is hidden or named; no id twice; flashed messages are in the live region with a status role.
The pages are parsed with html5lib (as a browser would), through the Flask test client."""

import re
from collections import defaultdict

import html5lib
import pytest

from app.extensions import db
from app.models import User
from app.wiki import accounts
from app.wiki.rendering import render_markdown, with_section_links
from app.wiki.welcome import PRESENTATION_SLUG
from tests.conftest import csrf_token_from, login_as
from tests.web.test_visibility_walk import get_rules, urls_of, walkers  # noqa: F401 (a fixture)

SITE = "Gare centrale"
MEANINGLESS = {
    "ici", "cliquez ici", "cliquer ici", "lire la suite", "la suite", "suite", "en savoir plus", "plus", "voir",
    "lien", "cette page", "page", "→", "»", "...", "…",
    "here", "click here", "read more", "more", "see", "link", "this page",
}
FIELD_TYPES_WITHOUT_LABEL = {"hidden", "submit", "button", "reset", "image"}
PER_ENDPOINT = 8  # URLs parsed per endpoint and reader, spread over its fillers (search alone has dozens)
FORMS = {"pages.edit", "pages.new", "pages.rename", "pages.tags", "pages.history", "auth.login", "auth.join",
         "auth.welcome_page", "auth.invitations", "api.account", "attachments.index", "search.results", "review.queue",
         "operations.first_admin", "admin.users"}
SAME_PAGE = {"following.page_button": "pages.show"}  # without JavaScript, the follow button's page is the page


def parse(html: str):
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def text_of(element) -> str:
    """The text a screen reader reads for an element: its text, images' alt, minus aria-hidden parts."""
    if element.get("aria-hidden") == "true":
        return ""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "img":
            parts.append(child.get("alt") or "")
        elif child.tag not in ("script", "style", "template"):
            parts.append(text_of(child))
        parts.append(child.tail or "")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def accessible_name(element, by_id) -> str:
    if element.get("aria-labelledby"):
        return " ".join(text_of(by_id[i]) for i in element.get("aria-labelledby").split() if i in by_id).strip()
    return (element.get("aria-label") or "").strip() or text_of(element) or (element.get("title") or "").strip()


def problems_of(html: str, language: str) -> tuple[str, list[str]]:
    """The page's title and what is wrong with it."""
    root = parse(html)
    found = []
    by_id, seen = {}, defaultdict(int)
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id"):
            by_id[element.get("id")] = element
            seen[element.get("id")] += 1
    found += [f"id {name!r} used {count} times" for name, count in seen.items() if count > 1]
    parent = {child: element for element in root.iter() for child in element}
    for element in root.iter():  # references between elements (label's for is checked with the fields)
        for attribute in ("aria-describedby", "aria-labelledby", "aria-controls", "list"):
            missing = [i for i in (element.get(attribute) or "").split() if i not in by_id]
            if missing and isinstance(element.tag, str):
                found.append(f"<{element.tag} {attribute}> names no element: {missing}")

    # language of the page and of the passages in another language
    if root.get("lang") != language:
        found.append(f"<html lang={root.get('lang')!r}>, the reader's language is {language}")
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("lang") is not None \
                and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", element.get("lang")):
            found.append(f"<{element.tag} lang={element.get('lang')!r}> is not a language code")
    for button in root.iter("button"):
        name = text_of(button)
        if name in ("Français", "English") and button.get("lang") != {"Français": "fr", "English": "en"}[name]:
            found.append(f"the language switch {name!r} has no lang")

    # the page's title
    title = text_of(root.find("head/title")) if root.find("head/title") is not None else ""
    if not title or title in (SITE, f"{SITE} · {SITE}") or not title.endswith(f" · {SITE}"):
        found.append(f"title {title!r} does not say what the page is")

    # links and buttons
    for link in root.iter("a"):
        if link.get("href") is None:
            continue
        name = accessible_name(link, by_id)
        if not name:
            found.append(f"link to {link.get('href')} has no text")
        elif name.lower().strip(" .:!…") in MEANINGLESS and not (link.get("aria-label") or link.get("aria-describedby")):
            found.append(f"link text {name!r} (to {link.get('href')}) means nothing on its own")
    for button in root.iter("button"):
        if not accessible_name(button, by_id):
            found.append(f"button {button.get('name') or button.get('class')} has no name")
    for summary in root.iter("summary"):
        if not text_of(summary):
            found.append("a <summary> has no text")

    # form fields
    labelled = {label.get("for") for label in root.iter("label") if label.get("for") and text_of(label)}
    for label in root.iter("label"):
        if label.get("for") and label.get("for") not in by_id:
            found.append(f"<label for={label.get('for')!r}> points at no element")
    for field in [*root.iter("input"), *root.iter("select"), *root.iter("textarea")]:
        if field.tag == "input" and (field.get("type") or "text").lower() in FIELD_TYPES_WITHOUT_LABEL:
            continue
        ancestor, wrapped = parent.get(field), False
        while ancestor is not None:
            wrapped = wrapped or (ancestor.tag == "label" and bool(text_of(ancestor)))
            ancestor = parent.get(ancestor)
        named = (field.get("id") in labelled or wrapped or (field.get("aria-label") or "").strip()
                 or (field.get("aria-labelledby") and accessible_name(field, by_id)))
        if not named:
            found.append(f"<{field.tag} name={field.get('name')!r}> has no label")

    # headings
    levels = [(int(element.tag[1]), text_of(element)) for element in root.iter()
              if isinstance(element.tag, str) and re.fullmatch(r"h[1-6]", element.tag)]
    if [level for level, _text in levels].count(1) != 1:
        found.append(f"{[level for level, _text in levels].count(1)} <h1> (one is wanted)")
    found += [f"empty <h{level}>" for level, text in levels if not text]
    for (before, _a), (after, text) in zip(levels, levels[1:]):
        if after > before + 1:
            found.append(f"<h{after}> {text!r} comes after an <h{before}>")

    # images and icons
    found += [f"<img src={image.get('src')!r}> has no alt" for image in root.iter("img") if image.get("alt") is None]
    for svg in root.iter("{http://www.w3.org/2000/svg}svg"):  # html5lib puts it in the SVG namespace
        if svg.get("aria-hidden") != "true" and not (svg.get("role") == "img" and accessible_name(svg, by_id)):
            found.append("an <svg> is neither hidden nor named")

    # status messages: in the live region, with a role
    messages = by_id.get("messages")
    standalone = not any(e.get("class") == "site-header" for e in root.iter("header"))  # the agenda's embed
    if standalone:
        pass
    elif messages is None or messages.get("aria-live") != "polite":
        found.append("no #messages live region")
    else:
        found += [f"message {text_of(p)!r} has no status or alert role"
                  for p in messages.iter("p") if p.get("role") not in ("status", "alert")]
    return title, found


def full_pages(client, urls, language):
    """(url, endpoint, html) of the answers that are whole HTML pages."""
    for endpoint, url in urls:
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            if "<html" in html[:200]:
                yield url, endpoint, html


@pytest.fixture
def readers(app, walkers, make_user):  # noqa: F811
    """The walk's three readers, the URLs to check (at most PER_ENDPOINT per endpoint), and a live
    invitation (the join form) and a newcomer (the welcome page, shown until a first edit)."""
    clients, arguments = walkers
    newcomer = app.test_client()
    login_as(newcomer, make_user("Nina Nouvelle"))
    clients = {**clients, "newcomer": newcomer}
    urls = []
    for rule in sorted(get_rules(app), key=lambda r: r.rule):
        every = sorted(set(urls_of(rule, arguments)))
        urls += [(rule.endpoint, url) for url in every[::max(1, len(every) // PER_ENDPOINT)]]
    with app.app_context():
        fanny = db.session.scalar(db.select(User).filter_by(name="Fanny"))
        _invitation, token = accounts.create_invitation(created_by=fanny, max_uses=5)
        db.session.commit()
    urls.append(("auth.join", f"/join/{token}"))
    return clients, urls, token


def walked(role, urls):
    """The newcomer only looks at the welcome page; the others at every URL."""
    guided = ("pages.edit", f"/wiki/{PRESENTATION_SLUG}/edit?guide=1")
    return [(e, u) for e, u in urls if e == "auth.welcome_page"] + [guided] if role == "newcomer" else urls


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_meets_the_rgaa_checks_axe_cannot_make(app, readers, language):
    clients, urls, _token = readers
    for role, client in clients.items():
        if role == "visitor":
            client.set_cookie("lang", language)
        else:
            token = csrf_token_from(client.get("/").get_data(as_text=True))
            assert client.post("/language", data={"code": language, "next": "/", "csrf_token": token}).status_code == 303
    problems, titles, checked, endpoints = [], defaultdict(set), 0, set()
    for role, client in clients.items():
        for url, endpoint, html in full_pages(client, walked(role, urls), language):
            checked += 1
            endpoints.add(endpoint)
            title, found = problems_of(html, language)
            titles[title].add(SAME_PAGE.get(endpoint, endpoint))
            problems += [f"{role} {url}: {problem}" for problem in found]
    # two different pages never share a title (the same page for two readers, or page 1 and 2 of a list, may)
    shared = {title: sorted(endpoints) for title, endpoints in titles.items() if len(endpoints) > 1}
    print(f"RGAA walk ({language}): {checked} full pages of {len({e for e, _u in urls})} endpoints, "
          f"{len(titles)} distinct titles")
    assert problems == [], "\n".join(sorted(set(problems)))
    assert shared == {}, "\n".join(f"{t}: {e}" for t, e in shared.items())
    assert checked > 100
    # the forms of the issue were among them: editor, sign-in, join, welcome, account, upload, search, review
    assert FORMS <= endpoints, FORMS - endpoints


def test_flashed_messages_come_back_in_the_live_region_after_an_in_place_save(app, editor):
    """The saved notice reaches screen readers after an htmx save: the article's answer carries the
    #messages region out of band, and the message has role=status."""
    slug = "annonce-vocale"
    data = {"title": "Annonce vocale", "body": "Bonjour.", "summary": "", "base_revision": ""}
    assert editor.post(f"/wiki/{slug}/edit", data=data).status_code == 303
    editor.get(f"/wiki/{slug}")  # its notice shown
    answer = editor.post(f"/wiki/{slug}/edit", data={**data, "body": "Bonjour à tous.", "base_revision": "1"},
                         headers={"HX-Request": "true"})
    assert answer.status_code == 303
    fragment = editor.get(answer.headers["Location"], headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment
    root = parse(f"<body>{fragment}</body>")
    region = next(e for e in root.iter("div") if e.get("id") == "messages")
    assert region.get("hx-swap-oob") == "innerHTML"
    assert [p.get("role") for p in region.iter("p")] == ["status"]
    # and the page's region that receives it is polite
    page = parse(editor.get(f"/wiki/{slug}").get_data(as_text=True))
    assert next(e for e in page.iter("div") if e.get("id") == "messages").get("aria-live") == "polite"


def test_authors_can_mark_a_passage_in_another_language(ctx):
    """RGAA 8.7: a quotation or a name in another language can carry lang (and nothing else)."""
    html = str(render_markdown('Leur devise : <span lang="en">Think global, act local</span>.\n\n'
                               '<p lang="de-AT" onclick="x()">Grüß Gott</p>\n\n<span lang="en onload=x">a</span>'))
    assert '<span lang="en">Think global, act local</span>' in html
    assert '<p lang="de-AT">Grüß Gott</p>' in html
    assert "onclick" not in html and "onload" not in html and 'lang="en onload' not in html


def test_the_checks_find_what_they_look_for():
    """Each check fires on a page built to fail it (so a green walk means something)."""
    bad = f"""<!doctype html><html lang="en"><head><title>{SITE}</title></head><body>
      <header class="site-header"></header><main><div id="messages" aria-live="polite"><p>Enregistré.</p></div>
      <h2>Avant le titre</h2><h1>Un</h1><h1>Deux</h1><h4>Saut</h4><h3></h3>
      <a href="/x">cliquez ici</a> <a href="/y">Lire la suite…</a> <a href="/z"><svg></svg></a>
      <a href="/ok" aria-label="Lire la suite de « Accueil »">Lire la suite</a>
      <button></button><button lang="">Français</button><summary></summary>
      <form><input name="q"><input type="checkbox" name="c" id="c"><label for="c"></label>
        <label for="nowhere">Perdu</label><select name="s"></select><textarea name="t" title="Texte"></textarea>
        <label>Nom <input name="ok"></label><input name="ok2" aria-label="Rechercher"><input type="hidden" name="h">
        <input name="ok3" aria-label="Date" aria-describedby="d absent">
      </form><img src="a.png"><p id="d"></p><p id="d"></p><span lang="english">x</span></main></body></html>"""
    title, found = problems_of(bad, "fr")
    text = "\n".join(found)
    for expected in ["lang='en'>, the reader's language is fr", "title 'Gare centrale'", "'cliquez ici'",
                     "'Lire la suite…'", "link to /z has no text", "an <svg> is neither", "button None has no name",
                     "'Français' has no lang", "a <summary> has no text", "<input name='q'> has no label",
                     "<input name='c'> has no label", "for='nowhere'> points at no element",
                     "<select name='s'> has no label", "<textarea name='t'> has no label", "2 <h1>",
                     "<h4> 'Saut' comes after an <h1>", "empty <h3>", "has no alt", "id 'd' used 2 times",
                     "'english'> is not a language code", "<input aria-describedby> names no element: ['absent']", "'Enregistré.' has no status or alert role"]:
        assert expected in text, expected
    for fine in ["'ok'", "'ok2'", "'h'", "/ok"]:
        assert fine not in text, fine


def test_the_guided_first_edit_is_read_with_the_text_field(client_as):
    """The first edit's three steps sit above the editor; a screen reader hears them with the text field."""
    newcomer = client_as("volunteer", name="Nadia Nouvelle")
    root = parse(newcomer.get(f"/wiki/{PRESENTATION_SLUG}/edit?guide=1").get_data(as_text=True))
    body = next(e for e in root.iter("textarea") if e.get("name") == "body")
    assert body.get("aria-describedby").split() == ["editor-guide", "body-hint"]
    assert any(e.get("id") == "editor-guide" for e in root.iter("div"))


def test_section_edit_links_name_their_section(ctx):
    """Each "modifier" beside a heading says which section, for screen readers' lists of links (RGAA 6.1)."""
    html = str(with_section_links(render_markdown("## Contacts & horaires\n\ntexte\n\n## Accès"), "/wiki/x/edit", "modifier"))
    assert '>modifier<span class="visually-hidden"> (Contacts &amp; horaires)</span></a>' in html
    assert '>modifier<span class="visually-hidden"> (Accès)</span></a>' in html
