"""Every auth kind against the demo org's SOAP and OAuth endpoints (loopback server), and
the sf-cli kind against stand-in `sf` executables."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from flowstage_tui.clock import utc_clock
from flowstage_tui.config.store import Profile
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import DemoServer
from flowstage_tui.engine.state import HealthState
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.errors import AuthNeeded, OrgUnavailable
from flowstage_tui.salesforce.auth import build_connection, sf_cli_login


def open_profile(values: dict[str, object]) -> tuple[object, object]:
    profile = Profile("t", str(values["auth"]), values)
    conn = build_connection(profile)
    return conn.open()


def test_password_login(server: DemoServer, org: DemoOrg,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    client, caps = open_profile({"auth": "password", "login_url": server.origin,
                                 "username": org.credentials.username, "password_env": "T_PW",
                                 "security_token_env": "T_TOKEN", "api_version": "62.0"})
    assert caps.version == "62.0"  # type: ignore[attr-defined]
    assert client.query("SELECT COUNT() FROM User") == []  # type: ignore[attr-defined]


def test_password_login_failure_is_auth_needed(server: DemoServer, org: DemoOrg,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_PW", "wrong")
    monkeypatch.setenv("T_TOKEN", "x")
    with pytest.raises(AuthNeeded, match="INVALID_LOGIN"):
        open_profile({"auth": "password", "login_url": server.origin,
                      "username": org.credentials.username, "password_env": "T_PW",
                      "security_token_env": "T_TOKEN"})


def test_failed_password_login_is_one_clean_line(server: DemoServer, org: DemoOrg,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """simple-salesforce's class attribute `message` is an unfilled template ("Response
    content: {content}"); the user sees the org's own words instead."""
    monkeypatch.setenv("T_PW", "wrong")
    monkeypatch.setenv("T_TOKEN", "x")
    with pytest.raises(AuthNeeded) as caught:
        open_profile({"auth": "password", "login_url": server.origin,
                      "username": org.credentials.username, "password_env": "T_PW",
                      "security_token_env": "T_TOKEN"})
    message = str(caught.value)
    assert "{content}" not in message and "\n" not in message
    assert message == ("Login for profile 't' failed (INVALID_LOGIN): Invalid username, "
                       "password, security token; or user locked out.")


@pytest.mark.parametrize("auth", ["password", "client-credentials"])
def test_a_login_host_that_fails_is_an_outage_not_a_refusal(
        server: DemoServer, org: DemoOrg, monkeypatch: pytest.MonkeyPatch, auth: str) -> None:
    """A 5xx from the login endpoint (maintenance, an incident) must not tell the admin to log
    in again: it is the org's outage, retried with back-off like any other."""
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    monkeypatch.setenv("T_SECRET", org.credentials.client_secret)
    values: dict[str, object] = {
        "auth": auth, "login_url": server.origin, "username": org.credentials.username,
        "password_env": "T_PW", "security_token_env": "T_TOKEN",
        "client_id": org.credentials.client_id, "client_secret_env": "T_SECRET"}
    org.faults.update(error_rate=1.0)
    with pytest.raises(OrgUnavailable) as caught:
        open_profile(values)
    message = str(caught.value)
    assert message.startswith(f"Login for profile 't' at {server.origin}: the org answered 5")
    assert message.endswith("; flowstage retries.") and "\n" not in message
    assert caught.value.reason in ("500", "503")
    org.faults.update(error_rate=0.0)
    client, _ = open_profile(values)
    assert client.query("SELECT Id FROM User LIMIT 1")  # type: ignore[attr-defined]


def test_login_failure_text_is_cut_to_one_short_line() -> None:
    from flowstage_tui.salesforce.auth import login_failure_text

    html = "<html><body>\n<h1>Service   Unavailable</h1>\n<p>" + "x" * 500 + "</p></body></html>"
    text = login_failure_text(html)
    assert text.startswith("Service Unavailable x") and "<" not in text and "\n" not in text
    assert len(text) <= 161 and text.endswith("…")
    assert login_failure_text("") == "no reason given"


def test_missing_secret_names_the_variable(server: DemoServer, org: DemoOrg,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("T_PW", raising=False)
    with pytest.raises(AuthNeeded, match=r"export T_PW=\.\.\."):
        open_profile({"auth": "password", "login_url": server.origin,
                      "username": org.credentials.username, "password_env": "T_PW"})


def test_jwt_login_with_a_generated_key_pair(server: DemoServer, org: DemoOrg,
                                             tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "jwt.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    org.credentials.jwt_certificate_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    client, _ = open_profile({"auth": "jwt", "login_url": server.origin,
                              "username": org.credentials.username,
                              "client_id": org.credentials.client_id,
                              "private_key_file": str(key_file)})
    rows = client.query("SELECT Id FROM FlowOrchestrationInstance LIMIT 3")  # type: ignore
    assert len(rows) == 3


