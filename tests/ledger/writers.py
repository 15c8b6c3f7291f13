"""A writer process for the concurrency test and the benchmark: its own app, engine, session."""

import time


def write(url: str, worker: int, household_id: int, producer_id: int, count: int) -> float:
    """Post `count` orders and payments, plus one shared replayed key; return seconds spent."""
    from market import create_app
    from market.extensions import db
    from market.ledger import builders

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        started = time.perf_counter()
        for n in range(count):
            if n % 2:
                builders.post_payment_received(household_id, 1000 + n, "cash", f"w{worker}",
                                               f"pay-{worker}-{n}")
            else:
                builders.post_order_placed(household_id, f"w{worker}-{n}",
                                           [(producer_id, 1000 + n, 550)], 1000,
                                           f"order-{worker}-{n}")
            db.session.commit()
        builders.post_credit_topup(household_id, 500, "cash", "shared", "shared-key")
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    return elapsed
