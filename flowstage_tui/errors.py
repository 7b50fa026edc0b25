"""flowstage's user-facing errors: each carries one sentence saying what is wrong and what to do."""

from __future__ import annotations


class FlowstageError(Exception):
    """Base class. `str(err)` is the one-line message shown to the user."""

    exit_code = 1


class UsageError(FlowstageError):
    """Bad input on the command line or in a data file."""

    exit_code = 2
