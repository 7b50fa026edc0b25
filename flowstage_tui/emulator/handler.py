"""The transport-agnostic core: one HTTP request in, one HTTP response out.

Both transports (the in-process `requests` adapter and the loopback server) call
`ApiHandler.handle`. It authenticates, counts API calls the way Salesforce counts them,
applies injected faults, and routes to the REST resources.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import actions, connect_api, ids, writes
from .auth import OAuthError, identity, oauth_token, soap_fault, soap_login, userinfo
from .clock import ms_to_sf, sf_to_ms
from .describe import global_describe, global_entry, object_describe
from .errors import ApiError
from .faults import MAX_COUNT, RULES, Invalid, Rule, check
from .lifecycle import INTERVIEW, OPEN_RUN, RUN, STEP, WORK
from .org import DemoOrg, LoggedRequest
from .permissions import GRAMMAR, PERMISSIONS, names_to_perms, parse_user_perms
from .soql_exec import Context, Engine, QueryResult, column_metadata
from .soql_parse import parse

MIN_VERSION = 31
# Faults of the network itself: the carrier (adapter or server) acts them out.
NETWORK_FAULTS = ("offline", "drop", "timeout")
SESSION_EXPIRED = ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
NOT_FOUND_TEXT = "The requested resource does not exist"
CONTROL_PREFIX = "/__flowstage/"
REQUEST_LOG_MAX = 50_000
_VERSION_RE = re.compile(r"^/services/data/v(\d+\.\d)(?:/(.*))?$")


def release_label(version: int) -> str:
    """Salesforce's release name for an API version (v59.0 = Winter '24)."""
    n = version - 32  # v32.0 was Winter '15; three releases a year
    if n < 0:
        return "Summer '14"
    return f"{('Winter', 'Spring', 'Summer')[n % 3]} '{15 + n // 3:02d}"


@dataclass
class Request:
    method: str
    url: str  # path plus query string
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    origin: str = "https://demo.flowstage.invalid"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    # Transport-level faults the carrier must act out (server: close or stall the socket).
    fault: str | None = None
    delay: float = 0.0


# What the control endpoints accept (README: "Changing the demo org while it runs").
FAULT_REQUEST_RULES = {**RULES, "clear": Rule("flag")}
LIMIT_RULES = {"api_limit": Rule("count", 1, MAX_COUNT), "api_used": Rule("count", 0, MAX_COUNT)}


def _json_object(body: bytes) -> dict[str, Any]:
    """A control request's body: a JSON object (NaN and Infinity are not JSON numbers)."""
    def no_constants(word: str) -> Any:
        raise ValueError(f"{word} is not a number JSON allows")

    try:
        data = json.loads(body or b"{}", parse_constant=no_constants)
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, NaN
        raise ApiError(400, "JSON_PARSER_ERROR", f"The body is not valid JSON: {exc}", []) \
            from exc
    if not isinstance(data, dict):
        raise ApiError(400, "JSON_PARSER_ERROR",
                       f"The body must be a JSON object, got {type(data).__name__}", [])
    return data


def _refusal(problems: list[Invalid]) -> list[dict[str, Any]]:
    """Salesforce's error body: one entry per problem, each naming its key in `fields`."""
    return [ApiError(400, p.code, p.message, [p.key]).body()[0] for p in problems]


def _set_permissions(org: DemoOrg, body: dict[str, Any]) -> tuple[int, Any]:
    """POST /__flowstage/permissions {"user_perms": "ManageFlow,ApprovalAdmin"} (the
    --user-perms grammar) or a list of names; a refused request changes nothing."""
    value = body.get("user_perms")
    unknown = sorted(set(body) - {"user_perms"})
    try:
        if unknown:
            raise ValueError(f"unknown key {unknown[0]!r}; send {{\"user_perms\": ...}}")
        if isinstance(value, str):
            perms = parse_user_perms(value)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            perms = names_to_perms(value)
        else:
            raise ValueError(f"user_perms must be a string or a list of names; write {GRAMMAR}")
    except ValueError as exc:
        return 400, _refusal([Invalid("user_perms", "INVALID_FIELD", str(exc))])
    with org.lock:
        org.set_permissions(perms)
    return 200, None


def endpoint_kind(path: str) -> str | None:
    """Which of the org's endpoints a path names (None: no such resource)."""
    bare = path.rstrip("/")
    if bare == "/services/data":
        return "versions"
    if path.startswith("/services/data/"):
        return "rest"
    if path.startswith("/services/Soap/u/"):
        return "soap"
    if bare == "/services/oauth2/token":
        return "oauth"
    if bare == "/services/oauth2/userinfo":
        return "userinfo"
    if path.startswith("/id/"):
        return "identity"
    return None


