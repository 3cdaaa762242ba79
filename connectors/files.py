"""Reading an input file from disk: regular files only, within a size limit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from connectors.errors import FileRefused
from core.settings import get_settings

MB = 1024 * 1024


def read_file(path: Path, limit_mb: int | None = None) -> bytes:
    """The bytes of a regular file (a link is followed, then checked), at most `limit_mb` MB.

    Devices, pipes and sockets are refused without reading (a pipe would wait for ever, a
    device never end); the default limit is INVGOV_MAX_FILE_MB.
    """
    limit = (limit_mb or get_settings().max_file_mb) * MB
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileRefused(path.name, f"cannot read the file ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            via = " (through a symbolic link)" if path.is_symlink() else ""
            raise FileRefused(
                path.name,
                f"not a regular file{via}: a device, pipe or socket is never read; "
                "give the export file itself",
            )
        if info.st_size > limit:
            raise FileRefused(path.name, _too_big(info.st_size, limit))
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while being read
        raise FileRefused(path.name, _too_big(len(data), limit))
    return data


def _too_big(size: int, limit: int) -> str:
    return (
        f"the file is {size / MB:,.1f} MB; files up to {limit // MB:,} MB are imported "
        "(INVGOV_MAX_FILE_MB): split it and import the parts one after another"
    )
