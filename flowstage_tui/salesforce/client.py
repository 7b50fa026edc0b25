"""The API client: simple-salesforce behind timeouts, bounded retries, re-auth and accounting.

One client belongs to one thread (simple-salesforce and requests.Session are not thread-safe).
simple-salesforce is imported lazily: it pulls in zeep and lxml, and the first frame must not
wait for them.
"""

from __future__ import annotations

import functools
import json
import re
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection

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

# A dead link must be noticed in about ten seconds; a slow org must be waited for.
# - CONNECT_TIMEOUT bounds the TCP connect and TLS handshake: a SYN is sent again after
#   1, 3 and 7 s, so 8 s gives four tries. A connect that timed out is not retried (three
#   tries would triple the wait); the engine's backoff tries again.
# - READ_TIMEOUT is the longest silence between two bytes (requests applies it to each socket
#   read, not to the whole answer): a large query on a busy org may take a minute or more
#   before its first byte, and it keeps its connection alive meanwhile.
# - A link that dies after connecting sends no bytes either: TCP keepalive probes (below)
#   notice it in about ten seconds, because a slow org's machine still answers them.
CONNECT_TIMEOUT = 8.0
READ_TIMEOUT = 120.0
KEEPALIVE_IDLE = 4  # seconds of silence before the first probe
KEEPALIVE_INTERVAL = 2  # seconds between probes
KEEPALIVE_PROBES = 3  # unanswered probes that declare the link dead
RETRIES = 2  # for quick failures only: a reset, a refused connection, a 5xx, a garbled body
_USAGE_RE = re.compile(r"api-usage=(\d+)/(\d+)")


def _keepalive_options() -> list[tuple[int, int, int]]:
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE),  # Linux
                        ("TCP_KEEPALIVE", KEEPALIVE_IDLE),  # macOS spells idle this way
                        ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                        ("TCP_KEEPCNT", KEEPALIVE_PROBES)):
        opt = getattr(socket, name, None)
        if opt is not None and (socket.IPPROTO_TCP, opt, value) not in options:
            options.append((socket.IPPROTO_TCP, opt, value))
    return options


