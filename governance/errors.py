"""Errors of the governance package: every refusal a page or the CLI shows in one line."""


class GovernanceError(Exception):
    """A governance rule refused the request (unknown user, bad value, last admin, …)."""


class PermissionDenied(GovernanceError):
    """The actor's role (or team, or authorship) does not allow the action.

    `advice` says, in plain words for a page, what the person may do instead.
    """

    def __init__(self, message: str, advice: str | None = None) -> None:
        super().__init__(message)
        self.advice = advice


class AuthenticationError(GovernanceError):
    """A sign-in was refused: wrong name or password, disabled account, or too many failures."""


class NotFound(GovernanceError):
    """The object asked for does not exist (an exception id, a review week, a request)."""


class ConflictError(GovernanceError):
    """Someone changed the object since the caller read it; `current` holds its state now.

    Nothing was written: the caller shows the new state and lets the person decide again.
    """

    def __init__(self, message: str, current: dict[str, object]) -> None:
        super().__init__(message)
        self.current = current


class UnreviewedLines(GovernanceError):
    """A review was asked to close with agenda lines nobody marked reviewed; `lines` names them.

    Closing anyway is a deliberate choice (`allow_unreviewed=True`, CLI `--allow-unreviewed`).
    """

    def __init__(self, message: str, lines: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.lines = lines
