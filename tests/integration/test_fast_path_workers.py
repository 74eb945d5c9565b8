"""The visitors' fast path across processes: two gunicorn servers (two "machines": each its own
instance folder, so its own stored answers) with two workers each, on one database. A visitor's
stored view is never stale after an edit made through the other server, never shows pending or
members-only text, and a signed-in member never gets it."""

import shutil
from types import SimpleNamespace

from app.extensions import db
from app.models import User
from app.wiki import editing
from tests.integration.served import Browser, Server, form_fields, served_wiki, shows_text

__all__ = ["served_wiki"]  # the fixture, imported for pytest

SLUG = "guide-du-benevole"
VIEWS = 8  # enough that both workers of a server answer (and store) the page


def other_machine(wiki) -> Server:
    """A second server on the same database with its own instance folder (another machine)."""
    instance = wiki.tmp_path / "other-machine"
    instance.mkdir()
    shutil.copy(wiki.instance / "config.py", instance / "config.py")
    machine = SimpleNamespace(instance=instance, database=wiki.database, secret=wiki.secret, tmp_path=wiki.tmp_path)
    server = Server(machine, 2)
    wiki.servers.append(server)
    server.start()
    return server


def save(browser: Browser, slug: str, body: str) -> None:
    form = form_fields(browser.get(f"/wiki/{slug}/edit").text, f"/wiki/{slug}/edit")
    form["body"] = body
    answer = browser.post(f"/wiki/{slug}/edit", form)
    assert answer.status == 303, answer.status
    browser.follow(answer)


def visitor_views(server: Server, slug: str = SLUG) -> list:
    visitor = Browser(server.base)
    answers = [visitor.get(f"/wiki/{slug}") for _ in range(VIEWS)]
    assert not visitor.cookies, "a visitor's page view must not start a session"
    return answers


def create_the_guide(wiki) -> None:
    """The page both machines serve, written by the admin straight into the shared database."""
    with wiki.app.app_context():
        admin = db.session.scalar(db.select(User).where(User.name == "Admin Gare"))
        editing.create_page(title="Guide du bénévole", body="Première version du guide.", author=admin, slug=SLUG)
        db.session.remove()


def test_a_visitor_s_stored_view_follows_edits_made_on_another_machine(served_wiki):
    wiki = served_wiki
    create_the_guide(wiki)
    wiki.add_user("Fanny Facilite", role="facilitator")
    wiki.add_user("Nina Nouvelle")
    here, there = wiki.serve(workers=2), other_machine(wiki)
    for server in (here, there):
        assert all(shows_text(a.text, "Première version du guide.") for a in visitor_views(server))

    facilitator = Browser(there.base)
    facilitator.sign_in("Fanny Facilite")
    save(facilitator, SLUG, "Deuxième version, écrite ailleurs.")
    for answer in visitor_views(here):  # the very next views, on every worker of the other machine
        assert answer.status == 200 and shows_text(answer.text, "Deuxième version, écrite ailleurs.")
        assert "Première version du guide." not in answer.text

    newcomer = Browser(here.base)
    newcomer.sign_in("Nina Nouvelle")
    save(newcomer, SLUG, "Texte en attente PENDING-MARK.")
    for server in (here, there):
        for answer in visitor_views(server):
            assert "PENDING-MARK" not in answer.text and shows_text(answer.text, "Deuxième version, écrite ailleurs.")
    member_view = newcomer.get(f"/wiki/{SLUG}").text  # a member sees the head, never the visitors' answer
    assert "PENDING-MARK" in member_view and "Nina Nouvelle" in member_view

    form = form_fields(facilitator.get(f"/wiki/{SLUG}").text, f"/wiki/{SLUG}/visibility")
    form["visibility"] = "members"
    assert facilitator.post(f"/wiki/{SLUG}/visibility", form).status in (200, 303)
    for server in (here, there):
        for answer in visitor_views(server):
            assert answer.status == 404 and "Deuxième version" not in answer.text


def test_a_member_s_shared_view_follows_edits_made_on_another_machine(served_wiki):
    """Members' views are shared by role in each machine's store (app.pages.view_cache): two
    facilitators on one machine get one rendering, each with their own name, and an edit through the
    other machine shows at once on every worker."""
    wiki = served_wiki
    create_the_guide(wiki)
    wiki.add_user("Fanny Facilite", role="facilitator")
    wiki.add_user("Fabien Facile", role="facilitator")
    here, there = wiki.serve(workers=2), other_machine(wiki)
    fanny, fabien = Browser(here.base), Browser(here.base)
    fanny.sign_in("Fanny Facilite")
    fabien.sign_in("Fabien Facile")
    for _ in range(VIEWS):
        for member, name, other in ((fanny, "Fanny Facilite", "Fabien Facile"),
                                    (fabien, "Fabien Facile", "Fanny Facilite")):
            answer = member.get(f"/wiki/{SLUG}")
            header = answer.text.split("<main", 1)[0]
            assert answer.status == 200 and shows_text(answer.text, "Première version du guide.")
            assert name in header and other not in header
    remote = Browser(there.base)
    remote.sign_in("Fanny Facilite")
    save(remote, SLUG, "Deuxième version, écrite ailleurs.")
    for _ in range(VIEWS):  # the very next views, on every worker of the other machine
        for member in (fanny, fabien):
            answer = member.get(f"/wiki/{SLUG}")
            assert shows_text(answer.text, "Deuxième version, écrite ailleurs.")
            assert "Première version du guide." not in answer.text
    for answer in visitor_views(here):  # the visitors' answers never came from a member's
        assert "Fanny Facilite" not in answer.text.split("<main", 1)[0] and 'name="csrf_token"' not in answer.text


def test_the_members_path_across_workers_keeps_tokens_valid_and_sign_outs_at_once(served_wiki):
    """The members' path (app/web/members_path.py) in gunicorn's forked workers: a member's repeated
    views are the same bytes but the CSRF token, start no new cookie, carry a token the app accepts,
    and signing out everywhere (from another browser) reaches every worker's next answer at once."""
    wiki = served_wiki
    create_the_guide(wiki)
    wiki.add_user("Fanny Facilite", role="facilitator")
    here = wiki.serve(workers=2)
    fanny, elsewhere = Browser(here.base), Browser(here.base)
    fanny.sign_in("Fanny Facilite")
    elsewhere.sign_in("Fanny Facilite")
    cookie = dict(fanny.cookies)
    answers = [fanny.get(f"/wiki/{SLUG}") for _ in range(VIEWS)]
    tokens = [form_fields(a.text, f"/wiki/{SLUG}/protect")["csrf_token"] for a in answers]
    bodies = {a.text.replace(token, "TOKEN") for a, token in zip(answers, tokens)}
    assert len(bodies) == 1 and fanny.cookies == cookie and all(a.status == 200 for a in answers)
    assert all("Set-Cookie" not in a.headers for a in answers[1:])
    form = form_fields(answers[-1].text, f"/wiki/{SLUG}/protect")
    assert fanny.post(f"/wiki/{SLUG}/protect", form).status == 303
    form = form_fields(elsewhere.get(f"/wiki/{SLUG}").text, "/logout")
    assert elsewhere.post("/logout", form).status == 303
    for _ in range(VIEWS):
        answer = fanny.get(f"/wiki/{SLUG}")
        assert answer.status == 200 and "Fanny Facilite" not in answer.text.split("<main", 1)[0]
