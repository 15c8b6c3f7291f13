"""flask --app market demo: realistic data, safe to run twice."""

from sqlalchemy import func, select

from market.auth.models import User
from market.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_is_idempotent_and_gives_one_account_per_role(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    users = count(db, User)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert count(db, User) == users
    roles = {db.session.scalar(select(User.role).where(User.email == email))
             for _, email, _ in DEMO_ACCOUNTS}
    assert roles == {"household", "producer", "coordinator", "admin"}
    for _, email, _ in DEMO_ACCOUNTS:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")
