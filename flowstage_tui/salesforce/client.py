"""The API client: simple-salesforce behind timeouts, bounded retries, re-auth and accounting.

One client belongs to one thread (simple-salesforce and requests.Session are not thread-safe).
simple-salesforce is imported lazily: it pulls in zeep and lxml, and the first frame must not
wait for them.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlsplit

import requests

from ..errors import (
    ApiLimitExceeded,
    AuthNeeded,
    FlowstageError,
    NetworkDown,
    OrgUnavailable,
    QueryRefused,
)
from .credentials import Credentials as Credentials
from .credentials import Reauth

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
RETRIES = 2
_USAGE_RE = re.compile(r"api-usage=(\d+)/(\d+)")


class TimeoutSession(requests.Session):
    """A Session with default timeouts; also passes `verify` per request, because requests
    otherwise lets REQUESTS_CA_BUNDLE override a Session's own CA bundle."""

    def __init__(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.on_response: list[Callable[[requests.Response], None]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        headers = kwargs.get("headers")
        if headers and "X-PrettyPrint" in headers:
            # simple-salesforce asks for indented JSON on every call: a third more bytes over
            # a slow link, and the server's slower encoder. Compact JSON parses the same.
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "X-PrettyPrint"}
        if isinstance(self.verify, str):
            kwargs.setdefault("verify", self.verify)
        resp = super().request(method, url, *args, **kwargs)
        for hook in self.on_response:
            hook(resp)
        return resp


class RedirectSession(TimeoutSession):
    """Sends every request to one origin. simple-salesforce always builds https://host URLs;
    this lets it reach a plain-http loopback server such as `flowstage demo serve`, and an
    Experience Cloud site whose API lives under its path (https://acme.force.com/customers)."""

    def __init__(self, origin: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.target = urlsplit(origin)

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        parts = urlsplit(url if isinstance(url, str) else url.decode())
        prefix, path = self.target.path.rstrip("/"), parts.path
        if prefix and path != prefix and not path.startswith(prefix + "/"):
            path = prefix + path
        target = f"{self.target.scheme}://{self.target.netloc}{path}"
        if parts.query:
            target += f"?{parts.query}"
        return super().request(method, target, *args, **kwargs)


@dataclass
class ApiUsage:
    used: int | None = None
    limit: int | None = None

    @property
    def share(self) -> float | None:
        if self.used is None or not self.limit:
            return None
        return self.used / self.limit


@dataclass
class CallStats:
    calls: int = 0
    bytes_in: int = 0


@dataclass
class SubResult:
    status: int
    body: Any
    soql: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class SalesforceClient:
    """flowstage's view of one org: queries, composite calls, describes, versions."""

    credentials: Credentials
    version: str
    session: TimeoutSession = field(default_factory=TimeoutSession)
    reauth: Reauth | None = None
    sleep: Callable[[float], None] = time.sleep
    usage: ApiUsage = field(default_factory=ApiUsage)
    stats: CallStats = field(default_factory=CallStats)
    _sf: Any = None

    def __post_init__(self) -> None:
        self.session.on_response.append(self._observe)

    # ------------------------------------------------------------ plumbing
    def _observe(self, resp: requests.Response) -> None:
        header = resp.headers.get("Sforce-Limit-Info", "")
        m = _USAGE_RE.search(header)
        if m:
            self.usage = ApiUsage(int(m.group(1)), int(m.group(2)))
        self.stats.calls += 1
        self.stats.bytes_in += len(resp.content or b"")

    @property
    def sf(self) -> Any:
        if self._sf is None:
            from simple_salesforce.api import Salesforce

            self._sf = Salesforce(instance_url=self.credentials.instance_url,
                                  session_id=self.credentials.access_token,
                                  session=self.session, version=self.version,
                                  object_pairs_hook=dict)
        return self._sf

    @property
    def base(self) -> str:
        return f"/services/data/v{self.version}"

    def set_version(self, version: str) -> None:
        self.version = version
        self._sf = None

    def _call(self, fn: Callable[[], Any], *, soql: str | None = None,
              idempotent: bool = True) -> Any:
        """Run fn with re-auth on INVALID_SESSION_ID and bounded retries for reads."""
        from simple_salesforce import exceptions as sfx

        attempt = 0
        reauthed = False
        while True:
            try:
                return fn()
            except sfx.SalesforceExpiredSession as exc:
                if reauthed or self.reauth is None:
                    raise AuthNeeded() from exc
                try:
                    self.credentials = self.reauth()
                except FlowstageError:
                    raise
                except Exception as inner:  # an auth provider's own failure
                    raise AuthNeeded(f"Logging in again failed: {inner}") from inner
                self._sf = None
                reauthed = True
                continue
            except sfx.SalesforceRefusedRequest as exc:
                code = _code(exc)
                if code == "REQUEST_LIMIT_EXCEEDED":
                    raise ApiLimitExceeded() from exc
                raise QueryRefused(f"The org refused the request ({code}).", soql=soql,
                                   code=code, detail=_message(exc)) from exc
            except sfx.SalesforceMalformedRequest as exc:
                code = _code(exc)
                raise QueryRefused(f"The org refused the query ({code}).", soql=soql, code=code,
                                   detail=_message(exc)) from exc
            except sfx.SalesforceResourceNotFound as exc:
                raise QueryRefused("The org has no such resource (NOT_FOUND).", soql=soql,
                                   code="NOT_FOUND", detail=_message(exc)) from exc
            except sfx.SalesforceGeneralError as exc:
                if attempt < RETRIES and idempotent and exc.status >= 500:
                    attempt += 1
                    self.sleep(0.25 * 2 ** attempt)
                    continue
                raise OrgUnavailable(f"The org answered with an error (HTTP {exc.status}); "
                                     "flowstage will retry.") from exc
            except (requests.ConnectionError, requests.Timeout, ValueError) as exc:
                # ValueError: a truncated or non-JSON body
                if attempt < RETRIES and idempotent:
                    attempt += 1
                    self.sleep(0.25 * 2 ** attempt)
                    continue
                kind = "timed out" if isinstance(exc, requests.Timeout) else (
                    "sent a garbled answer" if isinstance(exc, ValueError) else "is unreachable")
                raise NetworkDown(f"The org {kind}; flowstage will retry.") from exc
            except KeyError as exc:  # simple-salesforce's parse of an odd 401 body
                raise AuthNeeded() from exc

    # ------------------------------------------------------------ API
    def query(self, soql: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Every row of a query, following nextRecordsUrl."""
        def run() -> list[dict[str, Any]]:
            res = self.sf.query_all(soql, include_deleted=include_deleted)
            return list(res["records"])

        result: list[dict[str, Any]] = self._call(run, soql=soql)
        return result

    def composite(self, subrequests: Sequence[tuple[str, str]], *,
                  all_or_none: bool = False) -> dict[str, SubResult]:
        """One `/composite` call (one API call). subrequests: (referenceId, url-or-SOQL).

        A string starting with SELECT is sent as a query subrequest; anything else is a GET
        of that path under /services/data/vXX.X/.
        """
        body = {"allOrNone": all_or_none, "compositeRequest": []}
        soqls: dict[str, str] = {}
        for ref, what in subrequests:
            if what.lstrip().upper().startswith("SELECT"):
                url = f"{self.base}/query?q={quote_plus(what)}"
                soqls[ref] = what
            else:
                url = f"{self.base}/{what.lstrip('/')}"
            body["compositeRequest"].append({"method": "GET", "url": url,  # type: ignore[attr-defined]
                                             "referenceId": ref})
        payload = json.dumps(body)

        def run() -> Any:
            return self.sf.restful("composite", method="POST", data=payload)

        res = self._call(run, soql="; ".join(soqls.values()) or None)
        out: dict[str, SubResult] = {}
        for item in res.get("compositeResponse", []):
            ref = item.get("referenceId", "")
            out[ref] = SubResult(int(item.get("httpStatusCode", 0)), item.get("body"),
                                 soqls.get(ref))
        return out

    def query_more_pages(self, first: dict[str, Any], soql: str) -> list[dict[str, Any]]:
        """The rest of a (composite) query result, following nextRecordsUrl."""
        rows = list(first.get("records") or [])
        nxt = first.get("nextRecordsUrl")
        while nxt:
            page = self._call(functools.partial(self.sf.query_more, str(nxt),
                                                identifier_is_url=True), soql=soql)
            rows.extend(page.get("records") or [])
            nxt = page.get("nextRecordsUrl")
        return rows

    def versions(self) -> list[str]:
        def run() -> Any:
            resp = self.session.get(f"{self.credentials.instance_url.rstrip('/')}/services/data/")
            resp.raise_for_status()
            return resp.json()

        try:
            data = self._call(run)
        except requests.HTTPError as exc:
            raise OrgUnavailable(f"The org would not list its API versions ({exc}).") from exc
        return [str(v["version"]) for v in data]

    def restful(self, path: str, **kw: Any) -> Any:
        return self._call(lambda: self.sf.restful(path, **kw))


def _code(exc: Any) -> str:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", "UNKNOWN"))
    return "UNKNOWN"


def _message(exc: Any) -> str:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("message", ""))
    return str(content or exc)


def pick_version(offered: Iterable[str], cap: str | None) -> str:
    """The highest API version the org offers, capped by the profile."""
    limit = float(cap) if cap else 1e9
    usable = sorted((float(v) for v in offered if float(v) <= limit), reverse=True)
    if not usable:
        raise QueryRefused(f"The org offers no API version at or below {cap}; raise api_version "
                           "in the profile.")
    return f"{usable[0]:.1f}"
