"""One exception root and the documented exit codes.

Every error a user can cause or meet (bad flags, a missing file, the network,
upstream serving something that is not a spec) is a :class:`ToolError` with a
message that says what was expected, what was found and where, plus a hint.
The CLI maps them to exit codes in one place (``conformance.cli``); anything
else is a bug and exits with :data:`EXIT_BUG`.
"""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UPSTREAM = 3
EXIT_BUG = 4


class ToolError(Exception):
    """An error the user can act on; never shown with a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(ToolError):
    """Wrong flags or arguments."""


class InputError(ToolError):
    """A local file the user named is missing, unreadable or malformed."""


class SpecError(InputError):
    """A spec (local) that cannot be loaded or is not OpenAPI 3.x."""


class OverlayError(InputError):
    """The declared normalisation cannot be applied (a target vanished...)."""


class FetchError(ToolError):
    """Network or upstream fault: refused, timeout, 404, 5xx, bad body, sha256 mismatch."""

    exit_code = EXIT_UPSTREAM


class GenerateError(ToolError):
    """The client generator failed or warned that it dropped something."""

    exit_code = EXIT_UPSTREAM
