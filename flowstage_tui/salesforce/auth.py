"""The auth kinds. Each ends in Credentials (token + instance URL) for the data layer, and a
re-auth callable the client uses on INVALID_SESSION_ID. Tokens live in memory only."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config.secrets import secret
from ..config.store import Profile
from ..errors import AuthNeeded, ConfigError
from .connect import Connection, demo_connection
from .credentials import Credentials

SF_TIMEOUT = 60


def login_command(alias: str, instance_url: str | None = None) -> str:
    url = f" --instance-url {instance_url}" if instance_url else ""
    return f"sf org login web --alias {alias}{url}"


def headless_login_command(alias: str) -> str:
    return f"sf org login sfdx-url --sfdx-url-file ~/{alias}.sfdx-url --alias {alias}"


def _run_sf(args: list[str]) -> dict[str, Any]:
    exe = shutil.which("sf")
    if exe is None:
        raise AuthNeeded("The sf CLI is not on PATH; install it with `npm install --global "
                         "@salesforce/cli` or choose another auth kind for this profile.")
    try:
        done = subprocess.run([exe, *args, "--json"], capture_output=True, text=True,
                              timeout=SF_TIMEOUT, env=_sf_env())
    except subprocess.TimeoutExpired as exc:
        raise AuthNeeded(f"`sf {' '.join(args)}` did not answer in {SF_TIMEOUT}s.") from exc
    try:
        data: dict[str, Any] = json.loads(done.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise AuthNeeded(f"`sf {' '.join(args)}` printed something other than JSON.") from exc
    if done.returncode != 0 or data.get("status", 0) != 0:
        raise _SfFailed(str(data.get("name") or ""), str(data.get("message") or done.stderr))
    return data


def _sf_env() -> dict[str, str]:
    import os

    return {**os.environ, "SF_DISABLE_TELEMETRY": "true", "SF_DISABLE_AUTOUPDATE": "true"}


class _SfFailed(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def sf_cli_login(alias: str) -> Credentials:
    """Reuse an `sf` CLI login: metadata from `org display`, the token from
    `org auth show-access-token` on CLIs that redact it (2.136.8+), else from `org display`."""
    try:
        shown = _run_sf(["org", "display", "-o", alias])
    except _SfFailed as exc:
        raise AuthNeeded(f"The sf CLI has no login for {alias!r} ({exc.name or 'error'}); run "
                         f"`{login_command(alias)}`, or over SSH "
                         f"`{headless_login_command(alias)}`.",
                         command=login_command(alias)) from exc
    result = shown.get("result") or {}
    instance = result.get("instanceUrl")
    token = result.get("accessToken") or ""
    if not instance:
        raise AuthNeeded(f"`sf org display -o {alias}` gave no instance URL; log in again with "
                         f"`{login_command(alias)}`.", command=login_command(alias))
    if not token or "REDACTED" in token.upper():
        try:
            tok = _run_sf(["org", "auth", "show-access-token", "-o", alias])
        except _SfFailed as exc:
            raise AuthNeeded(f"The sf CLI would not hand out the token for {alias!r}: "
                             f"{exc.message.strip()[:200]}", command=login_command(alias)) from exc
        token = (tok.get("result") or {}).get("accessToken") or ""
    if not token:
        raise AuthNeeded(f"The sf CLI gave no access token for {alias!r}; run "
                         f"`{login_command(alias)}`.", command=login_command(alias))
    return Credentials(token, instance.rstrip("/"))


def login_failure_text(text: str | None, limit: int = 160) -> str:
    """One short line from whatever a failed login answered (XML, HTML or plain text)."""
    import re

    flat = " ".join(re.sub(r"<[^>]*>", " ", text or "").split())
    if not flat:
        return "no reason given"
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def _session_for(url: str | None, ca_bundle: str | None) -> Callable[[], Any]:
    """Real Salesforce hosts get a plain Session; anything else (a loopback demo org) gets one
    that carries simple-salesforce's https://host URLs to that origin."""
    def make() -> Any:
        from .client import RedirectSession, TimeoutSession

        host = urlsplit(url or "").hostname or ""
        s: TimeoutSession
        if url and not host.endswith((".salesforce.com", ".force.com")):
            s = RedirectSession(url)
        else:
            s = TimeoutSession()
        if ca_bundle:
            s.verify = str(Path(ca_bundle).expanduser())
        return s

    return make


