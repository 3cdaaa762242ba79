"""Errors of the governance package: every refusal a page or the CLI shows in one line."""


class GovernanceError(Exception):
    """A governance rule refused the request (unknown user, bad value, last admin, …)."""


class PermissionDenied(GovernanceError):
    """The actor's role (or team, or authorship) does not allow the action."""


class AuthenticationError(GovernanceError):
    """A sign-in was refused: wrong name or password, disabled account, or too many failures."""
