"""config.toml: one broken fixture per failure mode, careful writes, interrupted writes."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowstage_tui.cli.main import main
from flowstage_tui.config.store import atomic_write

CONFIGS = Path(__file__).parent / "configs"

CASES = {
    "not_toml": ("not valid TOML", None),
    "unknown_top_key": ("profile_dir: unknown key", 2),
    "unknown_profile_key": ("profiles.prod.colour: unknown key; did you mean 'color'?", 7),
    "wrong_type": ("profiles.prod.read_only: must be a bool", 4),
    "missing_auth": ("profiles.prod.auth: missing", None),
    "unknown_auth": ("unknown auth kind 'sfcli'; did you mean 'sf-cli'?", 2),
    "missing_required": ("auth = 'jwt' needs private_key_file", 2),
    "bad_color": ("unknown colour 'crimson'", 4),
    "bad_default": ("names 'production', which is not a profile; did you mean 'prod'?", 1),
    "poll_too_fast": ("must be at least 5 seconds", 4),
    "bad_api_version": ("write it like \"62.0\"", 4),
    "profile_not_table": ("profiles.prod: must be a table", 2),
    "bad_stuck_after": ("profiles.prod.stuck_after: '1 day' is not a duration", 5),
    # alerts (cli/alerts.py): notify, the [[watch]] rules and on_alert
    "bad_notify": ("profiles.prod.notify: unknown notify 'osc8'; use one of auto, osc9", 4),
    "bad_top_notify": ("notify: unknown notify 'desktop'", 1),
    "watch_unknown_key": ("profiles.prod.watch[2].flag: unknown key; did you mean 'flags'?",
                          11),
    "watch_bad_status": ("profiles.prod.watch[1].status: unknown status 'Failed'", 7),
    "watch_nothing": ("profiles.prod.watch[1].status: says nothing to watch", 5),
    "watch_both": ("watches runs (status) or work items (stuck_work, held), not both", 6),
    "watch_bad_held": ("profiles.prod.watch[1].held: 'four hours' is not a duration", 6),
    "watch_not_tables": ("profiles.prod.watch: must be tables", 4),
    "on_alert_shell": ("profiles.prod.on_alert: must be a list", 5),
    "on_alert_empty": ("profiles.prod.watch[1].on_alert: must be a command as a list of "
                       "strings", 7),
    "on_alert_timeout": ("profiles.prod.on_alert_timeout: must be a number of seconds", 5),
    # lint thresholds (config/lint_settings.py)
    "lint_bad_threshold": ("profiles.prod.lint.expiring_within: '2 days' is not a duration", 6),
    "lint_unknown_key": ("profiles.prod.lint.fail_onn: unknown key; did you mean 'fail_on'?",
                         7),
    "lint_bad_fail_on": ("profiles.prod.lint.fail_on: unknown severity 'fatal'; use one of "
                         "error, warning, info", 4),
    "lint_bad_growth": ("profiles.prod.lint.cluster_growth: must be a whole number of runs",
                        6),
    "lint_not_table": ("profiles.prod.lint: must be a table", 4),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_config_gives_one_clear_line_and_exit_2(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    original = (CONFIGS / f"{name}.toml").read_bytes()
    path.write_bytes(original)
    needle, line = CASES[name]
    for argv in (["config", "validate", "--config", str(path)],
                 ["runs", "--config", str(path)],
                 # editing a broken file says what is wrong with it (found by the fuzz test:
                 # a file that is not TOML at all gave tomlkit's traceback)
                 ["profiles", "add", "new", "--auth", "demo", "--config", str(path)],
                 ["profiles", "set", "prod", "label", "X", "--config", str(path)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert needle in err, err
        assert "\n" not in err
        assert str(path) in err
        if line is not None:
            assert f"{path}:{line}:" in err
    assert path.read_bytes() == original  # never rewritten


def test_profiles_add_set_remove_keep_comments_and_permissions(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cfg" / "config.toml"
    path.parent.mkdir()
    path.write_text(textwrap.dedent("""\
        # flowstage profiles — hand-written
        default_profile = "prod"

        [profiles.prod]  # the real one
        auth = "sf-cli"
        sf_alias = "prod"   # from `sf alias list`
        color = "red"
        """))
    cfg = ["--config", str(path)]
    assert main(["profiles", "add", "uat", "--auth", "sf-cli", "--sf-alias", "uat",
                 "--read-only", "false", "--poll-interval", "30", *cfg]) == 0
    assert main(["profiles", "set", "prod", "label", "PROD", *cfg]) == 0
    text = path.read_text()
    assert "# flowstage profiles — hand-written" in text
    assert "# from `sf alias list`" in text and "# the real one" in text
    assert 'label = "PROD"' in text and "read_only = false" in text
    assert text.index("[profiles.prod]") < text.index("[profiles.uat]")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert main(["profiles", "remove", "uat", *cfg]) == 0
    assert "[profiles.uat]" not in path.read_text()
    capsys.readouterr()
    assert main(["profiles", "set", "prod", "colour", "blue", *cfg]) == 2
    assert "did you mean 'color'?" in capsys.readouterr().err
    before = path.read_bytes()
    assert main(["profiles", "set", "prod", "color", "crimson", *cfg]) == 2  # validated first
    assert path.read_bytes() == before
    assert main(["profiles", "list", *cfg]) == 0
    assert "* prod" in capsys.readouterr().out


def test_failed_write_leaves_the_old_file(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("old = 1\n")

    def boom(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        atomic_write(path, "new = 2\n" * 1000)
    assert path.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_write_killed_midway_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("default_profile = \"prod\"\n")
    script = textwrap.dedent(f"""
        import os, time
        from pathlib import Path
        from flowstage_tui.config.store import atomic_write
        os.fsync = lambda fd: time.sleep(60)   # hold the write open until we are killed
        atomic_write(Path({str(path)!r}), "x = 1\\n" * 100000)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 20
    midway = False
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
            midway = True
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert midway, "the writer never got as far as its temporary file: nothing was tested"
    assert proc.returncode == -signal.SIGKILL  # killed in the write, not finished or crashed
    assert path.read_text() == "default_profile = \"prod\"\n"