class KeepAliveAdapter(HTTPAdapter):
    """requests' adapter, with TCP keepalive probes on every connection it opens (through a
    proxy too)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["socket_options"] = [*HTTPConnection.default_socket_options,
                                    *_keepalive_options()]
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs.setdefault("socket_options", [*HTTPConnection.default_socket_options,
                                                   *_keepalive_options()])
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class TimeoutSession(requests.Session):
    """A Session with default timeouts and keepalive probes; also passes `verify` per request,
    because requests otherwise lets REQUESTS_CA_BUNDLE override a Session's own CA bundle."""

    def __init__(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.on_response: list[Callable[[requests.Response], None]] = []
        for prefix in ("https://", "http://"):
            self.mount(prefix, KeepAliveAdapter())

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
    # The org's clock as of its last answer (HTTP Date, whole seconds): not the client's,
    # which may be minutes off.
    server_time: datetime | None = None
    _sf: Any = None

    def __post_init__(self) -> None:
        self.session.on_response.append(self._observe)

    # ------------------------------------------------------------ plumbing
    def _observe(self, resp: requests.Response) -> None:
        header = resp.headers.get("Sforce-Limit-Info", "")
        m = _USAGE_RE.search(header)
        if m:
            self.usage = ApiUsage(int(m.group(1)), int(m.group(2)))
        date = resp.headers.get("Date")
        if date:
            try:
                self.server_time = parsedate_to_datetime(date)
            except (TypeError, ValueError):
                pass
        self.stats.calls += 1

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
                code = _code(exc)
                named = f" {code}" if code != "UNKNOWN" else ""
                raise OrgUnavailable(f"The org answered with a server error (HTTP "
                                     f"{exc.status}{named}).", reason=str(exc.status)) from exc
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError, ValueError) as exc:
                # ChunkedEncodingError: the connection broke in the middle of the body;
                # ValueError: a body that is not JSON. A timeout is not tried again at once:
                # it has already cost a connect or read timeout (see READ_TIMEOUT).
                if attempt < RETRIES and idempotent and not isinstance(exc, requests.Timeout):
                    attempt += 1
                    self.sleep(0.25 * 2 ** attempt)
                    continue
                raise network_error(exc) from exc
            except KeyError as exc:  # simple-salesforce's parse of an odd 401 body
                raise AuthNeeded() from exc

    # ------------------------------------------------------------ API
    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a query, following nextRecordsUrl."""
        def run() -> list[dict[str, Any]]:
            res = self.sf.query_all(soql)
            return list(res["records"])

        result: list[dict[str, Any]] = self._call(run, soql=soql)
        return result

    def composite(self, subrequests: Sequence[tuple[str, str]], *, all_or_none: bool = False,
                  include_deleted: bool = False) -> dict[str, SubResult]:
        """One `/composite` call (one API call). subrequests: (referenceId, url-or-SOQL).

        A string starting with SELECT is sent as a query subrequest (to `queryAll` with
        `include_deleted`: deleted rows too, while the recycle bin holds them); anything else
        is a GET of that path under /services/data/vXX.X/.
        """
        body = {"allOrNone": all_or_none, "compositeRequest": []}
        soqls: dict[str, str] = {}
        resource = "queryAll" if include_deleted else "query"
        for ref, what in subrequests:
            if what.lstrip().upper().startswith("SELECT"):
                url = f"{self.base}/{resource}?q={quote_plus(what)}"
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

    def records(self, sub: SubResult) -> list[dict[str, Any]]:
        """The rows of one query subrequest, all of them (following nextRecordsUrl when the
        answer was cut into batches); a refused one raises what it means."""
        if not sub.ok:
            raise subrequest_error(sub)
        result: dict[str, Any] = sub.body if isinstance(sub.body, dict) else {}
        if result.get("done") is False and sub.soql:
            return self.query_more_pages(result, sub.soql)
        return list(result.get("records") or [])

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
        """A REST call through simple-salesforce; retried only when it is a read (a write
        that reached the org must never run twice: writes go through `send`)."""
        method = str(kw.get("method", "GET")).upper()
        return self._call(lambda: self.sf.restful(path, **kw),
                          idempotent=method in ("GET", "HEAD"))

    def send(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> SubResult:
        """One write, sent exactly once: never retried, whatever happens. `path` is relative
        to /services/data/vNN.N/. Answers the HTTP status and the parsed body whatever the
        status (a refusal is an answer, not an exception); raises WriteNotAnswered when no
        answer came (saying whether the request may have reached the org) and AuthNeeded
        when the session is refused and cannot be renewed. A refused session executes
        nothing, so sending again after logging in again is safe."""
        payload = None if body is None else json.dumps(body, ensure_ascii=False)
        reauthed = False
        while True:
            url = f"{self.sf.base_url}{path.lstrip('/')}"
            headers = {k: v for k, v in self.sf.headers.items() if k != "X-PrettyPrint"}
            try:
                resp = self.session.request(method, url, headers=headers,
                                            data=None if payload is None
                                            else payload.encode("utf-8"))
            except requests.RequestException as exc:
                # connection errors, timeouts, a body cut short, and the rarer ones (too
                # many redirects): only a connection never made proves nothing was sent
                raise WriteNotAnswered(network_error(exc), maybe_sent=_maybe_sent(exc)) \
                    from exc
            if resp.status_code == 401:
                if reauthed or self.reauth is None:
                    raise AuthNeeded()
                try:
                    self.credentials = self.reauth()
                except FlowstageError:
                    raise
                except Exception as inner:  # an auth provider's own failure
                    raise AuthNeeded(f"Logging in again failed: {inner}") from inner
                self._sf = None
                reauthed = True
                continue
            return SubResult(resp.status_code, _json_or_text(resp))


class WriteNotAnswered(FlowstageError):
    """A write got no answer. `maybe_sent`: the request may have reached the org (a read
    timeout, a dropped connection), so its outcome is unknown; False when no connection was
    ever made, so nothing was sent."""

    def __init__(self, cause: FlowstageError, *, maybe_sent: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.maybe_sent = maybe_sent


def _maybe_sent(exc: BaseException) -> bool:
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.ConnectTimeout):
        return False
    return not any(isinstance(x, NewConnectionError | ConnectionRefusedError)
                   for x in _chain(exc))


def _json_or_text(resp: requests.Response) -> Any:
    """A response's JSON body; None when empty (204), the text when it is not JSON."""
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text[:500]