class _Cursor:
    def __init__(self, result: QueryResult, batch: int, base: str, all_rows: bool) -> None:
        self.result = result
        self.batch = batch
        self.base = base
        self.all_rows = all_rows


class ApiHandler:
    def __init__(self, org: DemoOrg) -> None:
        self.org = org
        self._cursors: dict[str, _Cursor] = {}
        self._cursor_n = 0

    # ------------------------------------------------------------ entry point
    def handle(self, req: Request) -> Response:
        started = time.perf_counter()
        parts = urlsplit(req.url)
        path = unquote(parts.path)
        query = {k: v for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        counted = 0
        soql = query["q"][0] if query.get("q") else None
        org = self.org
        fault: str | None = None
        delay = 0.0
        try:
            if path.startswith(CONTROL_PREFIX):
                # The demo org's own knobs answer at once: faults can always be switched off.
                status, headers, payload = self._control(req, path)
                return self._respond(req, path, soql, status, headers, payload, 0, started)
            # Everything else crosses the (simulated) network, logins included: a real org's
            # login, versions list and identity URL are round trips like any other.
            endpoint = endpoint_kind(path)
            fault, delay = self._roll_faults()
            if fault in NETWORK_FAULTS:
                # The request never reaches the org; the carrier acts out the failure.
                return Response(0, {}, b"", fault=fault, delay=delay)
            if fault in ("http500", "http503") and endpoint in ("soap", "oauth"):
                resp = self._login_unavailable(req, path, endpoint, started)
                resp.delay = delay
                return resp
            if fault == "http503":
                raise ApiError(503, "SERVER_UNAVAILABLE", "Server Unavailable")
            if fault == "http500":
                raise ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. "
                               "Please include this ErrorId if you contact support: "
                               "1985332067-40615 (-1190938459)")
            if endpoint == "versions":
                status, headers, payload = 200, {}, self._versions()
            elif endpoint == "rest":
                status, headers, payload, counted = self._api(req, path, query)
            elif endpoint == "soap":
                version = path.split("/")[4] if len(path.split("/")) > 4 else "59.0"
                status, xml = soap_login(org, req.body, req.origin, version)
                resp = self._finish(req, path, None, status, {"Content-Type": "text/xml;"
                                    "charset=UTF-8"}, xml.encode(), 0, started)
                resp.delay = delay
                return resp
            elif endpoint == "oauth":
                try:
                    payload = oauth_token(org, req.body, req.headers, req.origin)
                    status, headers = 200, {}
                except OAuthError as exc:
                    status, headers = exc.status, {}
                    payload = {"error": exc.error, "error_description": exc.description}
            elif endpoint == "userinfo":
                session = self._session(req)
                status, headers, payload = 200, {}, userinfo(org, req.origin, session.user_id)
            elif endpoint == "identity":
                session = self._session(req)
                bits = path.strip("/").split("/")
                if len(bits) != 3 or ids.normalise(bits[2]) is None:
                    raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
                status, headers = 200, {}
                payload = identity(org, req.origin, ids.to18(bits[2]))
            else:
                raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
        except ApiError as exc:
            status, headers, payload = exc.status, {}, exc.body()
            if path.startswith("/services/data/v") and exc.status != 401 and \
                    exc.code != "REQUEST_LIMIT_EXCEEDED" and not counted:
                counted = self._count(1) if self._counts(path) else 0
        resp = self._respond(req, path, soql, status, headers, payload, counted, started,
                             malformed=fault == "malformed")
        resp.delay = delay
        return resp

    def _respond(self, req: Request, path: str, soql: str | None, status: int,
                 headers: dict[str, str], payload: Any, counted: int, started: float, *,
                 malformed: bool = False) -> Response:
        """A JSON answer: the API usage header on API calls, the body (cut short when the
        malformed fault struck), logged."""
        org = self.org
        if path.startswith("/services/data/v"):
            headers["Sforce-Limit-Info"] = f"api-usage={org.api_used}/{org.api_limit}"
        pretty = req.headers.get("x-prettyprint") == "1"
        body = b"" if payload is None else json.dumps(
            payload, ensure_ascii=False, indent=2 if pretty else None,
            separators=None if pretty else (",", ":")).encode()
        headers.setdefault("Content-Type", "application/json;charset=UTF-8")
        if malformed and body:
            body = body[: max(1, len(body) // 2)]
        return self._finish(req, path, soql, status, headers, body, counted, started)

    def _login_unavailable(self, req: Request, path: str, endpoint: str,
                           started: float) -> Response:
        """error_rate on a login: the login service is down for a moment and says so in its
        own format (a SOAP fault, an OAuth error), not the REST API's."""
        if endpoint == "soap":
            xml = soap_fault("SERVER_UNAVAILABLE", "Server unavailable, please try again later.")
            return self._finish(req, path, None, 500, {"Content-Type": "text/xml;charset=UTF-8"},
                                xml.encode(), 0, started)
        # [INF] the token endpoint's answer to a passing outage, in OAuth's error shape
        return self._respond(req, path, None, 503, {},
                             {"error": "unknown_error", "error_description": "retry your request"},
                             0, started)

    def _finish(self, req: Request, path: str, soql: str | None, status: int,
                headers: dict[str, str], body: bytes, counted: int, started: float) -> Response:
        if status == 204:
            body = b""
            headers.pop("Content-Type", None)
        # HTTP's Date, from the org's clock (clock_skew_seconds shows in it, as on a real org)
        headers.setdefault("Date", formatdate(self.org.now_ms() / 1000, usegmt=True))
        with self.org.lock:
            log = self.org.request_log
            log.append(LoggedRequest(
                req.method, path, soql, status, len(req.body) + len(req.url), len(body), counted))
            if len(log) > REQUEST_LOG_MAX:  # a demo org serving for days must not grow forever
                del log[: REQUEST_LOG_MAX // 2]
        return Response(status, headers, body)

    @staticmethod
    def _counts(path: str) -> bool:
        return _VERSION_RE.match(path) is not None

    def _count(self, n: int) -> int:
        with self.org.lock:
            self.org.api_used += n
        return n

    def _roll_faults(self) -> tuple[str | None, float]:
        f = self.org.faults
        rng = self.org.fault_rng
        with self.org.lock:
            delay = 0.0
            if f.latency_ms or f.jitter_ms:
                delay = (f.latency_ms + rng.uniform(-f.jitter_ms, f.jitter_ms)) / 1000
            if f.offline:
                return "offline", delay
            if f.drop_rate and rng.random() < f.drop_rate:
                return "drop", delay
            if f.timeout_rate and rng.random() < f.timeout_rate:
                return "timeout", delay
            if f.error_rate and rng.random() < f.error_rate:
                return ("http500" if rng.random() < 0.3 else "http503"), delay
            if f.malformed_rate and rng.random() < f.malformed_rate:
                return "malformed", delay
        return None, max(0.0, delay)

    def _roll_subrequest_fault(self) -> bool:
        """subrequest_error_rate: this composite subrequest fails on its own (a query that
        hit an internal error), its siblings keep their answers."""
        f = self.org.faults
        with self.org.lock:
            return bool(f.subrequest_error_rate) and \
                self.org.fault_rng.random() < f.subrequest_error_rate

    # ------------------------------------------------------------ control path
    def _control(self, req: Request, path: str) -> tuple[int, dict[str, str], Any]:
        self._session(req)  # guarded by a valid access token
        org = self.org
        name = path[len(CONTROL_PREFIX):].strip("/")
        if name == "faults":
            if req.method == "POST":
                # the whole request is checked first: a refused one changes nothing
                clean, problems = check(_json_object(req.body), FAULT_REQUEST_RULES)
                if problems:
                    return 400, {}, _refusal(problems)
                with org.lock:
                    if clean.pop("clear", False):
                        org.faults.clear()
                    org.faults.update(**clean)
            return 200, {}, org.faults.as_dict()
        if name == "limits":
            if req.method == "POST":
                clean, problems = check(_json_object(req.body), LIMIT_RULES)
                if problems:
                    return 400, {}, _refusal(problems)
                with org.lock:
                    org.api_limit = clean.get("api_limit", org.api_limit)
                    org.api_used = clean.get("api_used", org.api_used)
            return 200, {}, {"api_used": org.api_used, "api_limit": org.api_limit}
        if name == "permissions":
            if req.method == "POST":
                status, answer = _set_permissions(org, _json_object(req.body))
                if status != 200:
                    return status, {}, answer
            return 200, {}, {"user_perms": sorted(org.permissions),
                             "known": list(PERMISSIONS)}
        if name == "requests":
            return 200, {}, [r.__dict__ for r in org.request_log[-1000:]]
        raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)

    def _versions(self) -> list[dict[str, str]]:
        top = int(self.org.max_version)
        return [{"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
                for v in range(MIN_VERSION, top + 1)]

    # ------------------------------------------------------------ the REST API
    def _session(self, req: Request) -> Any:
        auth = req.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("bearer", "oauth") or not token:
            raise SESSION_EXPIRED
        with self.org.lock:
            session = self.org.check_session(token.strip())
        if session is None:
            raise SESSION_EXPIRED
        return session

    def _api(self, req: Request, path: str,
             query: dict[str, list[str]]) -> tuple[int, dict[str, str], Any, int]:
        m = _VERSION_RE.match(path)
        if m is None:
            raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
        version = float(m.group(1))
        if not (MIN_VERSION <= version <= self.org.max_version) or m.group(1) != f"{version:.1f}":
            raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
        session = self._session(req)
        org = self.org
        with org.lock:
            if org.api_used >= org.api_limit:
                raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            session.calls += 1
        rest = (m.group(2) or "").strip("/")
        base = f"/services/data/v{version:.1f}"
        if rest == "composite/batch" and req.method == "POST":
            status, payload, n = self._composite_batch(req, version, session)
            return status, {}, payload, self._count(n)
        counted = self._count(1)
        if rest == "composite" and req.method == "POST":
            status, payload = self._composite(req, version, session, base)
            return status, {}, payload, counted
        status, payload = self._route(req.method, rest, query, req.headers, req.body, version,
                                      session, base, req.origin)
        return status, {}, payload, counted

    def _route(self, method: str, rest: str, query: dict[str, list[str]],
               headers: dict[str, str], body: bytes, version: float, session: Any, base: str,
               origin: str) -> tuple[int, Any]:
        org = self.org
        segs = rest.split("/") if rest else []
        ctx = self._ctx(version, base)
        if not segs:
            return 200, self._resources(base, origin, session)
        head = segs[0]
        if head in ("query", "queryAll"):
            if method != "GET":
                raise self._method(method, "GET,HEAD")
            if len(segs) == 2:
                return 200, self._more(segs[1], head == "queryAll")
            q = (query.get("q") or [""])[0]
            if not q:
                raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
            if (query.get("columns") or ["false"])[0].lower() == "true":
                with org.locked():
                    ctx.now_ms = org.now_ms()
                    ctx.store = org.visible_store()
                    return 200, column_metadata(ctx, q)
            return 200, self._query(ctx, q, head == "queryAll", headers, base)
        if head == "tooling" and len(segs) >= 2 and segs[1] == "query":
            return 200, self._tooling_query((query.get("q") or [""])[0])
        if head == "limits":
            return 200, self._limits()
        if head == "sobjects":
            return self._sobjects(method, segs[1:], query, body, version, session, base, ctx)
        if head == "connect":
            return 200, connect_api.route(org, method, segs[1:], query, version)
        if head == "actions":
            return actions.route(org, method, segs[1:], body, version, session.user_id, base)
        raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)

    @staticmethod
    def _method(method: str, allowed: str) -> ApiError:
        return ApiError(405, "METHOD_NOT_ALLOWED",
                        f"HTTP Method '{method}' not allowed. Allowed are {allowed}")

    def _ctx(self, version: float, base: str) -> Context:
        return Context(self.org.schema, self.org.store, version, self.org.now_ms(), base)

    def _resources(self, base: str, origin: str, session: Any) -> dict[str, str]:
        names = ("tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing",
                 "jsonxform", "chatter", "tabs", "appMenu", "quickActions", "queryAll", "commerce",
                 "wave", "iot", "analytics", "search", "smartdatadiscovery", "identity", "composite",
                 "parameterizedSearch", "fingerprint", "theme", "nouns", "event", "serviceTemplates",
                 "recent", "connect", "licensing", "limits", "process", "async-queries", "query",
                 "match", "emailConnect", "compactLayouts", "knowledgeManagement", "sobjects",
                 "actions", "support")
        out = {n: f"{base}/{n}" for n in names}
        out["identity"] = f"{origin}/id/{self.org.org_id}/{session.user_id}"
        return out

    def _limits(self) -> dict[str, Any]:
        org = self.org
        return {
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyApiRequests": {"Max": org.api_limit,
                                 "Remaining": max(0, org.api_limit - org.api_used)},
            "DailyAsyncApexExecutions": {"Max": 250000, "Remaining": 250000},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DailyWorkflowEmails": {"Max": 2000000, "Remaining": 2000000},
            "DataStorageMB": {"Max": 1024, "Remaining": 1000},
            "FileStorageMB": {"Max": 10240, "Remaining": 10200},
            "HourlyTimeBasedWorkflow": {"Max": 1000, "Remaining": 1000},
            "SingleEmail": {"Max": 5000, "Remaining": 5000},
        }

    # ------------------------------------------------------------ queries
    def _query(self, ctx: Context, q: str, all_rows: bool, headers: dict[str, str],
               base: str) -> dict[str, Any]:
        org = self.org
        with org.locked():
            ctx.now_ms = org.now_ms()
            ctx.store = org.visible_store()
            result = Engine(ctx, q).run(all_rows)
            if result.aggregate_records is not None:
                return {"totalSize": result.total_size, "done": True,
                        "records": result.aggregate_records}
            # The client's batchSize is a hint (200 to 2000); the org may answer in smaller
            # batches still (query_batch_size), as Salesforce does for wide rows.
            batch = 2000
            opts = headers.get("sforce-query-options", "")
            mm = re.search(r"batchSize\s*=\s*(\d+)", opts)
            if mm:
                batch = min(2000, max(200, int(mm.group(1))))
            batch = min(batch, org.faults.query_batch_size)
            return self._page(_Cursor(result, batch, base, all_rows), 0, None)

    def _page(self, cur: _Cursor, offset: int, locator: str | None) -> dict[str, Any]:
        res = cur.result
        chunk = res.rows[offset : offset + cur.batch]
        records = [res.serialize(r) for r in chunk]
        out: dict[str, Any] = {"totalSize": res.total_size, "done": True}
        nxt = offset + len(chunk)
        if nxt < len(res.rows):
            if locator is None:
                self._cursor_n += 1
                locator = ids.to18("01g" + ids.POD + ids.base62(self._cursor_n, 9))
                self._cursors[locator] = cur
                while len(self._cursors) > 200:
                    self._cursors.pop(next(iter(self._cursors)))
            out["done"] = False
            kind = "queryAll" if cur.all_rows else "query"
            out["nextRecordsUrl"] = f"{cur.base}/{kind}/{locator}-{nxt}"
        elif locator is not None:
            self._cursors.pop(locator, None)
        out["records"] = records
        return out

    def _more(self, token: str, all_rows: bool) -> dict[str, Any]:
        locator, _, off = token.partition("-")
        cur = self._cursors.get(locator)
        if cur is None or not off.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        with self.org.lock:
            return self._page(cur, int(off), locator)

    def _tooling_query(self, q: str) -> dict[str, Any]:
        query = parse(q)
        if query.obj.lower() == "sandboxprocess":
            # An ordinary production org: it has no sandbox copies in progress.
            return {"size": 0, "totalSize": 0, "done": True, "queryLocator": None,
                    "entityTypeName": "SandboxProcess", "records": []}
        raise ApiError(400, "INVALID_TYPE", "\n" + q + "\n^\nERROR at Row:1:Column:1\n"
                       f"sObject type '{query.obj}' is not supported. If you are attempting to "
                       "use a custom object, be sure to append the '__c' after the entity name. "
                       "Please reference your WSDL or the describe call for the appropriate names.")

    # ------------------------------------------------------------ sobjects
    def _sobjects(self, method: str, segs: list[str], query: dict[str, list[str]], body: bytes,
                  version: float, session: Any, base: str,
                  ctx: Context) -> tuple[int, Any]:
        org = self.org
        schema = org.schema
        if not segs:
            if method != "GET":
                raise self._method(method, "GET,HEAD")
            return 200, global_describe(schema, version, base)
        if segs[0].lower() == writes.EVENT.lower() and len(segs) == 1 and version >= 53:
            # a platform event: publish-only (create), never queried
            if method != "POST":
                raise self._method(method, "POST")
            with org.locked():
                org.store.commit_now = True
                try:
                    return 201, writes.publish_event(org, body, org.now_ms())
                finally:
                    org.store.commit_now = False
        obj = schema.get(segs[0], version)
        if obj is None:
            raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
        if len(segs) == 1:
            if method == "POST":
                raise ApiError(400, "INVALID_TYPE_FOR_OPERATION",
                               f"entity type cannot be inserted: {obj.label}", [])
            if method != "GET":
                raise self._method(method, "GET,HEAD,POST")
            return 200, {"objectDescribe": global_entry(base, obj), "recentItems": []}
        second = segs[1]
        if len(segs) == 2 and second == "describe":
            return 200, object_describe(schema, obj, version, base)
        if len(segs) == 2 and second in ("updated", "deleted"):
            return 200, self._replication(obj.name, obj.replicateable, second, query, obj)
        if len(segs) == 3:
            # external id lookup: sobjects/X/Field/value
            f = obj.field(second, version)
            if f is None or not (f.id_lookup or f.type == "id"):
                raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or "
                               f"is not accessible: {second}")
            with org.locked():
                ctx.store = visible = org.visible_store()
                if visible.defers(obj.name):
                    visible.ensure_matching(obj.name, f.name, (ids.normalise(segs[2]) or "",))
                matches = [r for r in visible.table(obj.name).rows.values()
                           if str(r.get(f.name, "")).lower() == segs[2].lower()]
                if not matches:
                    raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
                if len(matches) > 1:
                    return 300, [f"{base}/sobjects/{obj.name}/{r['Id']}" for r in matches]
                return 200, self._record(ctx, obj.name, matches[0], query)
        if len(segs) != 2:
            raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
        rid = ids.normalise(second)
        if rid is None:
            raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is "
                           f"not accessible: {second}")
        with org.locked():
            # a row whose write has not committed yet is not there for anyone else
            ctx.store = visible = org.visible_store()
            if method in ("PATCH", "DELETE"):
                writes.refuse_deleted(org, obj.name, rid)
            if visible.get(obj.name, rid) is None:
                raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
            if method == "GET":
                ctx.now_ms = org.now_ms()
                return 200, self._record(ctx, obj.name, visible.get(obj.name, rid) or {}, query)
            rec = org.store.get(obj.name, rid)
            if rec is None:  # (cannot be: the view's rows are the store's, or older)
                raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
            org.store.commit_now = True  # an API write is committed when its answer leaves
            try:
                if method == "PATCH":
                    self._patch(obj, rec, body, version, session)
                    return 204, None
                if method == "DELETE":
                    if not obj.deletable:
                        allowed = "HEAD,GET,PATCH" if obj.updateable else "HEAD,GET"
                        raise self._method("DELETE", allowed)
                    if obj.name == INTERVIEW:
                        writes.delete_interview(org, rid, org.now_ms())
                    else:
                        org.store.delete(obj.name, rid, org.now_ms())
                    return 204, None
            finally:
                org.store.commit_now = False
        raise self._method(method, "HEAD,GET,PATCH" if obj.updateable else "HEAD,GET")

    def _record(self, ctx: Context, obj_name: str, rec: dict[str, Any],
                query: dict[str, list[str]]) -> dict[str, Any]:
        obj = self.org.schema.get(obj_name, ctx.version)
        assert obj is not None
        wanted = (query.get("fields") or [""])[0]
        if wanted:
            names = [n.strip() for n in wanted.split(",") if n.strip()]
        else:
            names = [f.name for f in obj.fields_at(ctx.version)]
        for n in names:
            if obj.field(n, ctx.version) is None:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{n}' on sobject of type "
                               f"{obj.name}")
        text = f"SELECT {', '.join(names)} FROM {obj.name} WHERE Id = '{rec['Id']}'"
        eng = Engine(ctx, text)
        compiled = eng.compile(parse(text))
        return eng.serialize(compiled, rec)

    def _patch(self, obj: Any, rec: dict[str, Any], body: bytes, version: float,
               session: Any) -> None:
        org = self.org
        if not obj.updateable:
            raise ApiError(400, "INVALID_TYPE_FOR_OPERATION",
                           f"entity type cannot be updated: {obj.label}", [])
        changes = writes.sobject_body(body)
        bad = []
        for key in changes:
            f = obj.field(key, version)
            if f is None:
                raise ApiError(400, "INVALID_FIELD",
                               f"No such column '{key}' on sobject of type {obj.name}", [])
            if not f.updateable:
                bad.append(f.name)
        if bad:
            raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                           f"Unable to create/update fields: {', '.join(bad)}. Please check the "
                           "security settings of this field and verify that it is read/write for "
                           "your profile or permission set.", bad)
        now = org.now_ms()
        canon = {obj.field(k, version).name: v for k, v in changes.items()}
        if (obj.name == RUN and "Status" in canon) or (obj.name == WORK and "AssigneeId" in canon):
            writes.require(org, "ManageOrchestrationRuns")
        if obj.name == RUN and "Status" in canon:
            status = canon["Status"]
            if status not in obj.fields["Status"].picklist:
                raise ApiError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                               f"Status: bad value for restricted picklist field: {status}",
                               ["Status"])
            if status != rec["Status"]:
                if status != "Canceled":
                    raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "Orchestration runs can only "
                                   "be canceled through the API.", ["Status"])
                if rec["Status"] not in OPEN_RUN:
                    raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "Only in-progress or "
                                   "suspended orchestration runs can be canceled.", ["Status"])
                org.lifecycle.cancel_run(rec, now, session.user_id)
        if obj.name == WORK and "AssigneeId" in canon:
            raw = canon["AssigneeId"]
            aid = ids.normalise(raw) if isinstance(raw, str) else None
            if aid is None:
                raise ApiError(400, "MALFORMED_ID",
                               f"Assignee ID: id value of incorrect type: {raw}", ["AssigneeId"])
            found = org.store.find(aid)
            if found is None or found[0] not in ("User", "Group"):
                raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                               ["AssigneeId"])
            if found[0] == "User" and not found[1]["IsActive"]:
                # Real orgs answer an assignment to an inactive user (record owner, approval
                # routing) with INACTIVE_OWNER_OR_USER "operation performed with inactive user"
                # (Salesforce Help 005237350); the issue's INVALID_CROSS_REFERENCE_KEY is what
                # an Id that names no live User or Group gets, as below.
                raise ApiError(400, "INACTIVE_OWNER_OR_USER",
                               "operation performed with inactive user", ["AssigneeId"])
            if aid != rec["AssigneeId"]:
                if rec["Status"] != "Assigned":
                    raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", "Only assigned work items "
                                   "can be reassigned.", ["AssigneeId"])
                # the run through the step: RelatedRecordId is the context record
                step = org.store.get(STEP, rec["StepInstanceId"]) if rec["StepInstanceId"] \
                    else None
                run = org.store.get(RUN, step["OrchestrationInstanceId"]) if step else None
                if run is not None:
                    org.lifecycle.reassign(run, rec, found[1], now, session.user_id)
                else:
                    org.store.update(WORK, rec["Id"], {"AssigneeId": aid}, now, session.user_id)

    def _replication(self, name: str, replicateable: bool, kind: str,
                     query: dict[str, list[str]], obj: Any) -> dict[str, Any]:
        org = self.org
        if not replicateable:
            raise ApiError(400, "INVALID_TYPE", "The requested resource does not support "
                           f"get{kind.capitalize()}: {name}")
        try:
            start = sf_to_ms(query["start"][0]) // 60_000 * 60_000
            end = sf_to_ms(query["end"][0]) // 60_000 * 60_000
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "INVALID_REPLICATION_DATE", "start and end must be valid "
                           "ISO-8601 date-times") from exc
        with org.locked():
            now = org.now_ms()
            latest = min(end, now // 60_000 * 60_000)
            if start >= end:
                raise ApiError(400, "INVALID_REPLICATION_DATE",
                               "startDate must chronologically precede endDate by more than one "
                               "minute")
            visible = org.visible_store()
            table = visible.table(name)
            if kind == "updated":
                if start < now - 30 * 86_400_000:
                    raise ApiError(400, "INVALID_REPLICATION_DATE",
                                   "startDate can not be more than 30 days ago")
                stamp = "SystemModstamp" if "SystemModstamp" in obj.fields else "CreatedDate"
                if visible.defers(name):
                    visible.ensure_since(start)
                    table = visible.table(name)
                found = [rid for rid, r in table.rows.items() if start <= r[stamp] < latest]
                if len(found) > 600_000:
                    raise ApiError(400, "EXCEEDED_ID_LIMIT",
                                   "record limit reached. narrow the time window")
                return {"ids": found, "latestDateCovered": ms_to_sf(latest)}
            earliest = max(now - 15 * 86_400_000, 0) // 60_000 * 60_000
            deleted = [{"id": rid, "deletedDate": ms_to_sf(ms)} for rid, ms in table.delete_log
                       if start <= ms < latest]
            return {"deletedRecords": deleted, "earliestDateAvailable": ms_to_sf(earliest),
                    "latestDateCovered": ms_to_sf(latest)}

    # ------------------------------------------------------------ composite
    def _composite(self, req: Request, version: float, session: Any,
                   base: str) -> tuple[int, Any]:
        try:
            payload = json.loads(req.body or b"{}")
            subs = payload["compositeRequest"]
            assert isinstance(subs, list)
        except (ValueError, KeyError, AssertionError) as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body is not a valid composite "
                           "request.") from exc
        if len(subs) > 25:
            raise ApiError(400, "INVALID_BATCH_REQUEST",
                           "Limit Exceeded. A composite request can contain at most 25 "
                           "subrequests.")
        queries = sum(1 for s in subs if "/query" in str(s.get("url", "")) or
                      "/queryAll" in str(s.get("url", "")))
        if queries > 5:
            raise ApiError(400, "INVALID_BATCH_REQUEST", "Limit Exceeded. A composite request "
                           "can contain at most 5 query or sObject Collections operations.")
        all_or_none = bool(payload.get("allOrNone", False))
        results: dict[str, Any] = {}
        out = []
        failed = False
        for sub in subs:
            ref = sub.get("referenceId", "")
            method = sub.get("method", "")
            if failed and all_or_none:
                out.append({"body": [{"errorCode": "PROCESSING_HALTED", "message": "The "
                            "transaction was rolled back since another operation in the same "
                            "transaction failed."}], "httpHeaders": {}, "httpStatusCode": 400,
                            "referenceId": ref})
                continue
            try:
                url = _resolve_refs(str(sub.get("url", "")), results)
                body = sub.get("body")
                if body is not None:
                    body = json.loads(_resolve_refs(json.dumps(body), results))
                if method not in ("GET", "PATCH", "POST", "PUT", "DELETE"):
                    raise ApiError(400, "INVALID_HTTP_METHOD", f"Invalid HTTP method: {method}")
                parts = urlsplit(url)
                m = _VERSION_RE.match(unquote(parts.path))
                if m is None:
                    raise ApiError(400, "NOT_FOUND", NOT_FOUND_TEXT)
                sub_version = float(m.group(1))
                rest = (m.group(2) or "").strip("/")
                squery = parse_qs(parts.query, keep_blank_values=True)
                status, res = self._route(
                    method, rest, squery, {k.lower(): v for k, v in
                                           (sub.get("httpHeaders") or {}).items()},
                    json.dumps(body).encode() if body is not None else b"", sub_version,
                    session, f"/services/data/v{sub_version:.1f}", req.origin)
                if status < 400 and self._roll_subrequest_fault():
                    raise ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. "
                                   "Please include this ErrorId if you contact support: "
                                   "1985332067-40616 (-1190938459)")
            except ApiError as exc:
                status, res = exc.status, exc.body()
            if status >= 400:
                failed = True
            results[ref] = res
            out.append({"body": res, "httpHeaders": {}, "httpStatusCode": status,
                        "referenceId": ref})
        return 200, {"compositeResponse": out}

    def _composite_batch(self, req: Request, version: float,
                         session: Any) -> tuple[int, Any, int]:
        try:
            payload = json.loads(req.body or b"{}")
            subs = payload["batchRequests"]
            assert isinstance(subs, list)
        except (ValueError, KeyError, AssertionError) as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body is not a valid batch "
                           "request.") from exc
        if len(subs) > 25:
            raise ApiError(400, "INVALID_BATCH_REQUEST", "A batch can contain at most 25 "
                           "requests.")
        halt = bool(payload.get("haltOnError", False))
        results = []
        has_errors = False
        for sub in subs:
            if halt and has_errors:
                results.append({"statusCode": 412, "result": [{"errorCode":
                                "BATCH_PROCESSING_HALTED", "message": "Batch processing halted "
                                "per request"}]})
                continue
            url = str(sub.get("url", ""))
            method = sub.get("method", "GET")
            try:
                parts = urlsplit("/services/data/" + url.lstrip("/"))
                m = _VERSION_RE.match(unquote(parts.path))
                if m is None:
                    raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
                v = float(m.group(1))
                rich = sub.get("richInput")
                status, res = self._route(method, (m.group(2) or "").strip("/"),
                                          parse_qs(parts.query, keep_blank_values=True), {},
                                          json.dumps(rich).encode() if rich is not None else b"",
                                          v, session, f"/services/data/v{v:.1f}", req.origin)
            except ApiError as exc:
                status, res = exc.status, exc.body()
            has_errors = has_errors or status >= 400
            results.append({"statusCode": status, "result": res})
        return 200, {"hasErrors": has_errors, "results": results}, max(1, len(subs))


_REF_RE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")


def _resolve_refs(text: str, results: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        ref, path = m.group(1), m.group(2)
        if ref not in results:
            raise ApiError(400, "INVALID_REFERENCE", f"Invalid reference specified. No value for "
                           f"{ref}{path} found in {ref}. Provided referenceId ('{ref}') must "
                           "refer to an earlier subrequest.")
        value: Any = results[ref]
        for step in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
            try:
                value = value[step[0]] if step[0] else value[int(step[1])]
            except (KeyError, IndexError, TypeError) as exc:
                raise ApiError(400, "INVALID_REFERENCE", f"Invalid reference specified. No value "
                               f"for {ref}{path} found in {ref}.") from exc
        return str(value)

    return _REF_RE.sub(sub, text)
