"""The real simple-salesforce, unmodified, against the demo org over every transport.

`inprocess` mounts the requests transport adapter; `http` and `https` run the loopback
server (the https one with a self-signed certificate the client trusts explicitly).
simple-salesforce always builds https://<host> URLs, so the server transports use flowstage's
RedirectSession, which sends every request to the server's address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce

from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import make_server, self_signed_certificate, serve_in_thread
from flowstage_tui.salesforce.client import RedirectSession


@dataclass
class Transport:
    name: str
    org: DemoOrg
    origin: str
    session_factory: Any

    def session(self) -> requests.Session:
        s: requests.Session = self.session_factory()
        return s

    def login(self, version: str = "64.0") -> Any:
        creds = self.org.credentials
        return Salesforce(username=creds.username, password=creds.password,
                          security_token=creds.security_token, session=self.session(),
                          version=version)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One self-signed certificate and key for every https test (read-only files; an RSA key
    takes a while to make)."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"), "127.0.0.1")


@pytest.fixture(params=["inprocess", "http", "https"])
def transport(request: pytest.FixtureRequest, org: DemoOrg,
              tls_files: tuple[Path, Path]) -> Iterator[Transport]:
    if request.param == "inprocess":
        yield Transport("inprocess", org, DEMO_ORIGIN, lambda: demo_session(org))
        return
    cert = key = None
    if request.param == "https":
        cert, key = tls_files
    server = make_server(org, "127.0.0.1", 0, tls_cert=cert, tls_key=key)
    serve_in_thread(server)

    def factory() -> requests.Session:
        s = RedirectSession(server.origin)
        if cert is not None:
            s.verify = str(cert)
        return s

    try:
        yield Transport(request.param, org, server.origin, factory)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sf(transport: Transport) -> Any:
    return transport.login()
