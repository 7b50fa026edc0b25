"""The network faults hit every endpoint of the demo org, logins included (issue 12); the org's
own failures answer in each endpoint's own format. Which knob reaches which endpoint is the
table in the README ("Changing the demo org while it runs")."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.org import DemoOrg

SOAP_LOGIN = ('<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:xsd='
              '"http://www.w3.org/2001/XMLSchema" xmlns:env="http://schemas.xmlsoap.org/soap/'
              'envelope/" xmlns:urn="urn:partner.soap.sforce.com"><env:Body><n1:login xmlns:n1='
              '"urn:partner.soap.sforce.com"><n1:username>{u}</n1:username><n1:password>{p}'
              '</n1:password></n1:login></env:Body></env:Envelope>')


def endpoints(org: DemoOrg) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """One request per endpoint kind: (method, path, requests keyword arguments)."""
    creds = org.credentials
    with org.lock:
        token = org.new_session().token
    bearer = {"headers": {"Authorization": f"Bearer {token}"}}
    soap = SOAP_LOGIN.format(u=creds.username, p=creds.password + creds.security_token)
    return {
        "versions": ("GET", "/services/data/", {}),
        "rest": ("GET", "/services/data/v62.0/limits/", bearer),
        "soap": ("POST", "/services/Soap/u/62.0",
                 {"data": soap, "headers": {"Content-Type": "text/xml", "SOAPAction": "login"}}),
        "oauth": ("POST", "/services/oauth2/token",
                  {"data": {"grant_type": "client_credentials", "client_id": creds.client_id,
                            "client_secret": creds.client_secret}}),
        "identity": ("GET", f"/id/{org.org_id}/{org.admin_id}", bearer),
        "userinfo": ("GET", "/services/oauth2/userinfo", bearer),
    }


def send(s: requests.Session, req: tuple[str, str, dict[str, Any]]) -> requests.Response:
    method, path, kw = req
    return s.request(method, DEMO_ORIGIN + path, **kw)


KINDS = ["versions", "rest", "soap", "oauth", "identity", "userinfo"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_endpoint_answers_when_no_fault_is_on(org: DemoOrg, kind: str) -> None:
    assert send(demo_session(org), endpoints(org)[kind]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("knob", "raised"), [
    ({"offline": True}, requests.ConnectionError),
    ({"drop_rate": 1.0}, requests.ConnectionError),
    ({"timeout_rate": 1.0}, requests.ReadTimeout),
])
def test_network_faults_reach_every_endpoint(org: DemoOrg, kind: str, knob: dict[str, Any],
                                             raised: type[Exception]) -> None:
    """Offline, dropped and unanswered connections happen before the org is reached, so the
    login endpoints, the versions list and the identity URL fail like any API call."""
    reqs = endpoints(org)
    org.faults.update(**knob)
    with pytest.raises(raised):
        send(demo_session(org), reqs[kind])


@pytest.mark.parametrize("kind", ["versions", "rest", "identity", "userinfo"])
def test_error_rate_on_json_endpoints_is_a_salesforce_error_body(org: DemoOrg,
                                                                 kind: str) -> None:
    reqs = endpoints(org)
    org.faults.update(error_rate=1.0)
    r = send(demo_session(org), reqs[kind])
    assert r.status_code in (500, 503)
    assert r.json()[0]["errorCode"] in ("UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE")


def test_error_rate_on_the_soap_login_is_a_soap_fault(org: DemoOrg) -> None:
    """simple-salesforce reads the faultcode out of a failed SOAP login: the outage must be a
    SOAP fault (HTTP 500, as SOAP 1.1 faults are), not a REST error list."""
    reqs = endpoints(org)
    org.faults.update(error_rate=1.0)
    r = send(demo_session(org), reqs["soap"])
    assert r.status_code == 500
    assert "<faultcode>sf:SERVER_UNAVAILABLE</faultcode>" in r.text
    assert "<sessionId>" not in r.text


def test_error_rate_on_the_token_endpoint_is_an_oauth_error(org: DemoOrg) -> None:
    reqs = endpoints(org)
    org.faults.update(error_rate=1.0)
    r = send(demo_session(org), reqs["oauth"])
    assert r.status_code == 503
    assert set(r.json()) == {"error", "error_description"}


@pytest.mark.parametrize("kind", ["versions", "rest", "oauth", "identity", "userinfo"])
def test_malformed_rate_cuts_every_json_answer_short(org: DemoOrg, kind: str) -> None:
    reqs = endpoints(org)
    org.faults.update(malformed_rate=1.0)
    r = send(demo_session(org), reqs[kind])
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)


def test_malformed_rate_leaves_the_soap_login_whole(org: DemoOrg) -> None:
    """The knob models a JSON answer cut short; the SOAP login is XML and is left alone."""
    reqs = endpoints(org)
    org.faults.update(malformed_rate=1.0)
    r = send(demo_session(org), reqs["soap"])
    assert r.status_code == 200 and r.text.endswith("</soapenv:Envelope>")


def test_control_endpoints_ignore_every_fault(org: DemoOrg) -> None:
    """Faults can always be switched off again, even when the org is 'offline'."""
    reqs = endpoints(org)
    org.faults.update(offline=True, error_rate=1.0, malformed_rate=1.0)
    s = demo_session(org)
    r = s.post(f"{DEMO_ORIGIN}/__flowstage/faults", json={"clear": True},
               headers=reqs["rest"][2]["headers"])
    assert r.status_code == 200 and r.json()["offline"] is False
    assert send(s, reqs["versions"]).status_code == 200
