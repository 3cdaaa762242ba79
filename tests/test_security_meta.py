"""Project-wide guards: no raw HTML rendering, no secrets in the repository."""

from __future__ import annotations

import re
import subprocess

from tests.conftest import PROJECT_ROOT

UI_CODE = [PROJECT_ROOT / "app.py", *PROJECT_ROOT.glob("pages/*.py"), *PROJECT_ROOT.glob("ui/*.py")]


def test_no_page_renders_raw_html() -> None:
    offenders = [
        f"{path.name}:{number}"
        for path in UI_CODE
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.html\(", line)
    ]
    assert offenders == []


def test_no_secrets_file_is_tracked() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    ).stdout.splitlines()
    assert not [f for f in tracked if f.endswith(("secrets.toml", ".env")) or f.startswith("data/")]
