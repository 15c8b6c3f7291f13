"""A writer process for the concurrency test and the benchmark: its own app, engine, session."""

import time

from sqlalchemy import select


def write(
    url: str, worker: int, household_id: int, producer_id: int, count: int, start_at: float = 0.0
) -> tuple[float, float]:
    """Post `count` orders and payments, plus one replayable key shared by the writers of the
    same household; start at the wall-clock time `start_at`; return (start, end) times."""
    from market import create_app
    from market.extensions import db
    from market.ledger import builders

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.session.execute(select(1))  # connected before the clock starts
        db.session.rollback()
        time.sleep(max(0.0, start_at - time.time()))
        started = time.time()
        # The same key from every writer at once: recorded once, replayed by the others.
        builders.post_credit_topup(household_id, 300, "cash", "shared", f"first-{household_id}")
        db.session.commit()
        for n in range(count):
            if n % 2:
                builders.post_payment_received(
                    household_id, 1000 + n, "cash", f"w{worker}", f"pay-{worker}-{n}"
                )
            else:
                builders.post_order_placed(
                    household_id,
                    f"w{worker}-{n}",
                    [(producer_id, 1000 + n, 550)],
                    1000,
                    f"order-{worker}-{n}",
                )
            db.session.commit()
        builders.post_credit_topup(household_id, 500, "cash", "shared", f"shared-{household_id}")
        db.session.commit()
        ended = time.time()
        db.engine.dispose()
    return started, ended