def test_config_path_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.prod]\nauth = "sf-cli"\nsf_alias = "prod"\npoll_interval = 30\n'
                    '[keymap]\nrefresh = "ctrl+r"\n')
    assert main(["config", "path", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert str(path) in out and "cache" in out and "logs" in out
    assert "audit    " in out and "audit.jsonl  (every write)" in out
    assert main(["config", "show", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "poll_interval" in out and "[profiles.prod]" in out and "default" in out
    assert "refresh" in out


def test_several_profiles_and_no_default(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Headless commands refuse to guess; the triage screen asks with a picker instead."""
    from flowstage_tui.cli.context import resolve
    from flowstage_tui.cli.main import tui_parser

    path = tmp_path / "config.toml"
    path.write_text('[profiles.prod]\nauth = "sf-cli"\nsf_alias = "prod"\n'
                    '[profiles.uat]\nauth = "sf-cli"\nsf_alias = "uat"\n')
    assert main(["runs", "--config", str(path)]) == 2
    assert "several profiles and no default_profile" in capsys.readouterr().err
    ctx = resolve(tui_parser().parse_args(["--config", str(path)]), interactive=True)
    assert ctx.pick_profile
    named = resolve(tui_parser().parse_args(["--config", str(path), "-p", "uat"]),
                    interactive=True)
    assert not named.pick_profile and named.profile.name == "uat"


def test_profiles_set_can_repair_the_key_that_breaks_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes((CONFIGS / "bad_color.toml").read_bytes())
    assert main(["config", "validate", "--config", str(path)]) == 2
    assert main(["profiles", "set", "prod", "color", "red", "--config", str(path)]) == 0
    assert main(["config", "validate", "--config", str(path)]) == 0
    assert 'color = "red"' in path.read_text()