def test_client_credentials_login(server: DemoServer, org: DemoOrg,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_SECRET", org.credentials.client_secret)
    client, _ = open_profile({"auth": "client-credentials", "login_url": server.origin,
                              "client_id": org.credentials.client_id,
                              "client_secret_env": "T_SECRET"})
    assert client.query("SELECT Id FROM User LIMIT 1")  # type: ignore[attr-defined]


def test_access_token_login_and_expiry_says_what_to_do(
        server: DemoServer, org: DemoOrg, monkeypatch: pytest.MonkeyPatch,
        clock: ManualClock) -> None:
    with org.lock:
        token = org.new_session().token
    monkeypatch.setenv("T_TOK", token)
    profile = Profile("tok", "access-token", {"auth": "access-token",
                                              "instance_url": server.origin,
                                              "token_env": "T_TOK"})
    engine = SyncEngine(build_connection(profile),
                        clock=utc_clock(clock))
    assert engine.poll_once().health.state == HealthState.LIVE
    org.faults.update(session_expiry_calls=1)
    clock.advance(15)
    res = engine.poll_once()
    assert res.health.state == HealthState.REAUTH
    # a running process never sees a new value of $T_TOK: the message must not promise `r`
    assert "export a fresh one in $T_TOK and start flowstage again" in res.health.message


def test_expiry_mid_session_is_healed_by_password_relogin(
        server: DemoServer, org: DemoOrg, monkeypatch: pytest.MonkeyPatch,
        clock: ManualClock) -> None:
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    profile = Profile("pw", "password", {"auth": "password", "login_url": server.origin,
                                         "username": org.credentials.username,
                                         "password_env": "T_PW",
                                         "security_token_env": "T_TOKEN"})
    engine = SyncEngine(build_connection(profile),
                        clock=utc_clock(clock))
    engine.poll_once()
    org.faults.update(session_expiry_calls=1)
    for _ in range(3):
        clock.advance(15)
        assert engine.poll_once().health.state == HealthState.LIVE


# ---------------------------------------------------------------- sf-cli stand-ins


def fake_sf(tmp_path: Path, display: dict[str, object], token: dict[str, object] | None = None,
            display_rc: int = 0) -> Path:
    """A stand-in `sf` on PATH answering `org display` and `org auth show-access-token`."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    (tmp_path / "display.json").write_text(json.dumps(display))
    (tmp_path / "token.json").write_text(json.dumps(token or {}))
    script = bindir / "sf"
    script.write_text(f"""#!/bin/sh
echo "$@" >> {tmp_path}/calls.log
case "$*" in
  *"auth show-access-token"*) cat {tmp_path}/token.json; exit 0;;
  *"org display"*) cat {tmp_path}/display.json; exit {display_rc};;
esac
exit 1
""")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bindir


def test_sf_cli_redacting_cli_uses_show_access_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = fake_sf(tmp_path, {"status": 0, "result": {
        "instanceUrl": "https://acme.my.salesforce.com", "username": "admin@acme.com",
        "accessToken": "[REDACTED] Use 'sf org auth show-access-token' to view",
        "apiVersion": "66.0"}}, {"status": 0, "result": {"accessToken": "00Dxx!real-token"}})
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    creds = sf_cli_login("prod")
    assert creds.access_token == "00Dxx!real-token"
    assert creds.instance_url == "https://acme.my.salesforce.com"
    assert "real-token" not in repr(creds)
    calls = (tmp_path / "calls.log").read_text()
    assert "org display -o prod --json" in calls and "show-access-token" in calls


def test_sf_cli_older_cli_token_from_org_display(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = fake_sf(tmp_path, {"status": 0, "result": {
        "instanceUrl": "https://acme.my.salesforce.com", "accessToken": "00Dxx!old-cli"}})
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    assert sf_cli_login("prod").access_token == "00Dxx!old-cli"
    assert "show-access-token" not in (tmp_path / "calls.log").read_text()


def test_sf_cli_missing_alias_gives_the_login_commands(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = fake_sf(tmp_path, {"status": 1, "name": "NamedOrgNotFoundError",
                                "message": "No authorization information found for prod."},
                     display_rc=1)
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    with pytest.raises(AuthNeeded) as err:
        sf_cli_login("prod")
    text = str(err.value)
    assert "sf org login web --alias prod" in text
    assert "sf org login sfdx-url --sfdx-url-file" in text
    assert err.value.command == "sf org login web --alias prod"


def test_sf_cli_missing_sf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AuthNeeded, match="sf CLI is not on PATH"):
        sf_cli_login("prod")
