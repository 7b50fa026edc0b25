"""Where a secret comes from (environment, keyring, the terminal, in that order) and what the
user is told when none has it; where flowstage keeps its files."""

from __future__ import annotations

import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.config import paths, secrets
from flowstage_tui.config.store import Profile
from flowstage_tui.errors import AuthNeeded


class FakeKeyring:
    def __init__(self, stored: dict[tuple[str, str], str], broken: bool = False) -> None:
        self.stored = stored
        self.broken = broken
        self.asked: list[tuple[str, str]] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        errors = types.ModuleType("keyring.errors")

        class KeyringError(Exception):
            pass

        errors.KeyringError = KeyringError  # type: ignore[attr-defined]
        module = types.ModuleType("keyring")

        def get_password(service: str, name: str) -> str | None:
            self.asked.append((service, name))
            if self.broken:
                raise KeyringError("locked")
            return self.stored.get((service, name))

        module.get_password = get_password  # type: ignore[attr-defined]
        module.errors = errors  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "keyring", module)
        monkeypatch.setitem(sys.modules, "keyring.errors", errors)


class Terminal:
    def __init__(self, answers: list[str], tty: bool = True) -> None:
        self.answers = answers
        self.tty = tty
        self.prompts: list[str] = []

    def isatty(self) -> bool:
        return self.tty

    def getpass(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.answers.pop(0)


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secrets, "_TYPED", {})
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed: ImportError


def terminal(monkeypatch: pytest.MonkeyPatch, answers: list[str], tty: bool = True) -> Terminal:
    term = Terminal(answers, tty)
    monkeypatch.setattr(sys, "stdin", term)
    monkeypatch.setattr("getpass.getpass", term.getpass)
    return term


def no_secret(**kw: Any) -> str:
    with pytest.raises(AuthNeeded) as caught:
        secrets.secret("prod", **kw)
    return str(caught.value)


def test_the_environment_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeKeyring({("flowstage", "prod:password"): "from-keyring"}).install(monkeypatch)
    term = terminal(monkeypatch, ["typed"])
    monkeypatch.setenv("PW", "from-env")
    assert secrets.secret("prod", "password", "PW") == "from-env"
    monkeypatch.setenv("PW", "")  # empty is not a password
    assert secrets.secret("prod", "password", "PW") == "from-keyring"
    assert term.prompts == []


def test_then_the_keyring_under_profile_and_name(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = FakeKeyring({("flowstage", "prod:security-token"): "tok"})
    ring.install(monkeypatch)
    terminal(monkeypatch, [], tty=False)
    assert secrets.secret("prod", "security token", None) == "tok"
    assert ring.asked == [("flowstage", "prod:security-token")]
    assert no_secret(what="password", env_name="PW") == (
        "No password for profile 'prod': export PW=..., or store it with "
        "`keyring set flowstage prod:password`.")


def test_a_locked_keyring_is_as_good_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeKeyring({("flowstage", "prod:password"): "x"}, broken=True).install(monkeypatch)
    term = terminal(monkeypatch, ["typed"])
    assert secrets.secret("prod", "password", None) == "typed"
    assert term.prompts == ["password for profile prod: "]


def test_then_the_terminal_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    term = terminal(monkeypatch, ["s3cret"])
    assert secrets.secret("prod", "password", "UNSET_PW_VAR") == "s3cret"
    assert secrets.secret("prod", "password", "UNSET_PW_VAR") == "s3cret"  # not asked again
    assert term.prompts == ["password for profile prod: "]
    assert secrets._TYPED == {("prod", "password"): "s3cret"}


def test_an_empty_answer_is_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    term = terminal(monkeypatch, [""])
    assert no_secret(what="access token", env_name=None) == (
        "No access token for profile 'prod': set access_token_env in the profile and export "
        "that variable, or store it with `keyring set flowstage prod:access-token`.")
    assert term.prompts == ["access token for profile prod: "]
    assert secrets._TYPED == {}


def test_no_prompt_when_asked_not_to_or_without_a_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    term = terminal(monkeypatch, ["x", "y"])
    no_secret(what="password", env_name=None, prompt=False)
    terminal(monkeypatch, ["x"], tty=False)
    no_secret(what="password", env_name=None)
    monkeypatch.setattr(sys, "stdin", None)
    no_secret(what="password", env_name=None)
    assert term.prompts == []


def test_never_a_prompt_off_the_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    term = terminal(monkeypatch, ["x"])
    seen: list[str] = []

    def worker() -> None:
        try:
            secrets.secret("prod", "password", None)
        except AuthNeeded as exc:
            seen.append(str(exc))

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    assert seen and term.prompts == []


def test_ask_before_ui_asks_for_each_missing_secret_of_the_login(
        monkeypatch: pytest.MonkeyPatch) -> None:
    term = terminal(monkeypatch, ["pw", ""])
    monkeypatch.delenv("PW", raising=False)
    secrets.ask_before_ui(Profile("prod", "password", {"auth": "password",
                                                       "password_env": "PW"}))
    assert term.prompts == ["password for profile prod: ", "security token for profile prod: "]
    assert secrets._TYPED == {("prod", "password"): "pw"}  # the empty token: not kept, no raise
    term2 = terminal(monkeypatch, ["cs"])
    secrets.ask_before_ui(Profile("ci", "client-credentials", {"auth": "client-credentials"}))
    assert term2.prompts == ["consumer secret for profile ci: "]
    term3 = terminal(monkeypatch, ["tok"])
    monkeypatch.setenv("TOK", "from-env")
    secrets.ask_before_ui(Profile("t", "access-token", {"auth": "access-token",
                                                        "token_env": "TOK"}))
    secrets.ask_before_ui(Profile("s", "sf-cli", {"auth": "sf-cli"}))  # needs no secret
    assert term3.prompts == []


def test_config_dir_override_and_platform_dirs(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("FLOWSTAGE_CONFIG_DIR", "~/elsewhere")
    assert paths.config_dir() == tmp_path / "elsewhere"
    assert paths.config_file() == tmp_path / "elsewhere" / "config.toml"
    monkeypatch.setenv("FLOWSTAGE_CONFIG_DIR", "")
    for var, folder in (("XDG_CONFIG_HOME", "c"), ("XDG_CACHE_HOME", "k"),
                        ("XDG_STATE_HOME", "s")):
        monkeypatch.setenv(var, str(tmp_path / folder))
    if sys.platform.startswith("linux"):
        assert paths.config_dir() == tmp_path / "c" / "flowstage"
        assert paths.config_file() == tmp_path / "c" / "flowstage" / "config.toml"
        assert paths.cache_dir() == tmp_path / "k" / "flowstage"
        assert paths.state_dir() == tmp_path / "s" / "flowstage"
        assert paths.log_dir() == tmp_path / "s" / "flowstage" / "log"
    for where in (paths.config_dir(), paths.cache_dir(), paths.state_dir(), paths.log_dir()):
        assert "flowstage" in where.parts
