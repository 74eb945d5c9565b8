"""Signing in and joining while sixteen people edit (issue 17): the defect was 39 of 97 sign-ins
answering 503 during a 16-client edit run, because the password check hashed for ~170 ms inside a
stale deferred transaction that then had to write.

Here the editors of test_gunicorn_edits run through gunicorn's four workers while other people sign
in (with the production password hash, scrypt, not the cheap one the editors use), fail to sign in,
and join through an invitation. Every sign-in with the right password gets in, every wrong one is
refused with the form again (never a 5xx), every join makes exactly one account, and the editors
see no 5xx either."""

import threading
import time

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User
from app.wiki import accounts
from tests.integration.served import (PASSWORD, SHARED, Browser, consistency_problems, edited, form_fields, marker,
                                      own_slug, seed_pages, served_wiki)

__all__ = ["served_wiki"]  # the fixture, imported for pytest

EDITORS, EDITS_EACH = 16, 12  # at least; they go on until the last sign-in
SIGNERS, SIGN_INS_EACH = 4, 25  # 100 sign-ins, as many as the defect's 97
JOINERS = 6


class Seen:
    def __init__(self):
        self.lock = threading.Lock()
        self.sign_ins: list[int] = []
        self.refusals: list[int] = []
        self.joins: list[int] = []
        self.edit_statuses: list[int] = []
        self.problems: list[str] = []
        self.sign_in_times: list[float] = []
        self.save_times: list[float] = []
        self.signers_left = SIGNERS
        self.signing_done = threading.Event()

    def note(self, bucket: list[int], status: int, what: str) -> None:
        with self.lock:
            bucket.append(status)
            if status >= 500:
                self.problems.append(f"{what}: {status}")


def editor_run(base, number, name, seen, start):
    browser = Browser(base)
    try:
        browser.sign_in(name)
        start.wait(timeout=60)
        edit = 0
        while edit < EDITS_EACH or (not seen.signing_done.is_set() and edit < 2000):  # while people sign in
            edit += 1
            slug = SHARED if edit % 2 == 0 else own_slug(number)
            prefix = f"c{number:02d}: " if slug == SHARED else "mot: "
            editor = browser.get(f"/wiki/{slug}/edit")
            seen.note(seen.edit_statuses, editor.status, f"editor {slug}")
            if editor.status != 200:
                continue
            form = form_fields(editor.text, f"/wiki/{slug}/edit")
            form.update(body=edited(form["body"], prefix, marker(number, edit)), summary="charge")
            seen.note(seen.edit_statuses, browser.post(f"/wiki/{slug}/edit", form).status, f"save {slug}")
            with seen.lock:
                seen.save_times.append(time.monotonic())
    except Exception as error:  # noqa: BLE001  (reported by the test)
        with seen.lock:
            seen.problems.append(f"editor {number}: {type(error).__name__}: {error}")


def signer_run(base, name, seen, start):
    try:
        start.wait(timeout=60)
        for attempt in range(SIGN_INS_EACH):
            browser = Browser(base)
            form = form_fields(browser.get("/login").text, "/login")
            wrong = attempt % 5 == 4  # one in five mistyped: refused, and never a lock-out of the owner here
            form.update(name=name, password=PASSWORD + "x" if wrong else PASSWORD)
            answer = browser.post("/login", form)
            seen.note(seen.refusals if wrong else seen.sign_ins, answer.status, f"sign-in {name}")
            with seen.lock:
                seen.sign_in_times.append(time.monotonic())
            if not wrong and answer.status == 303:
                home = browser.follow(answer)
                if name not in home.text:
                    with seen.lock:
                        seen.problems.append(f"{name} signed in but the page does not name them")
    except Exception as error:  # noqa: BLE001
        with seen.lock:
            seen.problems.append(f"signer {name}: {type(error).__name__}: {error}")
    finally:
        with seen.lock:
            seen.signers_left -= 1
            if not seen.signers_left:
                seen.signing_done.set()


def joiner_run(base, token, number, seen, start):
    try:
        start.wait(timeout=60)
        browser = Browser(base)
        form = form_fields(browser.get(f"/join/{token}").text, f"/join/{token}")
        form.update(name=f"Arrivée {number}", password="motdepasse-arrivee", email="")
        seen.note(seen.joins, browser.post(f"/join/{token}", form).status, f"join {number}")
    except Exception as error:  # noqa: BLE001
        with seen.lock:
            seen.problems.append(f"joiner {number}: {type(error).__name__}: {error}")


def test_sign_ins_and_joins_during_a_sixteen_client_edit_load(served_wiki):
    wiki = served_wiki
    editors = [(wiki.add_user(f"Bénévole {n:02d}", trusted=True), f"Bénévole {n:02d}") for n in range(EDITORS)]
    signers = [f"Arrivante {n}" for n in range(SIGNERS)]
    with wiki.app.app_context():
        for name in signers:  # the production hash: the cost that made sign-ins time out
            accounts.create_user(name=name, password=PASSWORD, role="volunteer").password_hash = \
                generate_password_hash(PASSWORD, "scrypt")
        facilitator = db.session.scalar(sa.select(User).filter_by(role="admin"))
        _invitation, token = accounts.create_invitation(created_by=facilitator, max_uses=JOINERS)
        db.session.commit()
        db.session.remove()
    seed_pages(wiki, editors[0][0], EDITORS)
    server = wiki.serve(workers=4)

    seen, start = Seen(), threading.Barrier(EDITORS + SIGNERS + JOINERS)
    threads = [threading.Thread(target=editor_run, args=(server.base, n, editors[n][1], seen, start))
               for n in range(EDITORS)]
    threads += [threading.Thread(target=signer_run, args=(server.base, name, seen, start)) for name in signers]
    threads += [threading.Thread(target=joiner_run, args=(server.base, token, n, seen, start)) for n in range(JOINERS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.monotonic() - started
    assert not any(thread.is_alive() for thread in threads), "a client is stuck"
    during = sum(min(seen.save_times) <= moment <= max(seen.save_times) for moment in seen.sign_in_times)
    print(f"\n[proof] {wiki.database.url.split(':')[0]}: {elapsed:.1f} s, sign-ins {len(seen.sign_ins)} "
          f"(303: {seen.sign_ins.count(303)}), wrong passwords {len(seen.refusals)} "
          f"(statuses {sorted(set(seen.refusals))}), {during} of them during the edits, joins {seen.joins}, editor requests {len(seen.edit_statuses)} "
          f"(5xx: {sum(s >= 500 for s in seen.edit_statuses)})")

    assert not seen.problems, seen.problems[:20]
    assert during >= len(seen.sign_in_times) * 3 // 4, "the sign-ins must happen under the edit load"
    assert seen.sign_ins == [303] * (SIGNERS * SIGN_INS_EACH * 4 // 5)
    assert seen.refusals == [401] * (SIGNERS * SIGN_INS_EACH // 5)  # the form again, with its message
    assert seen.joins == [303] * JOINERS
    assert len(seen.edit_statuses) >= EDITORS * EDITS_EACH * 2
    with wiki.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.name.like("Arrivée %"))) == JOINERS
        db.session.remove()
    assert not consistency_problems(wiki.app)
