"""Where secrets come from: the environment (a variable the profile names), the OS keyring
(when the `keyring` library is installed), or a prompt. Never the config file; never logged."""

from __future__ import annotations

import getpass
import os
import sys

from ..errors import AuthNeeded

KEYRING_SERVICE = "flowstage"


def secret(profile: str, what: str, env_name: str | None, *, prompt: bool = True) -> str:
    """Find one secret for a profile. `what` names it in messages ("password")."""
    if env_name:
        value = os.environ.get(env_name)
        if value:
            return value
    try:
        import keyring
        from keyring.errors import KeyringError

        try:
            stored = keyring.get_password(KEYRING_SERVICE, f"{profile}:{what.replace(' ', '-')}")
        except KeyringError:
            stored = None
        if stored:
            return str(stored)
    except ImportError:
        pass
    if prompt and sys.stdin.isatty():
        value = getpass.getpass(f"{what} for profile {profile}: ")
        if value:
            return value
    where = f"export {env_name}=..." if env_name else f"set {what.replace(' ', '_')}_env in the " \
        "profile and export that variable"
    raise AuthNeeded(f"No {what} for profile {profile!r}: {where}, or store it with "
                     f"`keyring set {KEYRING_SERVICE} {profile}:{what.replace(' ', '-')}`.")
