"""What the network and the org do to a poll: how long it waits, and what the health says.

Waiting is simulated: the demo org's in-process transport hands its "sleep" to the test,
which records it instead of sleeping, so two minutes of a hanging org cost no time.
"""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime

import pytest
import requests

from flowstage_tui.clock import utc_clock
from flowstage_tui.config.store import Profile
from flowstage_tui.demo import demo_connection
from flowstage_tui.emulator.adapter import EmulatorAdapter
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import HealthState, PollResult
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.errors import NetworkDown
from flowstage_tui.salesforce import client as client_mod
from flowstage_tui.salesforce.auth import build_connection
from flowstage_tui.salesforce.client import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    KeepAliveAdapter,
    SalesforceClient,
    TimeoutSession,
)
from flowstage_tui.salesforce.credentials import Credentials


class Waits:
    """What the transport waited for (the org's latency, a read timeout) and what the client
    slept between retries: recorded, never slept."""

    def __init__(self) -> None:
        self.transport: list[float] = []
        self.retries: list[float] = []


def recording_engine(org: DemoOrg, clock: ManualClock, waits: Waits,
                     **kw: object) -> SyncEngine:
    conn = demo_connection(org, **kw)  # type: ignore[arg-type]

    def session() -> TimeoutSession:
        s = TimeoutSession()
        s.mount("https://", EmulatorAdapter(org, sleep=waits.transport.append))
        return s

    conn.session_factory = session
    conn.sleep = waits.retries.append
    return SyncEngine(conn, clock=utc_clock(clock),
                      rng=random.Random(0))


@pytest.fixture
def waits() -> Waits:
    return Waits()


def test_a_hanging_request_costs_one_read_timeout_not_three(org: DemoOrg, clock: ManualClock,
                                                           waits: Waits) -> None:
    """Defect 7: a request that never answers was tried three times (3 x 30 s): the header
    said 'retry in 0s' for 90 s. One read timeout, then the engine's own backoff."""
    eng = recording_engine(org, clock, waits)
    assert eng.poll_once().health.state == HealthState.LIVE
    org.faults.update(latency_ms=(READ_TIMEOUT + 60) * 1000)
    waits.transport.clear()
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.OFFLINE and res.health.reason == "no answer"
    assert waits.transport == [READ_TIMEOUT]  # one attempt
    assert waits.retries == []


def test_a_slow_org_that_answers_within_two_minutes_is_waited_for(
        org: DemoOrg, clock: ManualClock, waits: Waits) -> None:
    """A large query on a busy org may take a minute and more before its first byte; that is
    slow, not down."""
    eng = recording_engine(org, clock, waits)
    eng.poll_once()
    org.faults.update(latency_ms=100_000)
    clock.advance(15)
    assert eng.poll_once().health.state == HealthState.LIVE
    assert READ_TIMEOUT >= 120


def test_a_dead_link_is_noticed_within_about_ten_seconds() -> None:
    """No connection: the connect timeout gives up within ten seconds, and is not retried
    (three attempts would triple it). A link that dies after connecting is noticed by TCP
    keepalive probes, which a slow org's machine still answers."""
    assert CONNECT_TIMEOUT <= 10
    assert TimeoutSession().default_timeout == (CONNECT_TIMEOUT, READ_TIMEOUT)
    attempts = []

    def connect_times_out() -> object:
        attempts.append(1)
        raise requests.ConnectTimeout("connect timed out")

    sf = SalesforceClient(Credentials("t", "https://x.invalid"), "66.0", TimeoutSession(),
                          sleep=lambda _s: None)
    with pytest.raises(NetworkDown) as err:
        sf._call(connect_times_out)
    assert attempts == [1] and err.value.reason == "no connection"
    adapter = TimeoutSession().get_adapter("https://x.invalid")
    assert isinstance(adapter, KeepAliveAdapter)
    options = adapter.poolmanager.connection_pool_kw["socket_options"]
    assert (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1) in options
    if hasattr(socket, "TCP_KEEPIDLE"):
        idle = dict(((lvl, opt), v) for lvl, opt, v in options)
        dead_after = (idle[(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)]
                      + idle[(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL)]
                      * idle[(socket.IPPROTO_TCP, socket.TCP_KEEPCNT)])
        assert dead_after <= 12
    assert client_mod.RETRIES >= 1  # quick failures (a reset) are still retried


def test_a_refused_connection_is_retried_quickly(org: DemoOrg, clock: ManualClock,
                                                 waits: Waits) -> None:
    eng = recording_engine(org, clock, waits)
    eng.poll_once()
    org.faults.update(offline=True)
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.OFFLINE and res.health.reason == "no connection"
    assert len(waits.retries) == client_mod.RETRIES and sum(waits.retries) < 5


