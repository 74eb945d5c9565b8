"""The members' path (app/web/members_path.py), what it leaves to Flask: every session, user, request
or page Flask would answer otherwise (each check has its case here, by the reason the path gives in
its environ), and the rules it shares with Flask-Login, Flask-WTF and Flask-HTMX."""

import re
import time

import pytest
from flask_login.utils import _create_identifier
from werkzeug.wrappers import Request

from app.extensions import db, htmx
from app.models import User
from app.web import members_path
from app.web.htmx import wants_fragment
from app.web.members_path import MembersPath, session_identifier
from tests.web.test_fast_paths import flask_requests, save  # noqa: F401  (flask_requests: a fixture)
from tests.web.test_members_path import (ANSWERED, changed, session_of, stored_twice, taken, vera,  # noqa: F401
                                         without_token)
from tests.web.test_shared_views import drop_process_cache


def user_row(app, **values) -> None:
    with app.app_context():
        db.session.execute(db.update(User).where(User.name == "Vera").values(**values))
        db.session.commit()


REFUSALS = {
    "tampered cookie": (lambda c: c.set_cookie("session", c.get_cookie("session").value[:-2] + "xx"),
                        "bad session cookie"),
    "no cookie but a remember cookie": (lambda c: (c.delete_cookie("session"), c.set_cookie("remember_token", "1|x")),
                                        "no session"),
    "flashes pending": (lambda c: changed(c, _flashes=[["success", "Bravo"]]), "flashes pending"),
    "permanent session": (lambda c: changed(c, _permanent=True), "cookies would be set"),
    "remember operation": (lambda c: changed(c, _remember="set"), "cookies would be set"),
    "no csrf token": (lambda c: changed(c, csrf_token=None), "no CSRF token"),
    "csrf token not text": (lambda c: changed(c, csrf_token=12), "no CSRF token"),
    "no user": (lambda c: changed(c, _user_id=None), "no user id"),
    "user id without version": (lambda c: changed(c, _user_id=session_of(c)["_user_id"].split(":")[0]),
                                "no user id"),
    "user id not ascii digits": (lambda c: changed(c, _user_id="２:1"), "no user id"),
    "version not digits": (lambda c: changed(c, _user_id=session_of(c)["_user_id"].split(":")[0] + ":x"),
                           "no user id"),
    "unknown user": (lambda c: changed(c, _user_id="999:1"), "no such user, deactivated or signed out"),
    "other session version": (lambda c: changed(c, _user_id=session_of(c)["_user_id"].split(":")[0] + ":7"),
                              "no such user, deactivated or signed out"),
    "no identifier": (lambda c: changed(c, _id=None), "session protection"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_sessions_flask_would_answer_otherwise_go_to_flask(app, vera, taken, flask_requests, case):
    tamper, reason = REFUSALS[case]
    tamper(vera)
    reached = len(flask_requests)
    answer = vera.get("/wiki/guide")
    assert taken[-1] == reason and len(flask_requests) == reached + 1
    assert answer.status_code == 200


def test_a_user_id_flask_login_cannot_read_goes_to_flask(vera, taken):
    changed(vera, _user_id=2)
    with pytest.raises(AttributeError) as failure:  # Flask fails on it (app.web.actors.load_user)
        vera.get("/wiki/guide")
    assert any(entry.path.name == "actors.py" for entry in failure.traceback)


def test_a_user_signed_out_everywhere_or_deactivated_goes_to_flask_and_is_a_visitor(app, vera, taken):
    user_row(app, session_version=2)
    view = vera.get("/wiki/guide").get_data(as_text=True)
    assert taken[-1] == "no such user, deactivated or signed out" and "Vera" not in view.split("<main", 1)[0]
    user_row(app, session_version=1, active=False)
    view = vera.get("/wiki/guide").get_data(as_text=True)
    assert taken[-1] == "no such user, deactivated or signed out" and "Vera" not in view.split("<main", 1)[0]
    user_row(app, active=True)
    stored_twice(vera)
    assert taken[-1] == ANSWERED


def test_a_role_that_is_no_member_s_goes_to_flask(app, vera, taken):
    user_row(app, role="visitor")
    view = vera.get("/wiki/guide").get_data(as_text=True)
    assert taken[-1] == "not a member" and "Supprimer" not in view


def test_session_protection_compares_the_client_s_identifier(app, vera, taken):
    vera.get("/wiki/guide", headers={"User-Agent": "Another browser"})
    assert taken[-1] == "session protection"
    vera.get("/wiki/guide", headers={"X-Forwarded-For": "10.0.0.9"})
    assert taken[-1] == "session protection"
    app.config["SESSION_PROTECTION"] = None
    vera.get("/wiki/guide", headers={"User-Agent": "Another browser"})
    assert taken[-1] == ANSWERED
    app.config["SESSION_PROTECTION"] = "strong"
    vera.get("/wiki/guide")
    assert taken[-1] == ANSWERED
    vera.get("/wiki/guide", headers={"User-Agent": "Another browser"})  # (Flask then clears the session)
    assert taken[-1] == "session protection"


@pytest.mark.parametrize("headers", [{}, {"User-Agent": "Mozilla/5.0 (é)"}, {"X-Forwarded-For": "10.0.0.1, 10.0.0.2"},
                                     {"X-Forwarded-For": " 10.0.0.3 ", "User-Agent": ""}])
def test_the_session_identifier_is_flask_login_s(app, headers):
    with app.test_request_context("/wiki/guide", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.7"}) as ctx:
        assert session_identifier(Request(ctx.request.environ)) == _create_identifier()


@pytest.mark.parametrize("url, options, reason", [
    ("/wiki/guide?x=1", {}, "not a plain GET"),
    ("/wiki/guide", {"method": "HEAD"}, "not a plain GET"),
    ("/wiki/guide", {"headers": {"Authorization": "Bearer x"}}, "conditional or authorization header"),
    ("/wiki/guide", {"headers": {"If-Modified-Since": "Wed, 01 Jan 2025 00:00:00 GMT"}},
     "conditional or authorization header"),
    ("/wiki/guide", {"headers": {"Range": "bytes=0-10"}}, "conditional or authorization header"),
    ("/wiki/Guide", {}, "not a page"),
    ("/wiki/guide/history", {}, "not a page"),
    ("/wiki/", {}, "not a page"),
    ("/", {}, "not a page"),
    ("/wiki/absente", {}, "no page a member may read"),
])
def test_requests_the_members_path_leaves_to_flask(vera, taken, url, options, reason):
    vera.open(url, **options)
    assert taken[-1] == reason


def test_a_conditional_request_gets_flask_s_304(vera, taken):
    etag = vera.get("/wiki/guide").headers["ETag"]
    assert taken[-1] == ANSWERED
    assert vera.get("/wiki/guide", headers={"If-None-Match": etag}).status_code == 304
    assert taken[-1] == "conditional or authorization header"


def test_trusted_hosts_go_to_flask(app, vera, taken):
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    assert vera.get("/wiki/guide").status_code == 200
    assert taken[-1] == "trusted hosts"


def test_deleted_pending_and_unstored_pages_go_to_flask(app, client_as, vera, taken):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "perime", "Bientôt effacé.")
    stored_twice(vera, "/wiki/perime")
    assert taken[-1] == ANSWERED
    assert fiona.post("/wiki/perime/delete").status_code in (200, 303)
    fiona.get("/")  # the confirmation
    assert vera.get("/wiki/perime").status_code == 404 and taken[-1] == "no page a member may read"
    fiona.get("/wiki/perime")  # a facilitator's view of a deleted page: Flask's
    assert taken[-1] == "no page a member may read"
    nina = client_as("volunteer", name="Nina")
    save(nina, "guide", "Proposition SECRET-PENDING.", base="1")  # a head waiting for review: each member's own
    for _ in range(2):
        own = nina.get("/wiki/guide").get_data(as_text=True)
        assert "Retirer ma modification" in own and taken[-1] == "the member's own view"
        other = vera.get("/wiki/guide").get_data(as_text=True)
        assert "SECRET-PENDING" in other and "Retirer ma modification" not in other
        assert taken[-1] == "the member's own view"
    drop_process_cache(app)
    save(fiona, "neuve", "Jamais vue.")
    vera.get("/wiki/neuve")
    assert taken[-1] == "not stored"


def test_a_reviewer_s_view_waits_for_this_process_s_review_count(app, client_as, taken):
    fiona = client_as("facilitator", name="Fiona")
    save(fiona, "guide", "Du texte.")
    save(fiona, "autre", "Une autre page.")
    fiona.get("/wiki/guide")
    fiona.get("/wiki/guide")
    assert taken[-1] == ANSWERED
    app.extensions["gare_caches"]["review_counts"].clear()
    fiona.get("/wiki/guide")
    assert taken[-1] == "review count not counted yet"
    nina = client_as("volunteer", name="Nina")
    save(nina, "autre", "Une proposition.", base="1")
    for _ in range(2):
        header = fiona.get("/wiki/guide").get_data(as_text=True).split("<main", 1)[0]
        assert ">1</span>" in header.split('href="/review"', 1)[1].split("</a>", 1)[0]
    assert taken[-1] == ANSWERED


def test_a_database_error_goes_to_flask(app, vera, taken, monkeypatch):
    import sqlalchemy as sa

    def failing(*args):
        raise sa.exc.OperationalError("SELECT", {}, Exception("gone"))

    monkeypatch.setattr(members_path.fast_reads, "member_page_state", failing)
    assert vera.get("/wiki/guide").status_code == 200 and taken[-1] == "database error"


def test_another_user_loader_or_protection_rule_goes_to_flask(app, vera, taken, monkeypatch):
    monkeypatch.setattr(app.login_manager, "_session_identifier_generator", lambda: "x")
    vera.get("/wiki/guide")
    assert taken[-1] == "session protection"
    monkeypatch.undo()
    monkeypatch.setattr(app.login_manager, "_user_callback", lambda user_id: None)
    vera.get("/wiki/guide")
    assert taken[-1] == "another user loader"


def test_the_fragment_rule_is_flask_htmx_s(app):
    for headers in ({}, {"HX-Request": "true"}, {"HX-Request": "true", "HX-Boosted": "true"},
                    {"HX-Request": "true", "HX-History-Restore-Request": "true"}, {"HX-Request": "1"}):
        with app.test_request_context("/", headers=headers) as ctx:
            expected = bool(htmx) and not htmx.boosted and not htmx.history_restore_request
            assert wants_fragment() == expected == wants_fragment(Request(ctx.request.environ).headers)


def test_token_and_name_placeholders_cannot_be_forged_by_page_text(vera, editor, taken):
    marks = re.findall(r"(?:csrf|name)-[0-9a-f]{32}", vera.get("/wiki/guide").get_data(as_text=True))
    assert marks == [] and taken[-1] == ANSWERED


def test_an_expired_session_cookie_goes_to_flask_remembered_or_not(app, vera, taken, monkeypatch):
    vera.get("/wiki/guide")
    assert taken[-1] == ANSWERED  # its cookie is now remembered by the path
    now = time.time()
    later = now + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    for _ in range(2):  # remembered, then as a process that never saw it would
        view = vera.get("/wiki/guide").get_data(as_text=True)
        assert taken[-1] == "bad session cookie" and "Vera" not in view.split("<main", 1)[0]
        members_path_of(app).cookies.clear()
    earlier = now - 3600
    monkeypatch.setattr(time, "time", lambda: earlier)  # signed "in the future": itsdangerous refuses it too
    vera.get("/wiki/guide")
    assert taken[-1] == "bad session cookie"


def members_path_of(app) -> MembersPath:
    found = app.wsgi_app
    while not isinstance(found, MembersPath):
        found = found.__closure__[0].cell_contents if hasattr(found, "__closure__") and found.__closure__ else None
    return found


def test_a_remember_cookie_refreshed_on_each_request_goes_to_flask(app, vera, taken):
    app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = True
    vera.get("/wiki/guide")
    assert taken[-1] == "cookies would be set"


def test_the_token_follows_flask_wtf_s_secret_setting(app, vera, taken):
    from itsdangerous import URLSafeTimedSerializer

    raw = session_of(vera)["csrf_token"]
    app.config["WTF_CSRF_SECRET_KEY"] = "a-secret-for-forms"
    path = members_path_of(app)
    path.tokens, path.signed_tokens = None, {}  # (as a process started with that setting)
    token = without_token(vera.get("/wiki/guide"))[1]
    assert taken[-1] == ANSWERED
    assert URLSafeTimedSerializer("a-secret-for-forms", salt="wtf-csrf-token").loads(token) == raw
    with app.test_request_context("/"):
        from flask import session
        from flask_wtf.csrf import validate_csrf

        session["csrf_token"] = raw
        validate_csrf(token)  # raises if Flask-WTF would refuse it
