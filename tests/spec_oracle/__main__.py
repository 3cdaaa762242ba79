"""`python -m tests.spec_oracle DIR [DIR…] --as-of ISO`: the oracle's `metrics --json` document."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.spec_oracle import document, load_folders, parse_as_of


def main(argv: list[str]) -> int:
    """Print `{"as_of": ..., "metrics": [...]}` for folders of canonical CSVs imported in order."""
    parser = argparse.ArgumentParser(prog="python -m tests.spec_oracle", description=__doc__)
    parser.add_argument(
        "folders", nargs="+", type=Path, help="canonical CSV folders, imported in order"
    )
    parser.add_argument("--as-of", required=True, help="the evaluation instant, ISO 8601")
    args = parser.parse_args(argv)
    try:
        data = load_folders(*args.folders)
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(document(data, as_of), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
