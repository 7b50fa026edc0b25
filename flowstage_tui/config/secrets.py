"""Where secrets come from: the environment (a variable the profile names), the OS keyring
(when the `keyring` library is installed), or a prompt. Never the config file; never logged.

The prompt reads the terminal, so it happens on the main thread before the triage screen
starts (`ask_before_ui`) and never on a worker: while the App runs, the terminal is Textual's,
and a worker blocked in getpass would hang the app with the terminal left in raw mode.
"""

from __future__ import annotations

import getpass
import os
import sys
import threading

from ..errors import AuthNeeded
from .store import Profile

KEYRING_SERVICE = "flowstage"

# auth kind -> (the secret's name in messages and in the keyring, the profile key naming its
# environment variable)
SECRETS_OF: dict[str, tuple[tuple[str, str], ...]] = {
    "password": (("password", "password_env"), ("security token", "security_token_env")),
    "client-credentials": (("consumer secret", "client_secret_env"),),
    "access-token": (("access token", "token_env"),),
}
_TYPED: dict[tuple[str, str], str] = {}  # answers given at the prompt: this process, memory only


def _may_prompt() -> bool:
    return threading.current_thread() is threading.main_thread() and sys.stdin is not None \
        and sys.stdin.isatty()


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
    typed = _TYPED.get((profile, what))
    if typed:
        return typed
    if prompt and _may_prompt():
        value = getpass.getpass(f"{what} for profile {profile}: ")
        if value:
            _TYPED[(profile, what)] = value
            return value
    where = f"export {env_name}=..." if env_name else f"set {what.replace(' ', '_')}_env in the " \
        "profile and export that variable"
    raise AuthNeeded(f"No {what} for profile {profile!r}: {where}, or store it with "
                     f"`keyring set {KEYRING_SERVICE} {profile}:{what.replace(' ', '-')}`.")


def ask_before_ui(profile: Profile) -> None:
    """Ask on the terminal, now, for each secret this profile's login needs and neither the
    environment nor the keyring holds. A secret still missing is not an error here: the login
    on the worker fails with the same message and the screen says how to fix it."""
    for what, env_key in SECRETS_OF.get(profile.auth, ()):
        try:
            secret(profile.name, what, profile.get(env_key))
        except AuthNeeded:
            pass
