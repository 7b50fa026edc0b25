"""OAuth logins against the demo org: password, client credentials, JWT bearer, refresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from flowstage_tui.emulator.triage_data import STUCK_RUNS

from .conftest import Transport


def _key_pair(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "jwt.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return key_file, public


def test_oauth_password_grant(transport: Transport) -> None:
    c = transport.org.credentials
    sf = Salesforce(username=c.username, password=c.password + c.security_token,
                    consumer_key=c.client_id, consumer_secret=c.client_secret,
                    session=transport.session())
    assert sf.query("SELECT COUNT() FROM FlowOrchestrationInstance")["totalSize"] == 300 + STUCK_RUNS


def test_oauth_password_grant_rejects_bad_secret(transport: Transport) -> None:
    c = transport.org.credentials
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        Salesforce(username=c.username, password=c.password, consumer_key=c.client_id,
                   consumer_secret="wrong", session=transport.session())
    assert err.value.code == "invalid_client"


def test_client_credentials(transport: Transport) -> None:
    c = transport.org.credentials
    sf = Salesforce(consumer_key=c.client_id, consumer_secret=c.client_secret,
                    domain="acme.my", session=transport.session())
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] >= 10


def test_jwt_bearer_with_signature_check(transport: Transport, tmp_path: Path) -> None:
    key_file, public = _key_pair(tmp_path)
    c = transport.org.credentials
    c.jwt_certificate_pem = public
    sf = Salesforce(username=c.username, consumer_key=c.client_id,
                    privatekey_file=str(key_file), session=transport.session())
    assert sf.query("SELECT COUNT() FROM FlowOrchestrationInstance")["totalSize"] == 300 + STUCK_RUNS
    # a key the org does not know is refused
    (tmp_path / "other").mkdir()
    other, _ = _key_pair(tmp_path / "other")
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        Salesforce(username=c.username, consumer_key=c.client_id, privatekey_file=str(other),
                   session=transport.session())
    assert err.value.code == "invalid_grant"


def test_jwt_relogin_after_session_expiry(transport: Transport, tmp_path: Path) -> None:
    key_file, public = _key_pair(tmp_path)
    c = transport.org.credentials
    c.jwt_certificate_pem = public
    transport.org.faults.update(session_expiry_calls=1)
    sf = Salesforce(username=c.username, consumer_key=c.client_id,
                    privatekey_file=str(key_file), session=transport.session())
    first = sf.session_id
    for _ in range(3):
        sf.query("SELECT COUNT() FROM User")
    assert sf.session_id != first


def test_refresh_token_grant(transport: Transport) -> None:
    org = transport.org
    refresh = org.issue_refresh_token()
    s = transport.session()
    ok = s.post(f"{transport.origin}/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh,
        "client_id": org.credentials.client_id})
    assert ok.status_code == 200
    body = ok.json()
    assert {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"} <= set(
        body)
    assert body["id"].endswith(f"/id/{org.org_id}/{org.admin_id}")
    bad = s.post(f"{transport.origin}/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": "nope",
        "client_id": org.credentials.client_id})
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_grant", "error_description":
                          "expired access/refresh token"}
    missing = s.post(f"{transport.origin}/services/oauth2/token", data={})
    assert missing.json()["error"] == "invalid_request"
