"""The guide's first run, as a new hub does it: on an empty database, the commands of
docs/deploy.md section 5 with the environment file of deploy/; then, in the browser, from the
administrator to a coordinator invited by email and an open cycle, without touching SQL."""

import os
import re
import shlex
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from market.cycles.models import CycleState, OrderCycle
from market.extensions import db
from market.mail.models import OutboxMessage
from market.timeutil import to_hub_time, utcnow
from tests.conftest import BACKEND
from tests.operations.conftest import app_on

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).with_name("flask")
PASSWORD = "un-mot-de-passe-solide"


def first_run_commands() -> list[list[str]]:
    """The flask lines of the guide's section 5 block, as written there."""
    section = (ROOT / "docs" / "deploy.md").read_text().split("\n## 5.")[1].split("\n## 6.")[0]
    block = section.split("```sh\n")[1].split("```")[0]
    return [
        shlex.split(line)
        for line in block.splitlines()
        if line.startswith(".venv/bin/flask --app market ")
    ]


def environment_file(**settings) -> dict:
    """deploy/market.env.example read as the services read it, filled in as the guide says."""
    values = {}
    for line in (ROOT / "deploy" / "market.env.example").read_text().splitlines():
        if re.match(r"MARKET_\w+=", line):
            name, _, value = line.partition("=")
            values[name] = shlex.split(value)[0] if value else ""
    values.update(
        MARKET_SECRET_KEY="Qm9uam91ciBsZSBtYXJjaMOpIGR1IFNlaWduYW54IQ",
        MARKET_HUB_SIREN="732829320",
        MARKET_HUB_IBAN="FR76 3000 6000 0112 3456 7890 189",
        **settings,
    )
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith("MARKET_")},
        **values,
    }


def run(command: list[str], environment: dict, stdin: str = "") -> subprocess.CompletedProcess:
    assert command[0] == ".venv/bin/flask"
    return subprocess.run(
        [str(FLASK), *command[1:]],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_documented_first_run_on_an_empty_database(empty_database_url, tmp_path):
    upgrade, keygen, create_admin, check = first_run_commands()
    assert upgrade[1:] == ["--app", "market", "db", "upgrade"]
    assert keygen[1:] == ["--app", "market", "ledger", "keygen"]
    assert create_admin[3:5] == ["users", "create-admin"]
    assert check[1:] == ["--app", "market", "check"]
    environment = environment_file(
        MARKET_DATABASE_URL=empty_database_url,
        MARKET_PHOTO_DIRECTORY=str(tmp_path / "photos"),
        MARKET_LEDGER_SIGNING_KEY_FILE=str(tmp_path / "ledger-signing-key.pem"),
    )

    upgraded = run(upgrade, environment)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Running upgrade" in upgraded.stderr

    made = run(keygen, environment)
    assert made.returncode == 0, made.stderr
    public_key = made.stdout.split("public key ")[1].strip()
    assert len(public_key) == 64

    created = run(create_admin, environment, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert created.returncode == 0, created.stderr
    assert created.stdout == "administrator 1 created: jeanne@marche.example.fr\n"
    again = run(create_admin, environment, stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.returncode == 1
    assert again.stderr == (
        "Error: An account already exists with this email address. Log "
        "in, or reset your password if you forgot it.\n"
    )

    checked = run(check, environment)
    lines = checked.stdout.splitlines()
    assert "✔ environment: production (secure cookies, no debugger)" in lines
    assert any(line.startswith("✔ migrations: at the latest revision (") for line in lines)
    assert "✔ ledger: verified, 0 transactions, head " + "0" * 64 in lines
    assert "✔ hub SIREN: 732 829 320" in lines
    assert f"✔ ledger signing key: public key {public_key}, published at /ledger/key" in lines
    assert "✔ public URL: https://marche.example.fr" in lines
    failing = [line for line in lines if line.startswith("✘")]
    if BACKEND == "postgresql":
        assert failing == [], checked.stdout
        assert checked.returncode == 0
        assert lines[-1] == "Ready for production."
    else:
        assert [line.split(":")[0] for line in failing] == ["✘ database"]
        assert checked.returncode == 1
        assert lines[-1] == "1 to fix before going live."
    assert checked.stderr == ""


def test_a_new_hub_reaches_its_first_open_cycle_through_the_browser(empty_database_url, tmp_path):
    environment = environment_file(
        MARKET_DATABASE_URL=empty_database_url, MARKET_PHOTO_DIRECTORY=str(tmp_path / "photos")
    )
    upgrade, _keygen, create_admin, _check = first_run_commands()
    assert run(upgrade, environment).returncode == 0
    assert run(create_admin, environment, stdin=f"{PASSWORD}\n{PASSWORD}\n").returncode == 0

    with app_on(empty_database_url, tmp_path / "photos") as hub:
        admin = hub.test_client()
        assert (
            admin.post(
                "/login", data={"email": "jeanne@marche.example.fr", "password": PASSWORD}
            ).status_code
            == 302
        )
        invited = admin.post(
            "/invitations",
            data={"email": "claire@marche.example.fr", "role": "coordinator", "producer": "0"},
        )
        assert invited.status_code == 302
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.recipient == "claire@marche.example.fr"
        token = re.search(r"/invitations/([\w-]+)", message.body).group(1)

        coordinator = hub.test_client()
        accepted = coordinator.post(
            f"/invitations/{token}",
            data={
                "name": "Claire Duhau",
                "phone": "",
                "password": "une-autre-phrase-solide",
                "confirm": "une-autre-phrase-solide",
            },
        )
        assert accepted.status_code == 302
        assert (
            coordinator.post(
                "/coordination/collection-points/new",
                data={
                    "name": "Salle des fêtes",
                    "address": "Place de la Mairie",
                    "postcode": "40440",
                    "town": "Ondres",
                    "capacity": "60",
                    "active": "y",
                },
            ).status_code
            == 302
        )

        now = to_hub_time(utcnow())
        opens, closes = now - timedelta(hours=1), now + timedelta(days=3)
        pickup = closes + timedelta(days=2)
        created = coordinator.post(
            "/coordination/cycles/new",
            data={
                "name": "Semaine 1",
                "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
                "closes_at": closes.strftime("%Y-%m-%dT%H:%M"),
                "note": "",
                "pickups-0-point_id": "1",
                "pickups-0-include": "y",
                "pickups-0-day": pickup.strftime("%Y-%m-%d"),
                "pickups-0-starts": "16:30",
                "pickups-0-ends": "19:00",
            },
        )
        assert created.status_code == 302
        cycle = db.session.scalar(select(OrderCycle))
        assert coordinator.post(f"/coordination/cycles/{cycle.id}/publish").status_code == 302
        db.session.expire_all()
        assert cycle.state(utcnow()) == CycleState.OPEN
        assert "Semaine 1" in hub.test_client().get("/shop").get_data(as_text=True)