@pytest.mark.parametrize(("faults", "state", "reason"), [
    ({"offline": True}, HealthState.OFFLINE, "no connection"),
    ({"drop_rate": 1.0}, HealthState.OFFLINE, "connection dropped"),
    ({"timeout_rate": 1.0}, HealthState.OFFLINE, "no answer"),
    ({"malformed_rate": 1.0}, HealthState.ORG_ERROR, "bad answer"),
])
def test_org_errors_are_not_called_offline(org: DemoOrg, clock: ManualClock, waits: Waits,
                                           faults: dict[str, object], state: HealthState,
                                           reason: str) -> None:
    """An org that answers 5xx or garbage is reachable and failing: 'org errors', not
    'offline'. Each failure says why in a word or two the header can show."""
    eng = recording_engine(org, clock, waits)
    eng.poll_once()
    org.faults.update(**faults)
    clock.advance(15)
    res = eng.poll_once()
    assert (res.health.state, res.health.reason) == (state, reason)
    assert res.snapshot.runs  # the last good data stays


def test_server_errors_say_their_status(org: DemoOrg, clock: ManualClock,
                                        waits: Waits) -> None:
    eng = recording_engine(org, clock, waits)
    eng.poll_once()
    org.faults.update(error_rate=1.0)
    seen = set()
    for _ in range(6):
        clock.advance(15)
        res = eng.poll_once()
        assert res.health.state == HealthState.ORG_ERROR
        seen.add(res.health.reason)
    assert seen <= {"500", "503"} and "503" in seen
    assert "will retry" not in res.health.message


def test_the_first_loads_progress_says_the_rest_is_still_in_flight(
        org: DemoOrg, clock: ManualClock, waits: Waits) -> None:
    """The runs arrive one call before their stages: while the second call runs, the header
    must know a request is in flight (it may hang)."""
    eng = recording_engine(org, clock, waits)
    parts: list[PollResult] = []
    done = eng.poll_once(parts.append)
    assert parts and parts[0].health.in_flight_since == datetime.fromtimestamp(clock(), UTC)
    assert done.health.in_flight_since is None


def test_api_allowance_used_up_says_when_polling_tries_again(org: DemoOrg,
                                                             clock: ManualClock,
                                                             waits: Waits) -> None:
    eng = recording_engine(org, clock, waits)
    eng.poll_once()
    org.api_limit = org.api_used
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIMIT_EXHAUSTED
    assert res.health.next_poll is not None
    wait = (res.health.next_poll - datetime.fromtimestamp(clock(), UTC)).total_seconds()
    assert 240 <= wait <= 400
    assert "REQUEST_LIMIT_EXCEEDED" in res.health.message
    assert f"next try in {round(wait / 60)} min" in res.health.message


def test_a_login_that_cannot_reach_the_org_is_offline_not_reauth(
        monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    """A password login over a dead link used to say 're-auth needed': the credentials are
    fine, the network is not."""
    with socket.socket() as sock:  # a loopback port nobody listens on: refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("T_PW", "pw")
    monkeypatch.setenv("T_TOKEN", "tok")
    profile = Profile("pw", "password", {"auth": "password",
                                         "login_url": f"http://127.0.0.1:{port}",
                                         "username": "admin@example.com",
                                         "password_env": "T_PW", "security_token_env": "T_TOKEN"})
    eng = SyncEngine(build_connection(profile),
                     clock=utc_clock(clock))
    res = eng.poll_once()
    assert (res.health.state, res.health.reason) == (HealthState.OFFLINE, "no connection")


def test_a_connection_broken_in_the_middle_of_an_answer_is_a_dropped_connection() -> None:
    """requests reports a body cut off by the network as ChunkedEncodingError, which is no
    ConnectionError: it used to escape as an 'unexpected error'."""
    from urllib3.exceptions import ProtocolError

    attempts = []

    def broken_body() -> object:
        attempts.append(1)
        raise requests.exceptions.ChunkedEncodingError(ProtocolError(
            "Connection broken: IncompleteRead(100 bytes read, 900 more expected)"))

    sf = SalesforceClient(Credentials("t", "https://x.invalid"), "66.0", TimeoutSession(),
                          sleep=lambda _s: None)
    with pytest.raises(NetworkDown) as err:
        sf._call(broken_body)
    assert err.value.reason == "connection dropped" and len(attempts) == 1 + client_mod.RETRIES
