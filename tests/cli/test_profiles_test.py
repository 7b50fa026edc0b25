"""`flowstage profiles test`: it logs in as the profile says and reports what the org offers,
or fails with one line on stderr and a non-zero exit code."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowstage_tui.cli.main as cli
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import DemoServer, make_server, serve_in_thread

OBJECTS = ("FlowOrchestrationInstance", "FlowOrchestrationStageInstance",
           "FlowOrchestrationStepInstance", "FlowOrchestrationWorkItem", "FlowOrchestrationLog",
           "FlowInterview")
FEED_HISTORY = ("FlowOrchestrationStageInstanceFeed", "FlowOrchestrationStageInstanceHistory",
                "FlowOrchestrationInstanceFeed", "FlowOrchestrationInstanceHistory")
NOTABLE = ("FlowOrchestrationInstance.CurrentStage", "FlowOrchestrationInstance.Duration",
           "FlowOrchestrationInstance.OrchestrationLabel", "FlowInterview.Error",
           "FlowOrchestrationWorkItem.ElapsedTimeSinceAsgntInSec")


def write_profile(tmp_path: Path, login_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('default_profile = "sandbox"\n[profiles.sandbox]\nauth = "password"\n'
                    f'login_url = "{login_url}"\nusername = "admin@flowstage-demo.example"\n'
                    'password_env = "T_PW"\nsecurity_token_env = "T_TOKEN"\n')
    return path


def organization(org: DemoOrg) -> dict[str, str]:
    with org.lock:
        return dict(next(iter(org.store.table("Organization").rows.values())))


@pytest.fixture
def old_org_server(clock: ManualClock) -> Iterator[tuple[DemoOrg, DemoServer]]:
    """An org on API v61 without feed or history tracking (most real orgs have neither)."""
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True, feed_history=False,
                  max_version=61.0)
    srv = make_server(org, "127.0.0.1", 0)
    serve_in_thread(srv)
    yield org, srv
    srv.shutdown()
    srv.server_close()


def test_success_prints_the_org_and_what_it_offers(
        server: DemoServer, org: DemoOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    path = write_profile(tmp_path, server.origin)
    code = cli.main(["profiles", "test", "sandbox", "--config", str(path)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    info = organization(org)
    assert lines[:4] == ["profile      sandbox (password)",
                         f"org          {info['Name']} ({info['Id']})",
                         f"instance     {server.origin}",
                         "API version  66.0"]
    assert f"identity     {server.origin}/id/{info['Id']}/{org.admin_id}" in lines
    assert f"API usage    {org.api_used}/100000 today" in lines
    for obj in (*OBJECTS, *FEED_HISTORY):
        assert any(line.startswith(f"  + {obj} ") and line.endswith(" fields")
                   for line in lines), obj
    for name in NOTABLE:
        assert f"  + {name}" in lines


def test_default_profile_and_an_older_org_without_feeds(
        old_org_server: tuple[DemoOrg, DemoServer], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """No name: the default profile. What the org lacks is listed as missing, not an error."""
    org, srv = old_org_server
    monkeypatch.setenv("T_PW", org.credentials.password)
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    code = cli.main(["profiles", "test", "--config", str(write_profile(tmp_path, srv.origin))])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "API version  61.0" in lines
    for obj in OBJECTS:
        assert any(line.startswith(f"  + {obj} ") for line in lines), obj
    for obj in FEED_HISTORY:
        assert f"  - {obj:<40} not in this org" in lines
    # CurrentStage, Duration and Error arrived in v62, the others in v63
    for name in NOTABLE:
        assert f"  - {name}" in lines


def test_wrong_password_is_one_line_and_exit_1(
        server: DemoServer, org: DemoOrg, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("T_PW", "not-the-password")
    monkeypatch.setenv("T_TOKEN", org.credentials.security_token)
    code = cli.main(["profiles", "test", "sandbox", "--config",
                     str(write_profile(tmp_path, server.origin))])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == ("error: Login for profile 'sandbox' failed (INVALID_LOGIN): Invalid "
                   "username, password, security token; or user locked out.\n")


def test_unreachable_login_host_is_one_line_and_exit_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("T_PW", "pw")
    monkeypatch.setenv("T_TOKEN", "token")
    url = f"http://127.0.0.1:{port}"
    code = cli.main(["profiles", "test", "sandbox", "--config",
                     str(write_profile(tmp_path, url))])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == (f"error: Login for profile 'sandbox' at {url} failed: The org cannot be "
                   "reached (Connection refused).\n")