def network_error(exc: Exception) -> NetworkDown | OrgUnavailable:
    """The user-facing error for a failed exchange: the network (offline) or the org."""
    if isinstance(exc, requests.ConnectTimeout):
        return NetworkDown(f"No connection to the org within {CONNECT_TIMEOUT:.0f}s.",
                           "no connection")
    if isinstance(exc, requests.Timeout):
        return NetworkDown(f"The org sent nothing for {READ_TIMEOUT:.0f}s.", "no answer")
    if isinstance(exc, ValueError):  # requests' JSON errors are ValueErrors too
        return OrgUnavailable("The org sent an answer that is not valid JSON.", "bad answer")
    if _dropped(exc):
        return NetworkDown(f"The connection to the org dropped ({_root(exc)}).",
                           "connection dropped")
    return NetworkDown(f"The org cannot be reached ({_root(exc)}).", "no connection")


def _chain(exc: BaseException) -> list[BaseException]:
    """exc and what it wraps, outermost first: requests wraps urllib3, which wraps OSError."""
    out: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(out) < 20:
        seen = todo.pop(0)
        if any(seen is x for x in out):
            continue
        out.append(seen)
        todo.extend(a for a in seen.args if isinstance(a, BaseException))
        reason = getattr(seen, "reason", None)
        todo.extend(x for x in (reason, seen.__cause__, seen.__context__)
                    if isinstance(x, BaseException))
    return out


def _dropped(exc: BaseException) -> bool:
    """A connection that was open and then closed or reset, as opposed to one never made."""
    from urllib3.exceptions import NewConnectionError, ProtocolError

    chain = _chain(exc)
    if any(isinstance(x, NewConnectionError) for x in chain):
        return False
    return any(isinstance(x, ProtocolError | ConnectionResetError | ConnectionAbortedError)
               for x in chain)


def _root(exc: BaseException) -> str:
    """The innermost reason requests wrapped ("Connection refused"), short."""
    inner = _chain(exc)[-1]
    text = inner.strerror if isinstance(inner, OSError) and inner.strerror else str(inner)
    text = re.sub(r"\[Errno -?\d+\] ", "", text.rsplit(">: ", 1)[-1])
    return text.strip().rstrip(".")[:80] or type(inner).__name__


def _first_error(content: Any) -> dict[str, Any] | None:
    """Salesforce's error body is a list of {errorCode, message}: the first, if it is one."""
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0]
    return None


def _code(exc: Any) -> str:
    first = _first_error(getattr(exc, "content", None))
    return str(first.get("errorCode", "UNKNOWN")) if first is not None else "UNKNOWN"


def _message(exc: Any) -> str:
    content = getattr(exc, "content", None)
    first = _first_error(content)
    return str(first.get("message", "")) if first is not None else str(content or exc)


def subrequest_error(sub: SubResult) -> FlowstageError:
    """What a refused composite subrequest means. The composite call itself succeeded (HTTP
    200), so simple-salesforce raised nothing: its errorCode is read here, or its own HTTP
    status stands in when the body names none."""
    first = _first_error(sub.body) or {}
    code = str(first.get("errorCode", sub.status))
    if code == "INVALID_SESSION_ID":
        return AuthNeeded()
    if code == "REQUEST_LIMIT_EXCEEDED":
        return ApiLimitExceeded()
    return QueryRefused(f"The org refused a query ({code}).", soql=sub.soql, code=code,
                        detail=str(first.get("message", "")))


def pick_version(offered: Iterable[str], cap: str | None) -> str:
    """The highest API version the org offers, capped by the profile."""
    limit = float(cap) if cap else 1e9
    usable = sorted((float(v) for v in offered if float(v) <= limit), reverse=True)
    if not usable:
        raise QueryRefused(f"The org offers no API version at or below {cap}; raise api_version "
                           "in the profile.")
    return f"{usable[0]:.1f}"
