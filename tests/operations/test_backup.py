"""`backup --out DIR` and `restore FILE`: a copy that restores into an empty database, whose
ledger then verifies with the head the manifest names."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from market.auth.models import Household
from market.catalog.models import Producer
from market.ledger import builders
from market.ledger.statements import head
from tests import factories
from tests.conftest import BACKEND
from tests.operations.conftest import app_on


def sample_books(db):
    """Orders, payments, credit, a payout and a closed day: what a hub's books hold."""
    factories.LedgerClosureFactory()
    producer = factories.ProducerFactory(name="Ferme Lafitte")
    for n in range(3):
        household = factories.HouseholdFactory()
        builders.post_order_placed(
            household.id,
            f"S48-{n:04d}",
            [(producer.id, 1250 + n, 550), (producer.id, 400, 2000)],
            idempotency_key=f"order:{n}",
        )
        builders.post_payment_received(household.id, 1650 + n, "cash", f"S48-{n:04d}", f"pay:{n}")
        builders.post_credit_topup(household.id, 2000, "cheque", "Chèque 0012345", f"top:{n}")
    builders.post_payout(producer.id, 1000, "VIR-0001", "payout:1")
    db.session.commit()


def photos_of(app) -> dict[str, bytes]:
    directory = Path(app.config["CATALOG_PHOTO_DIRECTORY"])
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def one_line_error(result, text: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.count("\n") == 1
    assert result.output.startswith("Error: ")
    assert text in result.output


@pytest.fixture
def photographed(app, tmp_path):
    directory = tmp_path / "photos"
    directory.mkdir()
    (directory / "a1b2c3-thumb.jpg").write_bytes(b"\xff\xd8thumb")
    (directory / "a1b2c3-page.jpg").write_bytes(b"\xff\xd8page" * 1000)
    app.config["CATALOG_PHOTO_DIRECTORY"] = str(directory)
    return app


@pytest.fixture
def archive(photographed, db, tmp_path):
    sample_books(db)
    result = invoke(photographed, "backup", "--out", str(tmp_path / "backups" / "daily"))
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "backups" / "daily").iterdir()
    assert result.output == f"{path}\n"
    return path


def test_the_archive_holds_database_photos_and_a_manifest_with_the_head(archive, db):
    assert archive.name.startswith("market-backup-") and archive.name.endswith("Z.tar.gz")
    with tarfile.open(archive) as bundle:
        names = set(bundle.getnames())
        manifest = json.load(bundle.extractfile("manifest.json"))
    database = "database.sqlite3" if BACKEND == "sqlite" else "database.pgdump"
    assert names == {"manifest.json", database, "photos/a1b2c3-thumb.jpg", "photos/a1b2c3-page.jpg"}
    assert manifest["engine"] == BACKEND
    assert manifest["ledger_head"] == {"seq": head()["seq"], "hash": head()["hash"]}
    assert manifest["ledger_head"]["seq"] == 10
    assert set(manifest["files"]) == names - {"manifest.json"}


