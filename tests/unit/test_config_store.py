"""config.toml, checked line by line: every refusal as the whole sentence the user reads (file,
line, dotted key, what is wrong, what to do), written out here by hand, and every value that is
accepted coming back as written."""

from __future__ import annotations

import math
import os
import stat
from pathlib import Path

import pytest

from flowstage_tui.config.store import (
    Config,
    Profile,
    atomic_write,
    config_error_at,
    edit,
    is_loopback,
    load,
    parse_config,
    poll_interval_problem,
    url_problem,
)
from flowstage_tui.errors import ConfigError
from flowstage_tui.salesforce.queries import age_minutes, status_names

P = Path("/home/ann/.config/flowstage/config.toml")
OK = '[profiles.prod]\nauth = "sf-cli"\nsf_alias = "prod"\n'
ALL_STATUSES = "InProgress, Error, Suspended, NotStarted, Completed, Discontinued, Canceled"
AUTHS = "sf-cli, password, jwt, client-credentials, access-token, demo"
COLOURS = "red, green, yellow, blue, magenta, cyan, white, orange, purple"


def refused(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_config(P, text)
    return str(caught.value)


REFUSALS = [
    ("x = 1\n", f"{P}:1: x: unknown key"),
    ("\n\ndefault_profil = 'prod'\n",
     f"{P}:3: default_profil: unknown key; did you mean 'default_profile'?"),
    ("profile = 1\n", f"{P}:1: profile: unknown key; did you mean 'profiles'?"),
    ("default_profile = 5\n", f"{P}:1: default_profile: must be a string (a profile name)"),
    ("profiles = 5\n", f"{P}:1: profiles: must be a table of [profiles.NAME] tables"),
    ("[profiles]\nprod = 5\n", f"{P}:2: profiles.prod: must be a table ([profiles.NAME])"),
    (OK + "colour = 'red'\n", f"{P}:4: profiles.prod.colour: unknown key; did you mean 'color'?"),
    (OK + "zzz = 1\n", f"{P}:4: profiles.prod.zzz: unknown key"),
    (OK + "read_only = 'no'\n", f"{P}:4: profiles.prod.read_only: must be a bool (refuse every "
     "write to the org (default true)), not str"),
    (OK + "poll_interval = true\n", f"{P}:4: profiles.prod.poll_interval: must be a int or "
     "float (seconds between polls (5 to 86400)), not bool"),
    (OK + "status = 5\n", f"{P}:4: profiles.prod.status: must be a string or list (default "
     "status filter), not int"),
    (OK + "label = 5\n", f"{P}:4: profiles.prod.label: must be a string (short name shown in "
     "the header), not int"),
    ("[profiles.prod]\nlabel = 'x'\n", f"{P}:1: profiles.prod.auth: missing; set auth = one of "
     + AUTHS),
    ("[profiles.prod]\nauth = 'sfcli'\n", f"{P}:2: profiles.prod.auth: unknown auth kind "
     f"'sfcli'; did you mean 'sf-cli'?; use one of {AUTHS}"),
    ("[profiles.prod]\nauth = 'kerberos'\n", f"{P}:2: profiles.prod.auth: unknown auth kind "
     f"'kerberos'; use one of {AUTHS}"),
    ("[profiles.prod]\nauth = 'sf-cli'\n", f"{P}:2: profiles.prod.auth: auth = 'sf-cli' needs "
     "sf_alias; add sf_alias = \"...\" to [profiles.prod]"),
    ("[profiles.prod]\nauth = 'sf-cli'\nsf_alias = ''\n", f"{P}:2: profiles.prod.auth: auth = "
     "'sf-cli' needs sf_alias; add sf_alias = \"...\" to [profiles.prod]"),
    ("[profiles.prod]\nauth = 'password'\n", f"{P}:2: profiles.prod.auth: auth = 'password' "
     "needs username; add username = \"...\" to [profiles.prod]"),
    ("[profiles.p]\nauth = 'jwt'\nusername = 'a'\nclient_id = 'c'\n", f"{P}:2: profiles.p.auth: "
     "auth = 'jwt' needs private_key_file; add private_key_file = \"...\" to [profiles.p]"),
    ("[profiles.p]\nauth = 'jwt'\nusername = 'a'\n", f"{P}:2: profiles.p.auth: auth = 'jwt' "
     "needs client_id; add client_id = \"...\" to [profiles.p]"),
    ("[profiles.p]\nauth = 'jwt'\nclient_id = 'c'\n", f"{P}:2: profiles.p.auth: auth = 'jwt' "
     "needs username; add username = \"...\" to [profiles.p]"),
    ("[profiles.p]\nauth = 'client-credentials'\nclient_id = 'c'\n", f"{P}:2: profiles.p.auth: "
     "auth = 'client-credentials' needs login_url; add login_url = \"...\" to [profiles.p]"),
    ("[profiles.p]\nauth = 'client-credentials'\n", f"{P}:2: profiles.p.auth: auth = "
     "'client-credentials' needs client_id; add client_id = \"...\" to [profiles.p]"),
    ("[profiles.p]\nauth = 'access-token'\n", f"{P}:2: profiles.p.auth: auth = 'access-token' "
     "needs instance_url; add instance_url = \"...\" to [profiles.p]"),
    (OK + "color = 'crimson'\n", f"{P}:4: profiles.prod.color: unknown colour 'crimson'; use "
     f"one of {COLOURS}"),
    (OK + "poll_interval = 4.9\n", f"{P}:4: profiles.prod.poll_interval: must be at least 5 "
     "seconds (faster polling spends the org's API allowance)"),
    (OK + "poll_interval = nan\n", f"{P}:4: profiles.prod.poll_interval: must be at least 5 "
     "seconds (faster polling spends the org's API allowance)"),
    (OK + "poll_interval = 86401\n", f"{P}:4: profiles.prod.poll_interval: must be at most "
     "86400 seconds (a day; the screen would only show stale data)"),
    (OK + "api_version = '62'\n", f'{P}:4: profiles.prod.api_version: write it like "62.0"'),
    (OK + "api_version = 'v62.0'\n", f'{P}:4: profiles.prod.api_version: write it like "62.0"'),
    (OK + "since = 'yesterday'\n", f"{P}:4: profiles.prod.since: 'yesterday' is not an age; "
     "write it like 30m, 24h, 7d or 2w"),
    (OK + "status = 'Done'\n", f"{P}:4: profiles.prod.status: unknown status 'Done'; use one "
     f"of {ALL_STATUSES}"),
    (OK + "instance_url = 'ftp://acme'\n", f"{P}:4: profiles.prod.instance_url: must be a URL "
     "like https://acme.my.salesforce.com (a site may add its path: "
     "https://acme.my.site.com/customers)"),
    (OK + "login_url = 'http://login.salesforce.com'\n", f"{P}:4: profiles.prod.login_url: "
     "http:// would send the password or token in clear text; use https:// (plain http is "
     "only for loopback hosts such as `flowstage demo serve` on 127.0.0.1)"),
    (OK + "default_profile = 'x'\n", f"{P}:4: profiles.prod.default_profile: unknown key"),
    ("default_profile = 'production'\n" + OK, f"{P}:1: default_profile: names 'production', "
     "which is not a profile; did you mean 'prod'?"),
    ("default_profile = 'zz'\n" + OK, f"{P}:1: default_profile: names 'zz', which is not a "
     "profile"),
    ("keymap = 5\n", f'{P}:1: keymap: must be a table of binding id = "keys"'),
    ("[keymap]\nquit = 5\n", f'{P}:1: keymap: must be a table of binding id = "keys"'),
    ("[keymap]\nhelp.close = 5\n", f'{P}:1: keymap: must be a table of binding id = "keys"'),
]


@pytest.mark.parametrize(("text", "message"), REFUSALS)
def test_each_refusal_is_this_sentence(text: str, message: str) -> None:
    assert refused(text) == message


def test_not_toml_names_the_file_and_where_tomllib_stopped() -> None:
    message = refused("[profiles.prod\n")
    assert message.startswith(f"{P}: not valid TOML: ")
    assert "line 1" in message
    assert message.endswith("; fix the file or move it away")


def test_the_line_is_found_inside_the_right_table() -> None:
    text = ('[profiles.a]\nauth = "sf-cli"\nsf_alias = "a"\ncolor = "red"\n\n'
            '# a comment [not a table]\n[profiles."b.c"]  # quoted\nauth = "sf-cli"\n'
            'sf_alias = "b"\ncolor = "pink"\n')
    assert refused(text).startswith(f"{P}:10: profiles.b.c.color: unknown colour 'pink'")


def test_a_key_set_in_an_inline_table_points_at_the_table() -> None:
    text = '\n[profiles]\nprod = { auth = "sf-cli", sf_alias = "p", color = "pink" }\n'
    assert refused(text).startswith(f"{P}:3: profiles.prod.color:")


def test_a_key_in_a_later_table_is_not_taken_for_this_one() -> None:
    # [profiles.a] has no auth: the line named is its header, not [profiles.b]'s auth
    text = '[profiles.a]\nlabel = "x"\n[profiles.b]\nauth = "sf-cli"\nsf_alias = "b"\n'
    assert refused(text) == f"{P}:1: profiles.a.auth: missing; set auth = one of {AUTHS}"


def test_a_good_file_comes_back_as_written() -> None:
    text = ('default_profile = "prod"\n[profiles.prod]\nauth = "password"\nusername = "a@b.c"\n'
            'login_url = "https://acme.my.salesforce.com"\nread_only = false\npoll_interval = 7.5\n'
            'status = ["Error", "in progress"]\nsince = "2w"\napi_version = "62.0"\n'
            'color = "orange"\nlabel = "PROD"\n[profiles.dev]\nauth = "demo"\n'
            '[keymap]\nquit = "ctrl+q"\nhelp.close = "x"\n')
    cfg = parse_config(P, text)
    assert cfg == Config(P, True, "prod", {
        "prod": Profile("prod", "password", {
            "auth": "password", "username": "a@b.c",
            "login_url": "https://acme.my.salesforce.com", "read_only": False,
            "poll_interval": 7.5, "status": ["Error", "in progress"], "since": "2w",
            "api_version": "62.0", "color": "orange", "label": "PROD"}),
        "dev": Profile("dev", "demo", {"auth": "demo"})}, {"quit": "ctrl+q", "help.close": "x"})
    assert cfg.profile(None) is cfg.profiles["prod"]
    assert cfg.profile("dev").label == "dev" and cfg.profile("prod").label == "PROD"
    assert cfg.profile("prod").read_only is False and cfg.profile("dev").read_only is True
    assert cfg.profile("prod").get("since") == "2w"
    assert cfg.profile("dev").get("since") is None and cfg.profile("dev").get("x", 3) == 3


def test_an_empty_file_has_no_profiles() -> None:
    assert parse_config(P, "") == Config(P, True, None, {}, {})


def test_which_profile_is_chosen() -> None:
    one = parse_config(P, OK)
    assert one.profile(None).name == "prod"  # the only one needs no default
    assert one.profile("prod").name == "prod"
    two = parse_config(P, OK + '[profiles.dev]\nauth = "demo"\n')
    with pytest.raises(ConfigError) as caught:
        two.profile(None)
    assert str(caught.value) == (f"several profiles and no default_profile in {P}; name one "
                                 "(`flowstage PROFILE`) or set default_profile")
    with pytest.raises(ConfigError) as caught:
        two.profile("prd")
    assert str(caught.value) == (f"no profile named 'prd' in {P} (profiles here: dev, prod); "
                                 "did you mean 'prod'?; see `flowstage profiles list`")
    with pytest.raises(ConfigError) as caught:
        two.profile("staging")
    assert str(caught.value) == (f"no profile named 'staging' in {P} (profiles here: dev, "
                                 "prod); see `flowstage profiles list`")
    with pytest.raises(ConfigError) as caught:
        two.profile("production-eu")  # no close match, but it starts with a profile's name
    assert str(caught.value).endswith("; did you mean 'prod'?; see `flowstage profiles list`")
    none = parse_config(P, "")
    with pytest.raises(ConfigError) as caught:
        none.profile(None)
    assert str(caught.value) == (f"no profiles in {P}; add one with `flowstage profiles add "
                                 "NAME --auth sf-cli --sf-alias ALIAS` or use --demo")
    with pytest.raises(ConfigError) as caught:
        none.profile("prod")
    assert str(caught.value) == (f"no profile named 'prod': {P} has no profiles; add one with "
                                 "`flowstage profiles add NAME --auth sf-cli --sf-alias ALIAS` "
                                 "or use --demo")


@pytest.mark.parametrize(("text", "minutes"), [
    ("30m", 30), ("24h", 1440), ("7d", 10080), ("2w", 20160), (" 1 H ", 60), ("0m", 0),
    ("52560000m", 52_596_000 - 36000), ("36525d", 36525 * 1440),
])
def test_ages(text: str, minutes: int) -> None:
    assert age_minutes(text) == minutes


@pytest.mark.parametrize(("text", "message"), [
    ("", "'' is not an age; write it like 30m, 24h, 7d or 2w"),
    ("24", "'24' is not an age; write it like 30m, 24h, 7d or 2w"),
    ("1y", "'1y' is not an age; write it like 30m, 24h, 7d or 2w"),
    ("-1d", "'-1d' is not an age; write it like 30m, 24h, 7d or 2w"),
    ("h", "'h' is not an age; write it like 30m, 24h, 7d or 2w"),
    ("1dd", "'1dd' is not an age; write it like 30m, 24h, 7d or 2w"),
    ("36526d", "'36526d' reaches back more than 100 years; write a shorter age like 30m, 24h, "
     "7d or 2w"),
    ("5218w", "'5218w' reaches back more than 100 years; write a shorter age like 30m, 24h, "
     "7d or 2w"),
])
def test_what_is_not_an_age(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        age_minutes(text)
    assert str(caught.value) == message


def test_status_names() -> None:
    assert status_names(None) == () and status_names("") == () and status_names([]) == ()
    assert status_names("error") == ("Error",)
    assert status_names("Error, in progress,,ERROR") == ("Error", "InProgress")
    assert status_names(["suspended", "Completed,canceled"]) == (
        "Suspended", "Completed", "Canceled")
    for bad, message in [
        ("Done", f"unknown status 'Done'; use one of {ALL_STATUSES}"),
        (["Error", 3], 'must be a string or a list of strings, e.g. "Error,InProgress"'),
        (",", f"no status in ','; use one of {ALL_STATUSES}"),
        ([" ", ","], f"no status in ' , ,'; use one of {ALL_STATUSES}"),
    ]:
        with pytest.raises(ValueError) as caught:
            status_names(bad)
        assert str(caught.value) == message


@pytest.mark.parametrize(("seconds", "problem"), [
    (5, None), (86400, None), (15.5, None),
    (4.99, ("at least 5 seconds", "faster polling spends the org's API allowance")),
    (-1, ("at least 5 seconds", "faster polling spends the org's API allowance")),
    (math.nan, ("at least 5 seconds", "faster polling spends the org's API allowance")),
    (86400.5, ("at most 86400 seconds", "a day; the screen would only show stale data")),
    (math.inf, ("at most 86400 seconds", "a day; the screen would only show stale data")),
])
def test_poll_interval_bounds(seconds: float, problem: tuple[str, str] | None) -> None:
    assert poll_interval_problem(seconds) == problem


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("LocalHost", True), ("127.0.0.1", True), ("127.8.9.10", True),
    ("::1", True), ("128.0.0.1", False), ("10.0.0.1", False), ("localhost.example", False),
    ("example.com", False), ("", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


LIKE = ("must be a URL like https://acme.my.salesforce.com (a site may add its path: "
        "https://acme.my.site.com/customers)")


@pytest.mark.parametrize(("url", "problem"), [
    ("https://acme.my.salesforce.com", None),
    (" https://acme.my.site.com/customers ", None),
    ("http://127.0.0.1:8443", None), ("http://localhost", None), ("https://10.1.2.3:443", None),
    ("acme.my.salesforce.com", LIKE), ("https://", LIKE), ("https://acme?x=1", LIKE),
    ("https://acme#top", LIKE), ("https://acme:0", LIKE), ("https://acme:99999", LIKE),
    ("https://ac me.com", LIKE), ("ftp://acme.com", LIKE), ("https://[::1", LIKE),
    ("https://ann:pw@acme.com", "no user name or password in the URL: they belong in the "
     "profile's username and *_env keys"),
    ("https://ann@acme.com", "no user name or password in the URL: they belong in the "
     "profile's username and *_env keys"),
    ("http://acme.my.salesforce.com", "http:// would send the password or token in clear text; "
     "use https:// (plain http is only for loopback hosts such as `flowstage demo serve` on "
     "127.0.0.1)"),
    ("https://acme.lightning.force.com", "acme.lightning.force.com serves the Lightning pages, "
     "not logins or the API; use https://acme.my.salesforce.com"),
])
def test_url_problems(url: str, problem: str | None) -> None:
    assert url_problem(url) == problem


def test_load_reads_the_file_or_says_why_not(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    assert load(missing) == Config(missing, False, None, {}, {})
    good = tmp_path / "good.toml"
    good.write_text(OK, encoding="utf-8")
    assert load(good).profiles["prod"].get("sf_alias") == "prod"
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"label = '\xe9'\n")
    with pytest.raises(ConfigError) as caught:
        load(latin)
    assert str(caught.value) == f"{latin}: not UTF-8 text; save it as UTF-8"
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(ConfigError) as caught:
        load(folder)
    assert str(caught.value) == f"{folder}: cannot read it (Is a directory)"


def test_config_error_at_names_the_line_or_only_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[keymap]\nquit = 'q'\nhelp = 'x'\n", encoding="utf-8")
    assert str(config_error_at(path, "keymap", "help", "clashes")) == \
        f"{path}:3: keymap.help: clashes"
    assert str(config_error_at(path, None, "nothing", "no")) == f"{path}: nothing: no"
    gone = tmp_path / "gone.toml"
    assert str(config_error_at(gone, "keymap", "quit", "x")) == f"{gone}: keymap.quit: x"


def test_atomic_write_makes_a_private_file_in_a_private_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    atomic_write(path, "a = 1\n")
    atomic_write(path, "b = 2\n")
    assert path.read_text(encoding="utf-8") == "b = 2\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["config.toml"]


def test_an_atomic_write_that_fails_leaves_no_temporary(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("old", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write(path, "new")
    assert os.listdir(tmp_path) == ["config.toml"]
    assert path.read_text(encoding="utf-8") == "old"


def test_edit_applies_the_change_keeps_comments_and_returns_the_new_config(
        tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("# mine\n" + OK, encoding="utf-8")

    def relabel(doc: object) -> None:
        doc["profiles"]["prod"]["label"] = "P"  # type: ignore[index]

    cfg = edit(path, relabel)
    assert cfg.profiles["prod"].label == "P"
    assert path.read_text(encoding="utf-8") == "# mine\n" + OK + 'label = "P"\n'
    fresh = tmp_path / "fresh.toml"

    def add(doc: object) -> None:
        doc["profiles"] = {"d": {"auth": "demo"}}  # type: ignore[index]

    assert edit(fresh, add).profiles["d"].auth == "demo"  # a file that did not exist


def test_edit_refuses_a_change_that_would_break_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OK, encoding="utf-8")

    def bad(doc: object) -> None:
        doc["profiles"]["prod"]["color"] = "pink"  # type: ignore[index]

    with pytest.raises(ConfigError) as caught:
        edit(path, bad)
    assert str(caught.value).startswith(f"{path}:4: profiles.prod.color: unknown colour 'pink'")
    assert path.read_text(encoding="utf-8") == OK


def test_edit_of_a_broken_file_reports_the_file_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OK + "colour = 'red'\n", encoding="utf-8")

    def relabel(doc: object) -> None:
        doc["profiles"]["prod"]["label"] = "P"  # type: ignore[index]

    with pytest.raises(ConfigError) as caught:
        edit(path, relabel)
    assert str(caught.value) == (f"{path}:4: profiles.prod.colour: unknown key; did you mean "
                                 "'color'?")
    not_toml = tmp_path / "bad.toml"
    not_toml.write_text("[profiles\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        edit(not_toml, relabel)
    assert str(caught.value).startswith(f"{not_toml}: not valid TOML: ")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b"label = '\xe9'\n")
    with pytest.raises(ConfigError) as caught:
        edit(latin, relabel)
    assert str(caught.value) == f"{latin}: not UTF-8 text; save it as UTF-8"


def test_edit_that_cannot_write_keeps_the_old_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OK, encoding="utf-8")

    def full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)

    def relabel(doc: object) -> None:
        doc["profiles"]["prod"]["label"] = "P"  # type: ignore[index]

    with pytest.raises(ConfigError) as caught:
        edit(path, relabel)
    assert str(caught.value) == (f"{path}: cannot write it (No space left on device); the old "
                                 "file is unchanged")
    assert path.read_text(encoding="utf-8") == OK


def test_atomic_write_renames_a_synced_file_beside_the_old_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The data reaches the disk before the rename, the rename within one folder is atomic,
    and the folder's entry is synced after it: a crash leaves the old file or the new one."""
    path = tmp_path / "config.toml"
    path.write_text("old", encoding="utf-8")
    events: list[tuple[str, str]] = []
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src: str, dst: str) -> None:
        events.append(("replace", str(src)))
        real_replace(src, dst)

    def fsync(fd: int) -> None:
        events.append(("fsync", "dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        real_fsync(fd)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(path, "new ünïcode\n")
    assert [e[0] for e in events] == ["fsync", "replace", "fsync"]
    assert events[0][1] == "file" and events[2][1] == "dir"
    src = Path(events[1][1])
    assert src.parent == tmp_path and src.name.startswith(".config.toml.")
    assert src.name.endswith(".tmp")
    assert path.read_bytes() == "new ünïcode\n".encode()
