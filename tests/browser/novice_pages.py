"""Every page type of the wiki, with the content each needs, for the layout and accessibility tests
of issue 14 (tests/browser/test_layout_widths.py, test_accessibility_pages.py), and axe-core from
tests/browser/vendor/axe.min.js (pinned, see its README)."""

from pathlib import Path

from app.extensions import db
from app.models import User
from app.wiki import accounts, editing, pages
from app.wiki.accounts import create_user, find_user

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
VOLUNTEER, PASSWORD = "Véronique Bénévole", "motdepasse"
SLUG = "guide-du-benevole-mise-en-page"
LONG_TITLE = "Guide du bénévole : accueillir, orienter et accompagner les nouvelles associations du quartier"


def prepare(live_app) -> dict:
    """A page with a long title, a table and two revisions (one pending by a volunteer), a tag,
    a volunteer, and an invitation link; returns what the URLs need."""
    with live_app.app_context():
        volunteer = find_user(VOLUNTEER) or create_user(name=VOLUNTEER, password=PASSWORD)
        page, _redirected = pages.find_page(SLUG)
        if page is None:
            body = ("Bienvenue dans l'association.\n\n## Avant de commencer\n\n- Lire la [[Charte]]\n"
                    "- Passer au local\n\n## Contacts\n\n| Rôle | Qui | Téléphone | Adresse électronique |\n"
                    "|---|---|---|---|\n| Accueil | Fanny | 01 23 45 67 89 | accueil.association@exemple.org |\n\n"
                    "Une adresse très longue : https://exemple.org/un/chemin/vraiment/tres/long/qui/ne/se/coupe/pas\n")
            page = editing.create_page(title=LONG_TITLE, body=body, author_label="test", publish_now=True,
                                       slug=SLUG, tags="accueil, bénévolat")
            policy = live_app.config["WIKI_MODERATION"]
            live_app.config["WIKI_MODERATION"] = "new_contributors"
            try:
                editing.save_edit(page, title=LONG_TITLE, body=body + "\nUne ligne ajoutée par une bénévole.",
                                  summary="une ligne de plus avec un résumé assez long pour remplir la colonne",
                                  author=db.session.get(User, volunteer.id), base_revision=page.head.number)
            finally:
                live_app.config["WIKI_MODERATION"] = policy
        fanny = find_user("Fanny")
        _invitation, token = accounts.create_invitation(created_by=db.session.get(User, fanny.id), max_uses=50)
        db.session.commit()
    return {"slug": SLUG, "token": token}


# name -> (path, who looks: "facilitator", "volunteer" or "visitor")
PAGE_TYPES = {
    "portal": ("/", "facilitator"),
    "page": ("/wiki/{slug}", "facilitator"),
    "page-visitor": ("/wiki/{slug}", "visitor"),
    "history": ("/wiki/{slug}/history", "facilitator"),
    "diff": ("/wiki/{slug}/diff?from=1&to=2", "facilitator"),
    "revision": ("/wiki/{slug}/revisions/1", "facilitator"),
    "editor": ("/wiki/{slug}/edit", "facilitator"),
    "editor-volunteer": ("/wiki/{slug}/edit", "volunteer"),
    "new-page": ("/new", "facilitator"),
    "rename": ("/wiki/{slug}/rename", "facilitator"),
    "links": ("/wiki/{slug}/links", "facilitator"),
    "credits": ("/wiki/{slug}/credits", "facilitator"),
    "all-pages": ("/wiki/", "facilitator"),
    "recent": ("/recent", "facilitator"),
    "search": ("/search?q=accueil", "facilitator"),
    "tags": ("/tags/", "facilitator"),
    "tag": ("/tags/accueil", "facilitator"),
    "agenda": ("/agenda", "facilitator"),
    "templates": ("/templates", "facilitator"),
    "licences": ("/licences", "facilitator"),
    "review": ("/review", "facilitator"),
    "invitations": ("/invitations", "facilitator"),
    "people": ("/admin/users", "facilitator"),
    "account": ("/account", "facilitator"),
    "api-guide": ("/api/", "visitor"),
    "sign-in": ("/login", "visitor"),
    "join": ("/join/{token}", "visitor"),
    "welcome": ("/welcome", "volunteer"),
    "missing": ("/wiki/page-qui-n-existe-pas", "facilitator"),
}


def sign_in_as(page, live_server: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{live_server}/")


def pages_for(browser, live_server: str, **context_args) -> dict:
    """One signed-in page per kind of reader."""
    opened = {}
    for who, name in (("facilitator", "Fanny"), ("volunteer", VOLUNTEER), ("visitor", None)):
        context = browser.new_context(locale="fr-FR", **context_args)
        page = context.new_page()
        if name:
            sign_in_as(page, live_server, name)
        opened[who] = page
    return opened


def run_axe(page) -> list[dict]:
    """axe-core's serious and critical violations on the page (the script is evaluated, so our CSP stands)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
