"""The in-process transport: a `requests` adapter that hands requests to the demo org.

Mounted on a Session for `https://`, it carries every call simple-salesforce makes (SOAP and
OAuth logins included, whatever host they name) straight to `ApiHandler` — no sockets, no TLS.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ProtocolError

from .handler import ApiHandler, Request
from .org import DemoOrg

DEMO_ORIGIN = "https://demo.flowstage.invalid"


class EmulatorAdapter(BaseAdapter):
    def __init__(self, org: DemoOrg, *, origin: str = DEMO_ORIGIN,
                 sleep: Any = time.sleep) -> None:
        super().__init__()
        self.org = org
        self.handler = ApiHandler(org)
        self.origin = origin
        self._sleep = sleep

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Mapping[str, str] | None = None) -> requests.Response:
        parts = urlsplit(request.url or "")
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers = {k.lower(): v for k, v in request.headers.items()}
        resp = self.handler.handle(Request(request.method or "GET", url, headers, bytes(body),
                                           self.origin))
        if resp.delay > 0:
            read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
            if read_timeout is not None and resp.delay > read_timeout:
                self._sleep(read_timeout)
                raise requests.exceptions.ReadTimeout(f"demo org: no answer in {read_timeout}s",
                                                      request=request)
            self._sleep(resp.delay)
        if resp.fault == "offline":
            raise requests.exceptions.ConnectionError("demo org: network is unreachable",
                                                      request=request)
        if resp.fault == "drop":
            # what requests raises when a server resets an open connection
            raise requests.exceptions.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(
                    104, "Connection reset by peer (demo org)")), request=request)
        if resp.fault == "timeout":
            raise requests.exceptions.ReadTimeout("demo org: read timed out", request=request)
        out = requests.Response()
        out.status_code = resp.status
        out.headers = CaseInsensitiveDict(resp.headers)
        out._content = resp.body
        out.encoding = "utf-8"
        out.url = request.url or ""
        out.request = request
        out.reason = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
                      401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                      405: "Method Not Allowed", 500: "Server Error",
                      503: "Service Unavailable"}.get(resp.status, "")
        return out

    def close(self) -> None:
        pass


def demo_session(org: DemoOrg, session: requests.Session | None = None,
                 **kw: Any) -> requests.Session:
    """A requests Session whose https:// traffic all goes to the demo org."""
    s = session or requests.Session()
    s.mount("https://", EmulatorAdapter(org, **kw))
    return s
