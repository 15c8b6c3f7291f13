"""Backups that restore: the database, the product photos and a manifest, in one archive.

    market-backup-20261127T030000Z.tar.gz
        manifest.json       engine, migration revision, ledger head (seq, hash), checksums
        database.sqlite3    SQLite's online backup API: a consistent copy of a live file
     or database.pgdump     pg_dump -Fc, from one snapshot shared with the manifest's head
        photos/…            the uploaded photos

`restore` refuses a database that holds anything unless forced, puts the copy in place
(pg_restore loads the data before it creates the triggers, which the append-only ledger
needs), writes the photos back, then verifies the ledger and compares its head with the
manifest's.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, inspect, select, text

from market.extensions import db
from market.ledger.statements import head
from market.ledger.verify import verify
from market.operations.checks import migrations
from market.operations.errors import BackupError
from market.timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
PHOTOS = "photos"
# Seeded by the migrations: present in a database that holds nothing yet.
SEEDED_TABLES = {"alembic_version", "ledger_chain_head"}
# Rows the migrations write themselves: the hub's commission invoice series (0016).
SEEDED_ROWS = {"invoice_series": 1}
CLIENT_TIMEOUT_SECONDS = 6 * 3600


@dataclass
class Restored:
    manifest: dict
    transactions: int
    head_hash: str
    at_latest_revision: bool


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def engine_name() -> str:
    return db.engine.dialect.name


def sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:":
        raise BackupError(_l("The database is in memory: there is no file to back up or restore."))
    return Path(name)


def client(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise BackupError(
            _l(
                "%(program)s was not found: install the PostgreSQL client tools of the server's "
                "version (on Debian: apt install postgresql-client).",
                program=program,
            )
        )
    return path


def libpq_environment() -> dict:
    """The connection for pg_dump and pg_restore, in libpq's variables: a password in their
    arguments would show in the process list."""
    url = db.engine.url
    values = {
        "PGHOST": url.host,
        "PGPORT": url.port,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def run_client(arguments: list[str]) -> None:
    try:
        subprocess.run(  # noqa: S603 - no shell
            arguments,
            env=libpq_environment(),
            check=True,
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT_SECONDS,
        )
    except subprocess.CalledProcessError as error:
        lines = [line for line in error.stderr.splitlines() if line.strip()]
        raise BackupError(
            _l(
                "%(program)s failed: %(reason)s",
                program=Path(arguments[0]).name,
                reason=lines[0] if lines else error.returncode,
            )
        ) from None


def sqlite_copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def copy_sqlite(target: Path) -> dict:
    """The online backup API copies the live file page by page, consistently. The head read
    before and after must agree, so that the manifest's head is the copy's."""
    for _attempt in range(5):
        before = head()
        db.session.rollback()
        sqlite_copy(sqlite_path(), target)
        if head() == before:
            return before
        db.session.rollback()
    raise BackupError(_l("The ledger kept moving during the backup: try again."))


def dump_postgres(target: Path) -> dict:
    """pg_dump reads the snapshot this transaction exports, and the head is read in it."""
    program = client("pg_dump")
    db.session.rollback()
    db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        snapshot = db.session.scalar(text("SELECT pg_export_snapshot()"))
        ledger_head = head()
        run_client(
            [
                program,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ]
        )
    finally:
        db.session.rollback()
    return ledger_head


def current_revision() -> str | None:
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def photo_directory() -> Path:
    return Path(current_app.config["CATALOG_PHOTO_DIRECTORY"])


def photo_files() -> list[Path]:
    directory = photo_directory()
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.is_file())


def backup(out: Path) -> Path:
    """Write a consistent, timestamped archive under `out`; its path."""
    engine = engine_name()
    if engine not in DATABASE_FILES:
        raise BackupError(_l("Backups handle SQLite and PostgreSQL only."))
    moment = utcnow()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            _l("Cannot write into %(path)s: %(reason)s", path=str(out), reason=error.strerror)
        ) from None
    archive = out / f"market-backup-{moment.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
    with tempfile.TemporaryDirectory(dir=out, prefix=".backup-") as work:
        database = Path(work) / DATABASE_FILES[engine]
        ledger_head = copy_sqlite(database) if engine == "sqlite" else dump_postgres(database)
        photos = photo_files()
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(),
            "engine": engine,
            "revision": current_revision(),
            "hub": current_app.config["HUB_NAME"],
            "ledger_head": {"seq": ledger_head["seq"], "hash": ledger_head["hash"]},
            "files": {
                database.name: sha256(database),
                **{f"{PHOTOS}/{path.name}": sha256(path) for path in photos},
            },
        }
        partial = Path(work) / archive.name
        with tarfile.open(partial, "w:gz") as bundle:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            entry = tarfile.TarInfo(MANIFEST)
            entry.size, entry.mtime = len(data), int(moment.timestamp())
            bundle.addfile(entry, io.BytesIO(data))
            bundle.add(database, arcname=database.name)
            for path in photos:
                bundle.add(path, arcname=f"{PHOTOS}/{path.name}")
        if archive.exists():
            raise BackupError(_l("%(path)s already exists.", path=str(archive)))
        partial.replace(archive)  # whole or absent: never a half-written backup
    db.session.rollback()
    return archive


def read_manifest(bundle: tarfile.TarFile) -> dict:
    try:
        source = bundle.extractfile(MANIFEST)
        if source is None:  # a folder or a link
            raise ValueError(MANIFEST)
        manifest = json.load(source)
    except (KeyError, ValueError):
        raise BackupError(_l("This file is not a backup of market: it has no manifest.")) from None
    if manifest.get("format") != FORMAT or manifest.get("engine") not in DATABASE_FILES:
        raise BackupError(_l("This backup's format is not one this version reads."))
    return manifest


def member_file(bundle: tarfile.TarFile, name: str) -> IO[bytes]:
    """The regular file at this name, opened; never a link or a path out of the folder."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or len(path.parts) > 2:
        raise BackupError(_l("The backup names a file outside its folder: %(name)s", name=name))
    try:
        member = bundle.getmember(name)
    except KeyError:
        raise BackupError(_l("The backup lacks %(name)s.", name=name)) from None
    source = bundle.extractfile(member) if member.isfile() else None
    if source is None:
        raise BackupError(_l("The backup names a file outside its folder: %(name)s", name=name))
    return source


