"""The schema comes from the migrations, the models say the same thing, and the revisions
read in order (migrations/README.md)."""

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from market.extensions import db


def schema_differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    assert schema_differences() == []


def test_migrations_go_down_to_nothing_and_up_again(app):
    downgrade(revision="base")
    with db.engine.connect() as connection:
        assert set(db.inspect(connection).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert schema_differences() == []


VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
# Written on parallel branches before the chain was kept in order: they run in merge order.
MERGE_ORDER = ["0001", "0002", "0005", "0004", "0006", "0003", "0007"]


def revisions() -> dict[str, dict]:
    """revision → its file name, down_revision and the `Revises:` of its header."""
    found = {}
    for path in sorted(VERSIONS.glob("*.py")):
        text = path.read_text()
        revision = re.search(r"^revision = '(\w+)'", text, re.M).group(1)
        down = re.search(r"^down_revision = (?:'(\w+)'|None)", text, re.M).group(1)
        header = re.search(r"^Revises: ?(\w*)$", text, re.M).group(1) or None
        found[revision] = {"file": path.name, "down": down, "header": header}
    return found


def chain() -> list[str]:
    by_parent = {info["down"]: revision for revision, info in revisions().items()}
    order, current = [], by_parent.get(None)
    while current is not None:
        order.append(current)
        current = by_parent.get(current)
    return order


def test_each_header_names_the_revision_it_revises():
    assert {revision: info["header"] for revision, info in revisions().items()} == {
        revision: info["down"] for revision, info in revisions().items()
    }


def test_the_revisions_make_one_chain_in_order():
    found = revisions()
    assert sorted(chain()) == sorted(found)  # one chain through all: a single head
    assert all(info["file"].startswith(f"{revision}_") for revision, info in found.items())
    later = chain()[len(MERGE_ORDER) :]
    assert chain()[: len(MERGE_ORDER)] == MERGE_ORDER
    assert [int(revision) for revision in later] == list(
        range(len(MERGE_ORDER) + 1, len(MERGE_ORDER) + 1 + len(later))
    )


def test_no_revision_imports_another():
    for path in VERSIONS.glob("*.py"):
        text = path.read_text()
        assert "importlib" not in text and "spec_from_file_location" not in text, path.name
