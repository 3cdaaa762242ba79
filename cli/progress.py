"""A terminal progress bar for long imports (shown only on a terminal)."""

from __future__ import annotations

import sys
from types import TracebackType

from tqdm import tqdm


class TerminalProgress:
    """A progress callback `(phase, done, total)` drawing one tqdm bar per phase on stderr."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._phase: str | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if phase != self._phase:
            self.close()
            self._phase = phase
            self._bar = tqdm(total=total, desc=phase, unit="row", file=sys.stderr, leave=False)
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """Remove the current bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
