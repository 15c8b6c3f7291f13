"""docs/deploy.md and deploy/: every command they cite is one the project has, the units and
the gunicorn settings hold together, and gunicorn serves the app with them."""

import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
import pytest

import config

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "deploy"
CITED = re.compile(r"flask --app market ((?:[^`\n|\\]|\\\n)+)")


def cited_commands() -> list[str]:
    texts = [GUIDE.read_text()] + [path.read_text() for path in DEPLOY.glob("*.service")]
    return [
        " ".join(match.replace("\\\n", " ").split()).split("  #")[0]
        for text in texts
        for match in CITED.findall(text)
    ]


def resolve(app, arguments: list[str]) -> click.Context:
    """Parse the arguments as `flask --app market` would, without running the command."""
    command = app.cli
    while isinstance(command, click.Group):
        name = arguments.pop(0)
        command = command.get_command(click.Context(command), name)
        assert command is not None, f"no command {name!r}"
    return command.make_context(name, arguments)


def test_every_command_the_guide_and_the_units_cite_exists(app):
    commands = cited_commands()
    for command in commands:
        arguments = shlex.split(command)
        try:
            resolve(app, arguments)
        except click.BadParameter as error:  # an example archive, absent here
            assert "does not exist" in error.format_message(), command
        except click.UsageError as error:
            pytest.fail(f"`flask --app market {command}`: {error.format_message()}")
    named = {" ".join(shlex.split(command)[:2]) for command in commands}
    for needed in (
        "db upgrade",
        "users create-admin",
        "check --send-test",
        "mail send",
        "cycles notify-closed",
        "payments reconcile",
        "ledger close",
        "ledger verify",
        "privacy erase",
    ):
        assert needed in named, needed
    assert any(command.startswith("backup --out ") for command in commands)
    assert any(command.startswith("restore ") for command in commands)


def test_the_readme_keeps_its_two_commands_and_links_the_guide():
    readme = (ROOT / "README.md").read_text()
    top = readme.split("\n## ")[0]
    assert "make run" in top and "make test" in top
    assert "(docs/deploy.md)" in readme
    for command in (
        "users create-admin",
        "users list",
        "users set-role",
        "`check",
        "backup --out",
        "restore FILE",
        "privacy erase",
    ):
        assert command in readme, command


def unit(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_each_timer_starts_its_service_as_the_market_user_with_the_environment_file():
    timers = sorted(DEPLOY.glob("*.timer"))
    assert {path.stem for path in timers} == {
        "market-mail",
        "market-remind",
        "market-notify-closed",
        "market-invoices",
        "market-reconcile",
        "market-ledger-close",
        "market-backup",
    }
    for timer in timers:
        service = unit(timer.with_suffix(".service"))
        assert service["Type"] == ["oneshot"]
        assert service["User"] == ["market"]
        assert service["EnvironmentFile"] == ["/etc/market/market.env"]
        assert all(
            command.startswith("/srv/market/.venv/bin/flask --app market ")
            for command in service["ExecStart"]
        )
        [calendar] = unit(timer)["OnCalendar"]
        analysed = subprocess.run(
            ["systemd-analyze", "calendar", calendar], capture_output=True, text=True
        )
        assert analysed.returncode == 0, analysed.stderr
    web = unit(DEPLOY / "market.service")
    assert web["ExecStart"] == [
        "/srv/market/.venv/bin/gunicorn -c deploy/gunicorn.conf.py 'market:create_app()'"
    ]


def test_the_environment_example_names_only_real_settings():
    names = {
        line.split("=")[0].lstrip("#")
        for line in (DEPLOY / "market.env.example").read_text().splitlines()
        if re.match(r"#?MARKET_\w+=", line)
    }
    known = {f"MARKET_{name}" for name in config.ENVIRONMENT} | {"MARKET_ENV"}
    assert names - known == set()
    assert "127.0.0.1:8000" in (DEPLOY / "Caddyfile").read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_the_app_with_the_shipped_settings(tmp_path):
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    environment = {
        "PATH": str(gunicorn.parent),
        "MARKET_ENV": "production",
        "MARKET_SECRET_KEY": "k" * 40,
        "MARKET_PHOTO_DIRECTORY": str(tmp_path),
        "MARKET_DATABASE_URL": f"sqlite:///{tmp_path / 'market.db'}",
    }
    server = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "deploy/gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "market:create_app()",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
                    body = response.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert body is not None and '"status":"ok"' in body.replace(" ", "")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Booting worker" in output and "Traceback" not in output
