"""The demo org's control endpoints, /__flowstage/faults and /__flowstage/limits: a request
is checked whole before anything changes, and a refusal is a Salesforce-shaped 400 naming
the key at fault."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import pytest
import requests

from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.faults import RULES, Faults
from flowstage_tui.emulator.org import DemoOrg

Post = Callable[..., requests.Response]


@pytest.fixture
def post(org: DemoOrg) -> Post:
    session = demo_session(org)
    with org.lock:
        token = org.new_session().token

    def send(name: str, body: Any = None, *, raw: str | None = None,
             method: str = "POST") -> requests.Response:
        data = raw if raw is not None else json.dumps(body)
        return session.request(method, f"{DEMO_ORIGIN}/__flowstage/{name}", data=data,
                               headers={"Authorization": f"Bearer {token}"})

    return send


def refused(resp: requests.Response, key: str | None) -> dict[str, Any]:
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert isinstance(body, list) and body  # Salesforce's error body: a list of errors
    first: dict[str, Any] = body[0]
    assert set(first) == {"message", "errorCode", "fields"} and first["errorCode"]
    if key is not None:
        assert any(key in e["fields"] and key in e["message"] for e in body), body
    return first


@pytest.mark.parametrize(("body", "key"), [
    ({"latency_ms": -50}, "latency_ms"),
    ({"error_rate": 5}, "error_rate"),
    ({"drop_rate": -0.1}, "drop_rate"),
    ({"nonsense": 1}, "nonsense"),
    ({"drop_rate": "0.5"}, "drop_rate"),
    ({"offline": 1}, "offline"),
    ({"latency_ms": True}, "latency_ms"),
    ({"latency_ms": 10**9}, "latency_ms"),
    ({"jitter_ms": 1.5}, "jitter_ms"),
    ({"session_expiry_calls": -1}, "session_expiry_calls"),
    ({"session_expiry_seconds": 10**12}, "session_expiry_seconds"),
    ({"clear": "yes"}, "clear"),
    ({"commit_lag_seconds": -1}, "commit_lag_seconds"),
    ({"commit_lag_seconds": 3601}, "commit_lag_seconds"),
    ({"clock_skew_seconds": 86_401}, "clock_skew_seconds"),
    ({"clock_skew_seconds": -86_401}, "clock_skew_seconds"),
    ({"clock_skew_seconds": "60"}, "clock_skew_seconds"),
    ({"subrequest_error_rate": 1.5}, "subrequest_error_rate"),
    ({"query_batch_size": 0}, "query_batch_size"),
    ({"query_batch_size": 2001}, "query_batch_size"),
    ({"query_batch_size": 2.5}, "query_batch_size"),
])
def test_a_rejected_faults_request_changes_nothing(org: DemoOrg, post: Post,
                                                  body: dict[str, Any], key: str) -> None:
    """The valid keys of a request refused with 400 used to be applied anyway; and -50 ms
    latency or an error rate of 5 were accepted."""
    org.faults.update(jitter_ms=7)
    before = org.faults.as_dict()
    refused(post("faults", {"latency_ms": 100, "error_rate": 0.5, **body}), key)
    assert org.faults.as_dict() == before


@pytest.mark.parametrize("raw", ['{"error_rate": NaN}', '{"latency_ms": Infinity}', "[1, 2]",
                                 "{not json", '"offline"'])
def test_a_faults_body_that_is_not_an_object_of_numbers_is_refused(org: DemoOrg, post: Post,
                                                                   raw: str) -> None:
    before = org.faults.as_dict()
    refused(post("faults", raw=raw), None)
    assert org.faults.as_dict() == before


def test_every_error_in_a_request_is_named(post: Post) -> None:
    resp = post("faults", {"latency_ms": -1, "error_rate": 2, "bogus": 0})
    refused(resp, "latency_ms")
    assert {f for e in resp.json() for f in e["fields"]} == {"latency_ms", "error_rate", "bogus"}


def test_a_valid_faults_request_applies_all_of_it(org: DemoOrg, post: Post) -> None:
    resp = post("faults", {"latency_ms": 250, "jitter_ms": 50.0, "error_rate": 0.25,
                           "offline": False, "session_expiry_seconds": 90})
    assert resp.status_code == 200
    assert resp.json() == org.faults.as_dict()
    assert (org.faults.latency_ms, org.faults.jitter_ms, org.faults.error_rate) == (250, 50, 0.25)
    cleared = post("faults", {"clear": True, "drop_rate": 1})
    assert cleared.status_code == 200 and org.faults.as_dict() == {**Faults().as_dict(),
                                                                    "drop_rate": 1.0}
    assert post("faults", method="GET", raw="").json() == org.faults.as_dict()


@pytest.mark.parametrize(("body", "key"), [
    ({"api_limit": -5}, "api_limit"),
    ({"api_limit": 0}, "api_limit"),
    ({"api_used": -1}, "api_used"),
    ({"api_used": 10, "api_limit": "x"}, "api_limit"),
    ({"api_used": 1.5}, "api_used"),
    ({"api_limit": 10**12}, "api_limit"),
    ({"bogus": 1}, "bogus"),
])
def test_a_rejected_limits_request_changes_nothing(org: DemoOrg, post: Post,
                                                  body: dict[str, Any], key: str) -> None:
    """/__flowstage/limits set the allowance from whatever it was sent (int('x') → 500)."""
    before = (org.api_used, org.api_limit)
    refused(post("limits", {"api_used": 3, **body}), key)
    assert (org.api_used, org.api_limit) == before


def test_limits_can_be_read_and_set(org: DemoOrg, post: Post) -> None:
    assert post("limits", method="GET", raw="").json() == {"api_used": org.api_used,
                                                           "api_limit": org.api_limit}
    resp = post("limits", {"api_limit": 60, "api_used": 55})
    assert resp.status_code == 200 and resp.json() == {"api_used": 55, "api_limit": 60}
    assert (org.api_used, org.api_limit) == (55, 60)


def test_the_timing_knobs_take_their_whole_range(org: DemoOrg, post: Post) -> None:
    resp = post("faults", {"commit_lag_seconds": 2.5, "clock_skew_seconds": -86_400,
                           "query_batch_size": 1, "subrequest_error_rate": 1})
    assert resp.status_code == 200, resp.text
    assert (org.faults.commit_lag_seconds, org.faults.clock_skew_seconds,
            org.faults.query_batch_size, org.faults.subrequest_error_rate) == (2.5, -86_400, 1, 1)
    message = refused(post("faults", {"clock_skew_seconds": 90_000}), "clock_skew_seconds")
    assert "from -86,400 to 86,400" in message["message"]
    post("faults", {"clear": True})
    assert (org.faults.clock_skew_seconds, org.faults.query_batch_size) == (0, 2000)


def test_every_fault_has_a_rule() -> None:
    """A fault added later cannot skip validation: each field needs a rule."""
    assert set(RULES) == {f.name for f in fields(Faults)}


def test_faults_update_refuses_what_the_endpoint_refuses() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="latency_ms"):
        faults.update(error_rate=0.5, latency_ms=-50)
    assert faults == Faults()
