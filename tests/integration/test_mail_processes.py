"""`flask --app wsgi notify send` as cron or a systemd timer runs it: real subprocesses on one
database, a real SMTP server on 127.0.0.1 (aiosmtpd). Two runs started together send each mail
once; a server that is down leaves the mails queued with a clear line; no SMTP settings: exit 0."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import OutgoingMail, Page, User
from app.wiki import editing, following
from tests.integration.served import ServedWiki
from tests.smtp_server import free_port, start_server

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
FOLLOWERS = 40


@pytest.fixture
def wiki(tmp_path):
    served = ServedWiki(tmp_path)
    yield served
    served.close()


def seed_followed_change(wiki: ServedWiki, followers: int = FOLLOWERS) -> list[str]:
    """An author and `followers` members with an address and immediate mail, all following a
    page that then changes once: one mail is due for each follower."""
    author_id = wiki.add_user("Autrice", role="facilitator")
    addresses = []
    with wiki.app.app_context():
        author = db.session.get(User, author_id)
        page = editing.create_page(title="Charte", body="Premier texte.", author=author)
        for number in range(followers):
            user = User(name=f"Membre {number}", email=f"membre{number}@example.org", role="volunteer")
            user.set_password("motdepasse")
            db.session.add(user)
            db.session.flush()
            following.stored_settings(user).period = "immediate"
            db.session.commit()
            following.follow(user, page=page)
            addresses.append(user.email)
        page = db.session.scalar(sa.select(Page).where(Page.slug == "charte"))
        editing.save_edit(page, title="Charte", body="Second texte.", summary="relu",
                          author=db.session.get(User, author_id), base_revision=page.head.number)
        db.session.remove()
    return addresses


def notify_send(wiki: ServedWiki, smtp_url: str | None, **popen):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("WIKI_")}
    environ.update(WIKI_INSTANCE_PATH=str(wiki.instance), DATABASE_URL=wiki.database.url, SECRET_KEY=wiki.secret,
                   WIKI_BASE_URL="https://wiki.example.org")
    if smtp_url:
        environ.update(WIKI_SMTP_URL=smtp_url, WIKI_MAIL_FROM="Gare centrale <wiki@example.org>")
    return subprocess.Popen([str(FLASK), "--app", "wsgi", "notify", "send"], cwd=ROOT, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(process) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def mail_rows(wiki: ServedWiki) -> dict[str, int]:
    with wiki.app.app_context():
        rows = db.session.execute(sa.select(OutgoingMail.status, sa.func.count()).group_by(OutgoingMail.status)).all()
        db.session.remove()
        return dict(rows)


def test_two_runs_started_together_send_each_mail_once(wiki):
    addresses = seed_followed_change(wiki)
    controller, mailbox, port = start_server()
    try:
        first, second = (notify_send(wiki, f"smtp://127.0.0.1:{port}") for _ in range(2))
        results = [finish(first), finish(second)]
    finally:
        controller.stop()
    assert [code for code, _out, _err in results] == [0, 0], results
    recipients = sorted(r for rcpts, _message in mailbox.messages for r in rcpts)
    assert recipients == sorted(addresses)  # every follower once, nobody twice, not the author
    assert mail_rows(wiki) == {"sent": FOLLOWERS}
    composed = sum(int(out.split(" composed")[0].rsplit(" ", 1)[-1]) for _code, out, _err in results)
    assert composed == FOLLOWERS
    print([out for _c, out, _e in results])


def test_smtp_down_leaves_the_mails_queued_with_a_clear_line_then_the_next_run_sends_them(wiki):
    addresses = seed_followed_change(wiki, followers=3)
    port = free_port()  # nobody listens there
    code, out, err = finish(notify_send(wiki, f"smtp://127.0.0.1:{port}"))
    assert code == 1
    assert f"SMTP server cannot be used" in err and "3 mails stay queued for the next run" in err, err
    assert mail_rows(wiki) == {"queued": 3}
    controller, mailbox, port = start_server(port)
    try:
        code, out, err = finish(notify_send(wiki, f"smtp://127.0.0.1:{port}"))
    finally:
        controller.stop()
    assert code == 0, err
    assert "0 composed, 3 sent" in out
    assert sorted(r for rcpts, _m in mailbox.messages for r in rcpts) == sorted(addresses)
    assert mail_rows(wiki) == {"sent": 3}


def test_without_smtp_settings_notify_send_exits_0_and_says_mail_is_off(wiki):
    seed_followed_change(wiki, followers=2)
    code, out, err = finish(notify_send(wiki, None))
    assert code == 0, err
    assert "Mail is off" in out
    assert mail_rows(wiki) == {}
