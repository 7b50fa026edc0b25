"""flowstage's user-facing errors: each carries one sentence saying what is wrong and what to do."""

from __future__ import annotations


class FlowstageError(Exception):
    """Base class. `str(err)` is the one-line message shown to the user."""

    exit_code = 1


class UsageError(FlowstageError):
    """Bad input on the command line or in a data file."""

    exit_code = 2


class ConfigError(FlowstageError):
    """The config file is malformed or names something that does not exist."""

    exit_code = 2


class AuthNeeded(FlowstageError):
    """The org rejected our session and no stored way to log in again worked."""

    def __init__(self, message: str = "The org rejected the session; log in again.",
                 command: str | None = None) -> None:
        super().__init__(message)
        self.command = command  # the exact command that fixes it, when we know one


class ApiLimitExceeded(FlowstageError):
    """The org's daily API allowance is used up (REQUEST_LIMIT_EXCEEDED). The message suits
    every command, one-shot or polling: whoever polls says when it tries again."""

    def __init__(self, message: str = "The org's daily API allowance is used up "
                 "(REQUEST_LIMIT_EXCEEDED); Salesforce counts a rolling 24 hours, so calls "
                 "free up as older ones age out.") -> None:
        super().__init__(message)


class NetworkDown(FlowstageError):
    """No answer from the org: no connection, the connection dropped, or no answer in time.

    `reason` says which in a word or two, for the header ("offline (no connection)")."""

    def __init__(self, message: str, reason: str = "no connection") -> None:
        super().__init__(message)
        self.reason = reason


class OrgUnavailable(FlowstageError):
    """The org answered, but with a server error (5xx) or a body that is not JSON: reachable
    and failing, not offline. `reason` is the status ("503") or "bad answer"."""

    def __init__(self, message: str, reason: str = "error") -> None:
        super().__init__(message)
        self.reason = reason


class QueryRefused(FlowstageError):
    """The org refused a query; the SOQL and Salesforce's own message are kept for detail."""

    def __init__(self, message: str, *, soql: str | None = None, code: str | None = None,
                 detail: str | None = None) -> None:
        super().__init__(message)
        self.soql = soql
        self.code = code
        self.detail = detail