def _domain(login_url: str | None, kind: str) -> str:
    host = urlsplit(login_url or "https://login.salesforce.com").hostname or "login.salesforce.com"
    if host.endswith(".salesforce.com"):
        return host[: -len(".salesforce.com")]
    # A loopback org: the session redirects whatever host simple-salesforce builds. JWT needs
    # the login audience; client credentials refuse the login domain.
    return "login" if kind in ("jwt", "password") else "loopback.my"


def build_connection(profile: Profile, *, cache_dir: Path | None = None,
                     demo_org: Any = None) -> Connection:
    """The Connection for a profile; nothing is contacted until the worker opens it."""
    p = profile
    cap = p.get("api_version")
    ca = p.get("ca_bundle")
    if p.auth == "demo":
        if demo_org is None:
            raise ConfigError("the demo profile needs the demo org; start with --demo")
        return demo_connection(demo_org, api_cap=cap, cache_dir=cache_dir)
    if p.auth == "sf-cli":
        alias = str(p.get("sf_alias"))
        conn = Connection(login=lambda: sf_cli_login(alias),
                          session_factory=_session_for(p.get("instance_url"), ca),
                          api_cap=cap, cache_dir=cache_dir, label=alias)
        return conn
    if p.auth == "access-token":
        url = str(p.get("instance_url"))
        env = p.get("token_env")

        def token_login() -> Credentials:
            return Credentials(secret(p.name, "access token", env), url.rstrip("/"))

        def no_refresh() -> Credentials:
            # a running process never sees a new value of its environment variable
            how = (f"quit (q), export a fresh one in ${env} and start flowstage again" if env
                   else f"store a fresh one with `keyring set flowstage {p.name}:access-token`")
            raise AuthNeeded(f"The org refused the access token for {p.name!r} (expired or "
                             f"revoked) and access tokens cannot be refreshed: {how}.")

        return Connection(login=token_login, reauth=no_refresh,
                          session_factory=_session_for(url, ca), api_cap=cap,
                          cache_dir=cache_dir, label=p.name)
    login_url = p.get("login_url") or "https://login.salesforce.com"
    session_factory = _session_for(login_url, ca)

    def oauth_login() -> Credentials:
        from simple_salesforce import exceptions as sfx
        from simple_salesforce.login import SalesforceLogin

        session = session_factory()
        kw: dict[str, Any] = {"session": session, "domain": _domain(login_url, p.auth),
                              "sf_version": cap or "59.0"}
        try:
            if p.auth == "password":
                pw = secret(p.name, "password", p.get("password_env"))
                token = secret(p.name, "security token", p.get("security_token_env"),
                               prompt=True)
                sid, instance = SalesforceLogin(username=p.get("username"), password=pw,
                                                security_token=token, **kw)
            elif p.auth == "jwt":
                sid, instance = SalesforceLogin(
                    username=p.get("username"), consumer_key=p.get("client_id"),
                    privatekey_file=str(Path(str(p.get("private_key_file"))).expanduser()), **kw)
            else:  # client-credentials
                secret_value = secret(p.name, "consumer secret", p.get("client_secret_env"))
                sid, instance = SalesforceLogin(consumer_key=p.get("client_id"),
                                                consumer_secret=secret_value, **kw)
        except sfx.SalesforceAuthenticationFailed as exc:
            # `exc.message` is simple-salesforce's unfilled class template ("Response content:
            # {content}"); `auth_message` is the org's exceptionMessage / error_description,
            # or a whole HTML page when a proxy answered.
            raise AuthNeeded(f"Login for profile {p.name!r} failed ({exc.code}): "
                             f"{login_failure_text(getattr(exc, 'auth_message', ''))}") from exc
        except OSError as exc:
            raise AuthNeeded(f"Login for profile {p.name!r} could not start: {exc}") from exc
        if urlsplit(login_url).hostname and not str(urlsplit(login_url).hostname).endswith(
                (".salesforce.com", ".force.com")):
            return Credentials(str(sid), login_url.rstrip("/"))
        return Credentials(str(sid), f"https://{instance}")

    return Connection(login=oauth_login, session_factory=session_factory, api_cap=cap,
                      cache_dir=cache_dir, label=p.name)
