"""Where flowstage keeps files. The only module that asks platformdirs (DESIGN.md)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "flowstage"


def config_dir() -> Path:
    override = os.environ.get("FLOWSTAGE_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path(APP, appauthor=False)


def state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path(APP, appauthor=False)


def log_dir() -> Path:
    from platformdirs import user_log_path

    return user_log_path(APP, appauthor=False)


def audit_file() -> Path:
    """The audit log of every write (JSON lines), in the state directory."""
    return state_dir() / "audit.jsonl"