def test_restore_into_an_empty_database_verifies_with_the_same_head(
    photographed, archive, db, empty_database_url, tmp_path, ledger_signing_key
):
    original_head, original_photos = head(), photos_of(photographed)
    # The new server has the hub's signing key, kept apart from the backups.
    with app_on(
        empty_database_url, tmp_path / "restored-photos", LEDGER_SIGNING_KEY=ledger_signing_key
    ) as restored:
        result = invoke(restored, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert result.output == (
            f"restored {archive.name} of {json.loads(manifest_text(archive))['created_at']}: "
            f"ledger verified, 10 transactions, head {original_head['hash']} "
            "(as the manifest says)\n"
        )
        verified = invoke(restored, "ledger", "verify")
        assert verified.exit_code == 0, verified.output
        assert f"10 transactions, 1 closures, head hash {original_head['hash']}" in verified.output
        assert photos_of(restored) == original_photos
        assert db.session.scalar(select(Producer.name)) == "Ferme Lafitte"
        # The restored books go on: the triggers and the chain work as before.
        builders.post_credit_topup(
            db.session.scalar(select(func.min(Household.id))), 500, "cash", "", "after-restore"
        )
        db.session.commit()
        assert invoke(restored, "ledger", "verify").exit_code == 0
        assert head()["seq"] == 11


def test_restore_refuses_a_database_that_holds_data_unless_forced(app, archive, db):
    household = factories.HouseholdFactory(name="Posted after the backup")
    builders.post_credit_topup(household.id, 700, "cash", "", "later")
    db.session.commit()
    refused = invoke(app, "restore", str(archive))
    one_line_error(refused, "The database is not empty (")
    assert "give --force to replace everything it holds." in refused.output
    assert head()["seq"] == 11
    forced = invoke(app, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert head()["seq"] == 10
    assert invoke(app, "ledger", "verify").exit_code == 0


@pytest.mark.postgres_only
def test_restore_into_a_database_already_migrated_but_empty(
    archive, db, empty_database_url, tmp_path, ledger_signing_key
):
    with app_on(
        empty_database_url, tmp_path / "p", LEDGER_SIGNING_KEY=ledger_signing_key
    ) as restored:
        assert invoke(restored, "db", "upgrade").exit_code == 0
        result = invoke(restored, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert invoke(restored, "ledger", "verify").exit_code == 0


def manifest_text(archive: Path) -> str:
    with tarfile.open(archive) as bundle:
        return bundle.extractfile("manifest.json").read().decode()


def rewritten(archive: Path, target: Path, manifest=None, extra=()) -> Path:
    """The archive again, with another manifest or more members."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json" and manifest is not None:
                data = json.dumps(manifest).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in extra:
            member = tarfile.TarInfo(name)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def test_restore_refuses_a_damaged_or_foreign_archive(archive, db, empty_database_url, tmp_path):
    manifest = json.loads(manifest_text(archive))
    not_a_tar = tmp_path / "notes.txt"
    not_a_tar.write_text("hello")
    no_manifest = tmp_path / "no-manifest.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as bundle:
        bundle.add(not_a_tar, arcname="notes.txt")
    other_engine = "postgresql" if BACKEND == "sqlite" else "sqlite"
    database = next(name for name in manifest["files"] if name.startswith("database"))
    cases = [
        (not_a_tar, "is not a backup archive that can be read."),
        (no_manifest, "This file is not a backup of market: it has no manifest."),
        (
            rewritten(archive, tmp_path / "v2.tar.gz", {**manifest, "format": 2}),
            "This backup's format is not one this version reads.",
        ),
        (
            rewritten(archive, tmp_path / "engine.tar.gz", {**manifest, "engine": other_engine}),
            f"This backup is of a {other_engine} database; this installation uses {BACKEND}.",
        ),
        (
            rewritten(
                archive,
                tmp_path / "sum.tar.gz",
                {**manifest, "files": {**manifest["files"], database: "0" * 64}},
            ),
            f"{database} does not match its checksum: the backup is damaged.",
        ),
        (
            rewritten(
                archive,
                tmp_path / "escape.tar.gz",
                {**manifest, "files": {**manifest["files"], "../../evil": "0" * 64}},
                extra=[("../../evil", b"x")],
            ),
            "The backup names a file outside its folder: ../../evil",
        ),
        (
            rewritten(
                archive,
                tmp_path / "lacks.tar.gz",
                {**manifest, "files": {**manifest["files"], "photos/gone.jpg": "0" * 64}},
            ),
            "The backup lacks photos/gone.jpg.",
        ),
    ]
    with app_on(empty_database_url, tmp_path / "p") as restored:
        for path, message in cases:
            one_line_error(invoke(restored, "restore", str(path)), message)
        missing = invoke(restored, "restore", str(tmp_path / "nowhere.tar.gz"))
        assert missing.exit_code == 2
        assert "does not exist" in missing.output.splitlines()[-1]
    assert not (tmp_path / "evil").exists()


def test_backup_refuses_a_folder_it_cannot_write(app, db, tmp_path):
    file = tmp_path / "a-file"
    file.write_text("")
    one_line_error(invoke(app, "backup", "--out", str(file / "sub")), "Cannot write into")
    assert invoke(app, "backup").exit_code == 2


@pytest.mark.postgres_only
def test_without_the_postgresql_client_backup_and_restore_say_what_to_install(
    app, archive, db, monkeypatch, tmp_path
):
    monkeypatch.setenv("PATH", str(tmp_path))
    one_line_error(
        invoke(app, "backup", "--out", str(tmp_path / "b")),
        "pg_dump was not found: install the PostgreSQL client tools of the "
        "server's version (on Debian: apt install postgresql-client).",
    )
    one_line_error(invoke(app, "restore", "--force", str(archive)), "pg_restore was not found")
