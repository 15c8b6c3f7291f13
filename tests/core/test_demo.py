"""flask --app market demo: realistic data, safe to run twice."""

from sqlalchemy import func, select

from market.auth.models import User
from market.cycles.models import OrderCycle
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
    roles = {
        db.session.scalar(select(User.role).where(User.email == email))
        for _, email, _ in DEMO_ACCOUNTS
    }
    assert roles == {"household", "producer", "coordinator", "admin"}
    for _, email, _ in DEMO_ACCOUNTS:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")


def test_demo_scales_up_households_and_orders_for_benchmarks(app, db):
    from market.orders.models import Order

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--households", "30", "--orders", "20"])
    assert first.exit_code == 0, first.output
    generated = (
        select(func.count()).select_from(User).where(User.email.like("foyer-%@generated.example"))
    )
    assert db.session.scalar(generated) == 30
    orders = db.session.scalar(select(func.count()).select_from(Order))
    again = runner.invoke(args=["demo", "--households", "30"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(generated) == 30
    assert db.session.scalar(select(func.count()).select_from(Order)) == orders + 10


def test_demo_orders_no_more_than_the_collection_points_hold(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    latest = db.session.scalar(select(OrderCycle).order_by(OrderCycle.opens_at.desc()).limit(1))
    for pickup in latest.pickups:
        pickup.collection_point.capacity = pickup.orders_count + 2
    db.session.commit()
    result = runner.invoke(args=["demo", "--households", "30", "--orders", "30"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert all(pickup.orders_count == pickup.collection_point.capacity for pickup in latest.pickups)
