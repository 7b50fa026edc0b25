"""The auth kinds. Each ends in Credentials (token + instance URL) for the data layer, and a
re-auth callable the client uses on INVALID_SESSION_ID. Tokens live in memory only."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config.secrets import secret
from ..config.store import Profile, is_loopback
from ..errors import AuthNeeded, ConfigError, OrgUnavailable
from .connect import Connection
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
                              stdin=subprocess.DEVNULL, timeout=SF_TIMEOUT, env=_sf_env())
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


class _Sessions:
    """Makes the Sessions of one profile. Logins get a plain Session (they are sent to full
    URLs); API calls go to the instance URL the last login returned. simple-salesforce
    always builds `https://host/services/...`: an http loopback org (`flowstage demo serve`)
    or a site with a path prefix needs a RedirectSession that carries them there."""

    def __init__(self, ca_bundle: str | None, instance_url: str | None = None) -> None:
        self.ca_bundle = ca_bundle
        self.instance_url = instance_url

    def remember(self, creds: Credentials) -> Credentials:
        self.instance_url = creds.instance_url
        return creds

    def __call__(self) -> Any:
        from .client import RedirectSession, TimeoutSession

        parts = urlsplit(self.instance_url or "")
        s: TimeoutSession
        if self.instance_url and (parts.scheme != "https" or parts.path.strip("/")):
            s = RedirectSession(self.instance_url)
        else:
            s = TimeoutSession()
        if self.ca_bundle:
            s.verify = str(Path(self.ca_bundle).expanduser())
        return s


def login_base(login_url: str | None) -> str:
    """The login URL without a trailing slash; a site keeps its path (/customers)."""
    parts = urlsplit(login_url or "https://login.salesforce.com")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


_SANDBOX_HOST = re.compile(r"(\.sandbox\.my\.salesforce\.(com|mil)$)|(^cs\d+(\.my)?\."
                           r"salesforce\.com$)|(^test\.salesforce\.com$)")


def is_site(login_url: str) -> bool:
    """An Experience Cloud site: *.my.site.com, an old *.force.com site, or any URL with a
    path (a custom domain's /customers). Its users log in there, not at login.salesforce.com."""
    parts = urlsplit(login_url)
    host = parts.hostname or ""
    if parts.path.strip("/"):
        return True
    if host.endswith((".salesforce.com", ".salesforce.mil")) or is_loopback(host):
        return False
    return host.endswith((".site.com", ".force.com"))


def jwt_audience(login_url: str | None) -> str:
    """The `aud` of a JWT bearer assertion: https://login.salesforce.com, or
    https://test.salesforce.com for sandboxes, or the site URL for an Experience Cloud site
    (Salesforce's JWT bearer flow; the sf CLI's getJwtAudienceUrl). The token itself is
    posted to the login URL (My Domain, sandbox, Government Cloud, site)."""
    base = login_base(login_url)
    host = urlsplit(base).hostname or ""
    if is_site(base):
        return base
    if _SANDBOX_HOST.search(host):
        return "https://test.salesforce.com"
    return "https://login.salesforce.com"


def _instance_url(returned: str, base: str) -> str:
    """The instance URL from a login answer. simple-salesforce hands back the host (and any
    path) without a scheme; a site's SOAP answer loses its path prefix, which the login
    URL still has."""
    login = urlsplit(base)
    host, _, path = returned.partition("/")
    if host != login.netloc:
        return f"https://{returned}".rstrip("/")
    return f"{login.scheme}://{host}{'/' + path.rstrip('/') if path else login.path}"


def build_connection(profile: Profile, *, cache_dir: Path | None = None) -> Connection:
    """The Connection for a profile; nothing is contacted until the worker opens it. The
    demo org's connections are made by flowstage_tui.demo, which holds the org."""
    p = profile
    cap = p.get("api_version")
    ca = p.get("ca_bundle")
    if p.auth == "demo":
        raise ConfigError("the demo profile needs the demo org; start with --demo")
    if p.auth == "sf-cli":
        alias = str(p.get("sf_alias"))
        sessions = _Sessions(ca, p.get("instance_url"))
        return Connection(login=lambda: sessions.remember(sf_cli_login(alias)),
                          session_factory=sessions, api_cap=cap, cache_dir=cache_dir,
                          label=alias)
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
                          session_factory=_Sessions(ca, url.rstrip("/")), api_cap=cap,
                          cache_dir=cache_dir, label=p.name)
    base = login_base(p.get("login_url"))
    sessions = _Sessions(ca)

    def oauth_login() -> Credentials:
        """Log in at the profile's login URL itself, whatever its host: simple-salesforce
        would send every login to https://{domain}.salesforce.com (a .force.com site or a
        Government Cloud .mil host went to login.salesforce.com)."""
        from simple_salesforce import exceptions as sfx
        from simple_salesforce.login import SalesforceLogin, token_login

        from .client import TimeoutSession

        session = TimeoutSession()
        if ca:
            session.verify = str(Path(ca).expanduser())
        statuses: list[int] = []  # the login's HTTP answers: a 5xx is an outage, not a refusal
        session.hooks["response"].append(lambda r, *_a, **_k: statuses.append(r.status_code))
        token_url = f"{base}/services/oauth2/token"
        domain = "login"  # used by simple-salesforce only in a hint it prints
        try:
            if p.auth == "password":
                pw = secret(p.name, "password", p.get("password_env"))
                token = secret(p.name, "security token", p.get("security_token_env"),
                               prompt=True)
                # scratch_url is simple-salesforce's way to name the SOAP login's base URL
                sid, instance = SalesforceLogin(username=p.get("username"), password=pw,
                                                security_token=token, session=session,
                                                sf_version=cap or "59.0", scratch_url=base)
            elif p.auth == "jwt":
                sid, instance = token_login(token_url, {
                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": _jwt_assertion(p, jwt_audience(base))},
                    domain, str(p.get("client_id")), None, None, session)
            else:  # client-credentials
                secret_value = secret(p.name, "consumer secret", p.get("client_secret_env"))
                basic = base64.b64encode(f"{p.get('client_id')}:{secret_value}".encode())
                sid, instance = token_login(token_url, {"grant_type": "client_credentials"},
                                            domain, str(p.get("client_id")),
                                            {"Authorization": f"Basic {basic.decode()}"},
                                            None, session)
        except sfx.SalesforceAuthenticationFailed as exc:
            code = str(exc.code).removeprefix("sf:")
            if statuses and statuses[-1] >= 500 and (code in _OUTAGE_CODES or code.isdigit()):
                # the login host is up but failing (maintenance, an incident): wait and retry,
                # do not tell the user to log in again. (A refused SOAP login is a 500 too,
                # so the code decides; a body that is not JSON leaves only the status.)
                raise OrgUnavailable(f"Login for profile {p.name!r} at {base}: the org answered "
                                     f"{statuses[-1]} ({exc.code}); flowstage retries.",
                                     reason=str(statuses[-1])) from exc
            # `exc.message` is simple-salesforce's unfilled class template ("Response content:
            # {content}"); `auth_message` is the org's exceptionMessage / error_description,
            # or a whole HTML page when a proxy answered.
            raise AuthNeeded(f"Login for profile {p.name!r} failed ({exc.code}): "
                             f"{login_failure_text(getattr(exc, 'auth_message', ''))}") from exc
        except OSError as exc:
            import requests

            from .client import network_error

            # requests' own text is a repr of its connection pool; say it the way polls do
            why = network_error(exc) if isinstance(exc, requests.RequestException) else exc
            raise AuthNeeded(f"Login for profile {p.name!r} at {base} failed: {why}") from exc
        return sessions.remember(Credentials(str(sid), _instance_url(str(instance), base)))

    return Connection(login=oauth_login, session_factory=sessions, api_cap=cap,
                      cache_dir=cache_dir, label=p.name)


# Login answers that mean "the service is failing", not "these credentials are refused":
# SOAP faults and OAuth errors (RFC 6749's server_error / temporarily_unavailable).
_OUTAGE_CODES = frozenset({"SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "unknown_error",
                           "server_error", "temporarily_unavailable"})


def _jwt_assertion(p: Profile, audience: str) -> str:
    """The signed JWT bearer assertion (as simple-salesforce builds it, with our audience)."""
    from datetime import UTC, datetime, timedelta

    import jwt

    key = Path(str(p.get("private_key_file"))).expanduser().read_bytes()
    claims = {"iss": p.get("client_id"), "sub": p.get("username"), "aud": audience,
              "exp": f"{(datetime.now(UTC) + timedelta(minutes=3)).timestamp():.0f}"}
    return str(jwt.encode(claims, key, algorithm="RS256"))
