"""Joining and signing in under contention, several requests at once (issue 17): a one-use invitation
is used once, whoever races for it, and signing in takes the write lock only for its few rows."""

import threading

import sqlalchemy as sa

from app.extensions import db
from app.models import Invitation, User
from app.wiki import accounts


def test_a_one_use_invitation_lets_exactly_one_person_in(app, make_user):
    with app.app_context():
        fanny = db.session.get(User, make_user("Fanny", role="facilitator"))
        _invitation, token = accounts.create_invitation(created_by=fanny, max_uses=1)
    answers, start = [], threading.Barrier(6)

    def join(n):
        client = app.test_client()
        start.wait()
        response = client.post(f"/join/{token}", data={"name": f"Nouvelle {n}", "password": "motdepasse",
                                                       "email": ""})
        answers.append(response.status_code)

    threads = [threading.Thread(target=join, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The others are told the link is used up (404 once it is, 400 if they raced past the first check).
    assert answers.count(303) == 1 and set(answers) - {303} <= {400, 404}, answers
    with app.app_context():
        joined = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.name.like("Nouvelle %")))
        assert joined == 1
        assert db.session.scalar(sa.select(Invitation.uses)) == 1


def test_a_taken_name_does_not_use_up_the_invitation(app, make_user):
    make_user("Camille")
    with app.app_context():
        fanny = db.session.get(User, make_user("Fanny", role="facilitator"))
        _invitation, token = accounts.create_invitation(created_by=fanny, max_uses=1)
    client = app.test_client()
    refused = client.post(f"/join/{token}", data={"name": "camille", "password": "motdepasse", "email": ""})
    assert refused.status_code == 400
    assert client.post(f"/join/{token}", data={"name": "Claude", "password": "motdepasse",
                                               "email": ""}).status_code == 303


def test_sign_ins_during_writes_all_succeed(app, make_user):
    for n in range(8):
        make_user(f"Membre {n}")
    answers, start = [], threading.Barrier(8)

    def sign_in(n):
        client = app.test_client()
        start.wait()
        answers.append(client.post("/login", data={"name": f"Membre {n}", "password": "motdepasse"}).status_code)
        answers.append(client.post("/login", data={"name": f"Membre {n}", "password": "faux"}).status_code)

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [303] * 8 + [401] * 8, answers
