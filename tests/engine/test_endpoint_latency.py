"""Injected latency reaches every endpoint (issue 12): a login and flowstage's start-up pay it
on the login, on the versions list and on each API call, as against a real org — not only on
`/services/data/vNN.N/…`.

Nothing here measures time. Each transport is given a recording sleep (the in-process adapter)
or wait (the loopback server) instead of the clock; it notes which request asked to wait and for
how long. The tests compare that list — the endpoints, in order, each once — with what the
login and start-up must cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from flowstage_tui.config.store import Profile
from flowstage_tui.emulator.adapter import DEMO_ORIGIN, EmulatorAdapter
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import make_server, serve_in_thread
from flowstage_tui.salesforce import client as client_module
from flowstage_tui.salesforce.auth import build_connection

LATENCY = 0.25  # seconds: 250 ms, no jitter, so every wait is exactly this long
Waits = list[tuple[str, str, float]]  # (method, path, seconds), in the order asked


def recorder(org: DemoOrg, waits: Waits) -> Callable[[float], bool]:
    """A sleep/wait that notes the request it is waiting for. Both transports wait after the
    org has answered (and logged) the request, so the log's last line is that request."""
    def wait(seconds: float) -> bool:
        last = org.request_log[-1]
        waits.append((last.method, last.path, seconds))
        return False  # (the server's wait: "not stopping")

    return wait


@pytest.fixture
def slow_org(org: DemoOrg, monkeypatch: pytest.MonkeyPatch) -> DemoOrg:
    org.faults.update(latency_ms=int(LATENCY * 1000), jitter_ms=0)
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    monkeypatch.setenv("T_SECRET", org.credentials.client_secret)
    return org


def profile(kind: str, login_url: str, org: DemoOrg) -> Profile:
    values: dict[str, Any] = {"auth": kind, "login_url": login_url, "api_version": "62.0"}
    if kind == "password":
        values |= {"username": org.credentials.username, "password_env": "T_PW",
                   "security_token_env": "T_TOKEN"}
    else:
        values |= {"client_id": org.credentials.client_id, "client_secret_env": "T_SECRET"}
    return Profile("slow", kind, values)


@pytest.fixture
def in_process(slow_org: DemoOrg, monkeypatch: pytest.MonkeyPatch) -> Iterator[Waits]:
    """Every session flowstage makes (logins included) carries its requests to the demo org
    in process, whatever host they name, with the recording sleep."""
    waits: Waits = []

    def mount(session: requests.Session) -> None:
        session.mount("https://", EmulatorAdapter(slow_org, origin="https://acme.my.salesforce.com",
                                                  sleep=recorder(slow_org, waits)))

    class Plain(client_module.TimeoutSession):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            mount(self)

    class Redirect(client_module.RedirectSession):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            mount(self)

    monkeypatch.setattr(client_module, "TimeoutSession", Plain)
    monkeypatch.setattr(client_module, "RedirectSession", Redirect)
    yield waits


# What a cold start costs after the login: the versions list, the first composite (the
# Organization row and the global describe), the second (the describes of the objects found).
START_UP = [("GET", "/services/data/"),
            ("POST", "/services/data/v62.0/composite"),
            ("POST", "/services/data/v62.0/composite")]
LOGIN = {"password": ("POST", "/services/Soap/u/62.0"),
         "client-credentials": ("POST", "/services/oauth2/token")}


@pytest.mark.parametrize("kind", ["password", "client-credentials"])
def test_login_and_start_up_wait_on_every_endpoint_in_process(
        in_process: Waits, slow_org: DemoOrg, kind: str, tmp_path: Path) -> None:
    """SOAP login or OAuth token, then versions, then two composites: four round trips, each
    one delayed once by the injected latency, in that order."""
    conn = build_connection(profile(kind, "https://acme.my.salesforce.com", slow_org),
                            cache_dir=tmp_path)
    conn.sleep = lambda _s: None  # (the client's retry back-off; no retries are expected)
    conn.open()
    assert in_process == [(*step, LATENCY) for step in [LOGIN[kind], *START_UP]]
    per_endpoint = Counter(path for _m, path, _s in in_process)
    assert per_endpoint[LOGIN[kind][1]] == 1
    assert per_endpoint["/services/data/"] == 1


def test_a_warm_start_skips_the_describes_but_not_the_login_latency(
        in_process: Waits, slow_org: DemoOrg, tmp_path: Path) -> None:
    """With the describes cached, start-up is login + versions + one composite: the latency
    still shows on the login and the versions list."""
    build_connection(profile("password", "https://acme.my.salesforce.com", slow_org),
                     cache_dir=tmp_path).open()
    in_process.clear()
    build_connection(profile("password", "https://acme.my.salesforce.com", slow_org),
                     cache_dir=tmp_path).open()
    assert [(m, p) for m, p, _s in in_process] == [LOGIN["password"], *START_UP[:2]]
    assert {s for _m, _p, s in in_process} == {LATENCY}


def test_identity_url_and_userinfo_wait_too(slow_org: DemoOrg) -> None:
    """The identity URL and userinfo (what the sf CLI asks after a login) are round trips
    like any other."""
    waits: Waits = []
    s = requests.Session()
    s.mount("https://", EmulatorAdapter(slow_org, sleep=recorder(slow_org, waits)))
    with slow_org.lock:
        token = slow_org.new_session().token
    auth = {"Authorization": f"Bearer {token}"}
    ident = f"/id/{slow_org.org_id}/{slow_org.admin_id}"
    assert s.get(DEMO_ORIGIN + ident, headers=auth).status_code == 200
    assert s.get(f"{DEMO_ORIGIN}/services/oauth2/userinfo", headers=auth).status_code == 200
    assert waits == [("GET", ident, LATENCY), ("GET", "/services/oauth2/userinfo", LATENCY)]


def test_control_endpoints_answer_at_once(slow_org: DemoOrg) -> None:
    """The demo org's own knobs are not the org: turning the latency off must not wait."""
    waits: Waits = []
    s = requests.Session()
    s.mount("https://", EmulatorAdapter(slow_org, sleep=recorder(slow_org, waits)))
    with slow_org.lock:
        token = slow_org.new_session().token
    r = s.post(f"{DEMO_ORIGIN}/__flowstage/faults", json={"latency_ms": 0},
               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["latency_ms"] == 0
    assert waits == []


def test_login_and_start_up_wait_on_every_endpoint_over_loopback(
        slow_org: DemoOrg, tmp_path: Path) -> None:
    """The same sequence against `flowstage demo serve`'s server: its waits are the same four,
    in the same order (the login URL is the server, as a profile for it would say)."""
    waits: Waits = []
    server = make_server(slow_org, "127.0.0.1", 0, wait=recorder(slow_org, waits))
    serve_in_thread(server)
    try:
        conn = build_connection(profile("password", server.origin, slow_org), cache_dir=tmp_path)
        conn.open()
    finally:
        server.shutdown()
        server.server_close()
    assert waits == [(*step, LATENCY) for step in [LOGIN["password"], *START_UP]]
