"""A crash's traceback goes to the log file, never to the screen (locals may hold a token)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def write_crash_log(path: Path | None, error: BaseException) -> Path | None:
    """Append the traceback to the log file, with no local variables (they may hold a token).
    None when there is no log file or it cannot be written."""
    if path is None:
        return None
    import traceback

    from .. import __version__

    text = "".join(traceback.format_exception(error))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"{stamp} CRASH flowstage {__version__}\n{text}\n")
    except OSError:
        return None
    return path
