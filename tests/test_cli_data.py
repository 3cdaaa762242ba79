"""The data commands of manage.py as a person runs them: init, status, import, reset, backup."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.db import get_engine, write_session
from core.settings import safe_url
from governance.accounts import add_user, create_first_admin
from tests.conftest import FIXTURES, PROJECT_ROOT


def run(db_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run manage.py against a database; returns the finished process."""
    env = {**os.environ, "INVGOV_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def status(db_url: str) -> dict:
    """The parsed `status --json` document."""
    result = run(db_url, "status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_import_twice_changes_nothing_and_status_reports_imports(db_url: str) -> None:
    assert run(db_url, "init").returncode == 0
    first = run(db_url, "import", "canonical", str(FIXTURES / "canonical"))
    assert first.returncode == 0, first.stderr
    doc = status(db_url)
    assert doc["counts"]["orders"] == 3 and doc["counts"]["quarantined_rows"] == 1
    assert doc["schema_version"]
    assert doc["database"] == safe_url(db_url)
    newest = doc["imports"][0]
    assert set(newest) == {"source", "system", "file", "sha256", "finished_at", "read",
                           "inserted", "updated", "unchanged", "quarantined"}  # fmt: skip
    second = run(db_url, "import", "canonical", str(FIXTURES / "canonical"))
    assert second.returncode == 0
    again = status(db_url)
    assert again["counts"] == doc["counts"]
    assert all(i["inserted"] == 0 and i["updated"] == 0 for i in again["imports"][:6])


def test_binary_file_refused_with_one_line_and_nonzero_exit(db_url: str, tmp_path: Path) -> None:
    run(db_url, "import", "canonical", str(FIXTURES / "canonical" / "locations.csv"))
    before = status(db_url)
    binary = tmp_path / "orders.csv"
    binary.write_bytes(bytes(range(256)) * 64)
    result = run(db_url, "import", "canonical", str(binary))
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "orders.csv: refused: binary content (NUL bytes), not a delimited text export: "
        "export the data as CSV",
        "error: 1 of 1 file(s) refused",
    ]
    assert status(db_url) == before


def test_good_files_commit_when_another_is_refused(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "orders.csv"
    bad.write_text("nothing,useful\n1,2\n")
    result = run(db_url, "import", "canonical", str(FIXTURES / "canonical" / "items.csv"), str(bad))
    assert result.returncode == 1
    assert "items.csv: canonical as erp: read 3, inserted 3" in result.stdout
    assert status(db_url)["counts"]["items"] == 3


def test_reset_needs_yes_and_keeps_the_schema(db_url: str) -> None:
    run(db_url, "import", "canonical", str(FIXTURES / "canonical"))
    refused = run(db_url, "reset")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert run(db_url, "reset", "--yes").returncode == 0
    doc = status(db_url)
    assert all(v == 0 for v in doc["counts"].values()) and doc["imports"] == []


def test_backup_copies_a_consistent_sqlite_database(sqlite_url: str, tmp_path: Path) -> None:
    run(sqlite_url, "import", "canonical", str(FIXTURES / "canonical"))
    target = tmp_path / "copy.db"
    result = run(sqlite_url, "backup", str(target))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("select count(*) from items").fetchone() == (3,)
    exists = run(sqlite_url, "backup", str(target))
    assert exists.returncode == 1 and "already exists" in exists.stderr


def test_unknown_path_is_a_clear_error(db_url: str) -> None:
    result = run(db_url, "import", "canonical", "/no/such/folder")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no such file or folder: /no/such/folder"


def test_database_url_passwords_are_masked() -> None:
    masked = safe_url("postgresql+psycopg://ops:s3cret@db.example:5432/invgov")
    assert masked == "postgresql+psycopg://ops:***@db.example:5432/invgov"


def test_init_creates_the_first_admin_once_and_reset_keeps_real_accounts(db_url: str) -> None:
    first = run(db_url, "init")
    assert first.returncode == 0
    [line] = [x for x in first.stdout.splitlines() if "first admin" in x]
    assert line.startswith("created the first admin: user 'admin', password ")
    assert "first admin" not in run(db_url, "init").stdout
    run(db_url, "import", "canonical", str(FIXTURES / "canonical"))
    assert run(db_url, "reset", "--yes").returncode == 0
    users = run(db_url, "users", "list", "--json")
    assert [u["name"] for u in json.loads(users.stdout)] == ["admin"]


@pytest.mark.parametrize(("role", "allowed"), [("viewer", False), ("owner", False),
                                               ("steward", True), ("admin", True)])  # fmt: skip
def test_import_with_user_is_checked_against_the_permission_table(
    db_url: str, role: str, allowed: bool
) -> None:
    with write_session(get_engine(db_url)) as session:
        admin = create_first_admin(session=session, name="root", password="root-password-1")
        if role != "admin":
            add_user(session=session, actor=admin, name="pat", role=role, team="operations",
                     password="pat-password-1")  # fmt: skip
    user = "root" if role == "admin" else "pat"
    result = run(db_url, "import", "canonical", str(FIXTURES / "canonical" / "locations.csv"),
                 "--user", user)  # fmt: skip
    assert (result.returncode == 0) is allowed
    assert status(db_url)["counts"]["locations"] == (3 if allowed else 0)
    if not allowed:
        assert result.stderr.startswith(f"error: pat ({role}) may not import files")


def test_a_database_without_schema_is_named_with_the_command_that_fixes_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never-initialised.db'}"
    for command in (["status"], ["metrics", "--json"]):
        result = run(url, *command)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"error: the database {url} has no schema: run `python manage.py init` first"
        ]
    assert run(url, "init").returncode == 0
    assert run(url, "status").returncode == 0
