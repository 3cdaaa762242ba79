"""Shared fixtures: a migrated database per test, on SQLite, (when reachable) PostgreSQL, and DuckDB."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from core.db import dispose_engines, get_engine
from core.migrate import upgrade
from core.schema import Base
from core.settings import get_settings
from governance import passwords

# Cheapest argon2 settings keep the suite fast; one accounts test checks the production profile.
passwords.use_profile(passwords.profiles.CHEAPEST)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REALDATA = PROJECT_ROOT.parent / "shared" / "realdata"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_URL = os.environ.get("INVGOV_TEST_POSTGRES_URL")
POSTGRES_SKIP = (
    "PostgreSQL not available: set INVGOV_TEST_POSTGRES_URL or run `make test`, "
    "which starts a throwaway server where apt-get is available"
)


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """AppTest shares Streamlit's process-wide caches between tests; start and end each test clean."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated once, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    dispose_engines()
    return path


def worker_postgres_url(base_url: str) -> str:
    """The PostgreSQL database of this pytest-xdist worker (created when missing), else the base.

    Workers run tests at the same time; each truncates its own database between tests.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base_url
    base = make_url(base_url)
    name = f"{base.database}_{worker}"
    admin = get_engine(base_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        present = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if present.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    """This worker's test PostgreSQL database, migrated once per session."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = worker_postgres_url(POSTGRES_URL)
    with get_engine(url).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    return url


def _truncate_postgres(url: str) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def duckdb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file migrated once, copied for each test."""
    path = tmp_path_factory.mktemp("duckdb-template") / "template.duckdb"
    upgrade(f"duckdb:///{path}")
    dispose_engines()  # closes the database, which checkpoints it into the one file
    return path


# The databases a test taking `db_url` runs on: DuckDB joins SQLite and PostgreSQL for the test
# modules named here (the metrics suite with its SPEC oracles, the engine tests and their smoke
# test); the rest of the suite runs on SQLite and PostgreSQL.
DATABASES = ("sqlite", "postgresql")
ALL_DATABASES = ("sqlite", "postgresql", "duckdb")
ALL_DATABASE_MODULES = ("test_metrics_", "test_engines")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise `database_kind` (behind `db_url`) per the module's list above."""
    if "database_kind" in metafunc.fixturenames:
        module = metafunc.module.__name__.rsplit(".", 1)[-1]
        kinds = ALL_DATABASES if module.startswith(ALL_DATABASE_MODULES) else DATABASES
        metafunc.parametrize("database_kind", kinds, indirect=True)


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which database this test runs on (parametrised by pytest_generate_tests)."""
    return str(request.param)


@pytest.fixture
def db_url(
    request: pytest.FixtureRequest,
    database_kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    """A fresh, migrated, empty database URL, set as INVGOV_DATABASE_URL for the test."""
    if database_kind in ("sqlite", "duckdb"):
        template: Path = request.getfixturevalue(f"{database_kind}_template")
        path = tmp_path / f"invgov.{database_kind}"
        shutil.copy(template, path)
        url = f"{database_kind}:///{path}"
    else:
        url = request.getfixturevalue("postgres_migrated")
        _truncate_postgres(url)
    monkeypatch.setenv("INVGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh migrated SQLite database only (for SQLite-specific behaviour)."""
    path = tmp_path / "invgov.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("INVGOV_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def engine(db_url: str) -> Engine:
    """The engine of the test database."""
    return get_engine(db_url)


def require_realdata(*parts: str) -> Path:
    """A file under ../shared/realdata, or skip the test saying it is absent."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real export {path} is absent (../shared/realdata is not beside this clone)")
    return path
