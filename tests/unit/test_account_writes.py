"""Account and token writes take the write lock first (app.database.begin_write), as page writes
do: on SQLite a transaction that read, then writes after another connection committed, fails at
once with 'database is locked' whatever the busy timeout (its snapshot is stale). A request always
reads first (the signed-in member), and presence heartbeats write often, so each of these writes
is made here after a read and another connection's commit, and must go through."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ApiToken, User
from app.wiki import accounts, personal_tokens


def another_connection_writes(user_id: int) -> None:
    with db.engine.connect() as other:
        other.execute(sa.update(User).where(User.id == user_id).values(email="autre@exemple.org"))
        other.commit()


WRITES = {
    "create an invitation": lambda admin, user: accounts.create_invitation(created_by=admin, max_uses=5),
    "revoke an invitation": lambda admin, user: accounts.revoke_invitation(
        accounts.create_invitation(created_by=admin)[0].id),
    "change a role": lambda admin, user: accounts.update_user(user, by=admin, role="facilitator"),
    "trust": lambda admin, user: accounts.update_user(user, by=admin, trusted=True),
    "deactivate": lambda admin, user: accounts.update_user(user, by=admin, active=False),
    "choose a language": lambda admin, user: accounts.set_language(user, "en"),
    "sign out everywhere": lambda admin, user: accounts.sign_out_everywhere(user),
    "create an account": lambda admin, user: accounts.create_user(name="Nouvelle", password="motdepasse-long"),
    "create a token": lambda admin, user: personal_tokens.create_token(ApiToken, user),
    "revoke a token": lambda admin, user: personal_tokens.revoke_token(ApiToken, user),
}


@pytest.mark.parametrize("action", sorted(WRITES))
def test_a_write_after_a_read_and_another_commit_goes_through(ctx, action):
    admin = accounts.create_user(name="Admin", password="motdepasse-long", role="admin")
    user = accounts.create_user(name="Bénévole", password="motdepasse-long")
    admin_id, user_id = admin.id, user.id
    db.session.commit()
    admin, user = db.session.get(User, admin_id), db.session.get(User, user_id)
    assert admin.name and user.name  # this transaction has read: its snapshot is taken
    another_connection_writes(user_id)
    WRITES[action](admin, user)  # no 'database is locked'
    db.session.remove()
    assert db.session.get(User, user_id).email == "autre@exemple.org"  # the other write is kept too
