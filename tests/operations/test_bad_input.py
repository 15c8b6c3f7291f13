"""Every command refuses wrong arguments with a one-line message and a non-zero status: never
a traceback. A new command gets its rows here (a test fails until it has)."""

import click
import pytest

from tests import factories

# (arguments, a piece of the one-line message)
BAD = [
    (["demo", "--households", "many"], "'many' is not a valid integer"),
    (["demo", "--producers", "-3"], "-3 is not in the range x>=0"),
    (["mail", "send", "--limit", "0"], "0 is not in the range x>=1"),
    (["mail", "remind", "now"], "Got unexpected extra argument (now)"),
    (["cycles", "list", "extra"], "Got unexpected extra argument (extra)"),
    (["cycles", "next"], "There is no cycle to copy yet"),
    (["cycles", "notify-closed", "--now"], "No such option '--now'"),
    (["export", "cycle", "abc", "--out", "{tmp}"], "'abc' is not a valid integer"),
    (["export", "cycle", "999", "--out", "{tmp}"], "no cycle with id 999"),
    (["export", "cycle", "{cycle}", "--out", "{file}/sub"], "cannot write into"),
    (["ledger", "verify", "everything"], "Got unexpected extra argument"),
    (["ledger", "verify", "--receipt", "12"], "write it SEQ:HASH"),
    (["ledger", "verify", "--receipt", "12:0123456789abcdef"], "NOT held"),
    (["ledger", "keygen", "--out", "{file}"], "is never overwritten"),
    (["ledger", "keygen", "--out", "{file}/sub/key.pem"], "cannot write"),
    (["orders", "verify", "x"], "Got unexpected extra argument (x)"),
    (["ledger", "balances", "x"], "Got unexpected extra argument (x)"),
    (["ledger", "close", "--period", "week"], "'week' is not one of 'day', 'month', 'year'"),
    (["ledger", "close", "--period", "day", "--date", "2026-13-01"], "does not match the format"),
    (["ledger", "close", "--period", "day", "--date", "2999-01-01"], "not over yet"),
    (["ledger", "export", "--format", "xml", "--out", "{tmp}"], "'xml' is not one of"),
    (["ledger", "export", "--format", "csv", "--out", "{file}/sub/x.csv"], "cannot write"),
    (["invoices", "issue", "--cycle", "abc"], "'abc' is not a valid integer"),
    (["invoices", "issue", "--cycle", "999"], "There is no such cycle."),
    (["invoices", "issue", "--cycle", "{cycle}"], "is not settled yet"),
    (["invoices", "verify", "x"], "Got unexpected extra argument (x)"),
    (
        ["invoices", "register", "--month", "2026-13", "--out", "{tmp}/r.csv"],
        "Choose a month as YYYY-MM.",
    ),
    (["invoices", "register", "--month", "2026-11", "--out", "{file}/sub/r.csv"], "cannot write"),
    (["invoices", "commission", "--month", "2999-01"], "is not over"),
    (["payments", "reconcile"], "Online payment is not configured"),
    (["payments", "reconcile", "--days", "0"], "0 is not in the range x>=1"),
    (["users", "create-admin", "a@hub.fr"], "Missing option '--name'"),
    (["users", "list", "x"], "Got unexpected extra argument (x)"),
    (["users", "set-role", "a@hub.fr"], "Missing argument 'ROLE'"),
    (["users", "set-role", "a@hub.fr", "boss"], "« boss » is not a role"),
    (["check", "--send-test"], "Option '--send-test' requires an argument"),
    (["backup", "--out", "{file}/sub"], "Cannot write into"),
    (["restore", "{file}"], "is not a backup archive that can be read"),
    (["restore", "{tmp}/none.tar.gz"], "does not exist"),
    (["privacy", "erase", "nobody@hub.fr"], "No account uses the email address nobody@hub.fr"),
    (["privacy", "forget", "x"], "No such command 'forget'"),
    (["figures", "rebuild", "now"], "Got unexpected extra argument (now)"),
    (["subscriptions", "generate", "--cycle", "3"], "No such option '--cycle'"),
]
# Alembic's own commands, which Flask-Migrate brings; only `db upgrade` is the project's.
FOREIGN_GROUPS = {"db"}


def command_paths(group: click.Group, prefix=()) -> set[tuple[str, ...]]:
    paths = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths |= command_paths(command, (*prefix, name))
        else:
            paths.add((*prefix, name))
    return paths


def test_every_command_has_bad_input_rows(app):
    commands = {path for path in command_paths(app.cli) if path[0] not in FOREIGN_GROUPS}
    covered = {
        tuple(arguments[:2]) if tuple(arguments[:2]) in commands else (arguments[0],)
        for arguments, _ in BAD
    }
    assert commands - covered == set()


@pytest.mark.parametrize(
    "arguments, message",
    BAD,
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_bad_arguments_are_refused_in_one_line(app, db, tmp_path, arguments, message):
    a_file = tmp_path / "a-file"
    a_file.write_text("not an archive")
    cycle = factories.OrderCycleFactory() if "{cycle}" in arguments else None
    db.session.commit()
    filled = [
        argument.format(tmp=tmp_path, file=a_file, cycle=cycle and cycle.id)
        for argument in arguments
    ]
    result = app.test_cli_runner().invoke(args=filled)
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    last = result.output.strip().splitlines()[-1]
    assert message in last
    assert "Traceback" not in result.output
