"""An access token and the instance it is good for. Kept apart from the client so that
building a connection does not import requests (the first frame must not wait for it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    """Never logged, never written: repr hides the token."""

    access_token: str
    instance_url: str

    def __repr__(self) -> str:
        return f"Credentials(instance_url={self.instance_url!r}, access_token=<hidden>)"


Reauth = Callable[[], Credentials]