def extract_checked(bundle: tarfile.TarFile, manifest: dict, work: Path) -> None:
    """Every file of the manifest, under `work`, with the checksum the manifest gives."""
    for name, checksum in manifest["files"].items():
        source = member_file(bundle, name)
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        if sha256(target) != checksum:
            raise BackupError(
                _l("%(name)s does not match its checksum: the backup is damaged.", name=name)
            )


def row_counts() -> dict[str, int]:
    """Rows of every table the database holds, but those the migrations seed."""
    names = set(inspect(db.engine).get_table_names()) - SEEDED_TABLES
    tables = [table for table in db.metadata.sorted_tables if table.name in names]
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in tables
    }


def ensure_empty() -> None:
    filled = {
        name: count for name, count in row_counts().items() if count > SEEDED_ROWS.get(name, 0)
    }
    if filled:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(filled.items())[:4])
        raise BackupError(
            _l(
                "The database is not empty (%(tables)s…): restore into an empty "
                "database, or give --force to replace everything it holds.",
                tables=listed,
            )
        )


def put_database_in_place(engine: str, copy: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if engine == "sqlite":
        sqlite_copy(copy, sqlite_path())
        return
    run_client(
        [
            client("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={db.engine.url.database}",
            str(copy),
        ]
    )


def restore_photos(work: Path) -> None:
    source = work / PHOTOS
    if not source.is_dir():
        return
    directory = photo_directory()
    directory.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        shutil.copyfile(path, directory / path.name)


def open_archive(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except (OSError, tarfile.TarError):
        raise BackupError(
            _l("%(path)s is not a backup archive that can be read.", path=str(archive))
        ) from None


def restore(archive: Path, force: bool = False) -> Restored:
    """Put a backup in place; the ledger is verified and its head compared afterwards."""
    bundle = open_archive(archive)
    engine = engine_name()
    with bundle, tempfile.TemporaryDirectory(prefix="market-restore-") as folder:
        manifest = read_manifest(bundle)
        if manifest["engine"] != engine:
            raise BackupError(
                _l(
                    "This backup is of a %(backup)s database; this installation uses %(engine)s.",
                    backup=manifest["engine"],
                    engine=engine,
                )
            )
        if engine == "sqlite":
            sqlite_path()
        else:
            client("pg_restore")
        if not force:
            ensure_empty()
        work = Path(folder)
        extract_checked(bundle, manifest, work)
        put_database_in_place(engine, work / DATABASE_FILES[engine])
        restore_photos(work)
    verdict = verify()
    expected = manifest["ledger_head"]
    if not verdict.ok:
        raise BackupError(
            _l("Restored, but the ledger does not verify: %(problem)s", problem=verdict.problem)
        )
    if (verdict.count, verdict.head_hash) != (expected["seq"], expected["hash"]):
        raise BackupError(
            _l(
                "Restored, but the ledger's head (seq %(seq)s) is not the one the "
                "manifest gives (seq %(expected)s).",
                seq=verdict.count,
                expected=expected["seq"],
            )
        )
    db.session.rollback()
    return Restored(manifest, verdict.count, verdict.head_hash, migrations().ok)
