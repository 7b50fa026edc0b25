"""config.toml: strict reading (one clear message per mistake) and careful writing.

Reads use the standard library's tomllib; writes use tomlkit so the user's comments and key
order survive, and go through a temp file, fsync and rename so an interrupted write leaves the
old file intact. The file is never written unless the user asks (`profiles add/remove/set`).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..notify import SETTINGS as NOTIFY_SETTINGS

# the run filter's vocabulary: a profile's `since` and `status` are held to the same rule
from ..salesforce.queries import age_minutes, status_names
from ..salesforce.work import DEFAULT_STALE_AFTER, DEFAULT_STUCK_AFTER
from ..salesforce.work_filter import parse_duration
from .views import SavedView, parse_views
from .watch_rules import WatchRule, argv_problem, parse_rules, rule_line, timeout_problem

if TYPE_CHECKING:  # the lint checks load only for `flowstage lint` or a lint table
    from ..salesforce.lint import LintSettings

AUTH_KINDS = ("sf-cli", "password", "jwt", "client-credentials", "access-token", "demo")
COLORS = ("red", "green", "yellow", "blue", "magenta", "cyan", "white", "orange", "purple")

# key -> (python type(s), description) — the keys users write are part of the interface.
PROFILE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "auth": ((str,), "how to log in: " + " | ".join(AUTH_KINDS)),
    "sf_alias": ((str,), "sf CLI alias or username (auth = sf-cli)"),
    "instance_url": ((str,), "https://<my-domain>.my.salesforce.com"),
    "login_url": ((str,), "login host for password / jwt / client-credentials"),
    "username": ((str,), "Salesforce username"),
    "client_id": ((str,), "connected app consumer key (jwt, client-credentials)"),
    "private_key_file": ((str,), "PEM private key for jwt"),
    "password_env": ((str,), "environment variable holding the password (password)"),
    "security_token_env": ((str,), "environment variable holding the security token"),
    "client_secret_env": ((str,), "environment variable holding the consumer secret"),
    "token_env": ((str,), "environment variable holding an access token (access-token)"),
    "api_version": ((str,), "highest API version to use, e.g. \"62.0\""),
    "ca_bundle": ((str,), "PEM file of extra trusted certificate authorities"),
    "read_only": ((bool,), "refuse every write to the org (default true)"),
    "label": ((str,), "short name shown in the header"),
    "color": ((str,), "header colour: " + ", ".join(COLORS)),
    "poll_interval": ((int, float), "seconds between polls (5 to 86400)"),
    "background_poll_interval": ((int, float), "seconds between polls while the org's tab "
                                 "is not in front (5 to 86400; default 4 x poll_interval)"),
    "demo_seed": ((int,), "auth = demo: which demo org (two seeds, two orgs; default 7)"),
    "theme": ((str,), "Textual theme, e.g. ansi-dark"),
    "status": ((str, list), "default status filter"),
    "orchestration": ((str,), "default orchestration filter"),
    "since": ((str,), "default age filter, e.g. 24h or 7d"),
    "stuck_after": ((str,), "a work item held longer is stuck, e.g. 4h (default 24h)"),
    "stale_after": ((str,), "an InProgress or Suspended run untouched longer is stale, "
                    "e.g. 14d (default 30d)"),
    "notify": ((str,), "terminal notifications: " + " | ".join(NOTIFY_SETTINGS)
               + " (default: the file's notify, else auto)"),
    "watch": ((list,), "alert rules for `watch --alert`, as [[profiles.NAME.watch]] tables"),
    "on_alert": ((list,), "command run with each alert as JSON on stdin, e.g. "
                 "[\"notify-ops\", \"--team\", \"crm\"] (never through a shell)"),
    "on_alert_timeout": ((int, float), "seconds on_alert may take before it is stopped "
                         "(default 10)"),
    "lint": ((dict,), "thresholds of `flowstage lint`, as a [profiles.NAME.lint] table"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "sf-cli": ("sf_alias",),
    "password": ("username",),
    "jwt": ("username", "client_id", "private_key_file"),
    "client-credentials": ("client_id", "login_url"),
    "access-token": ("instance_url",),
    "demo": (),
}
TOP_KEYS = ("default_profile", "profiles", "keymap", "notify", "views")
MIN_POLL_SECONDS = 5  # faster polling spends the org's API allowance, which other tools share
MAX_POLL_SECONDS = 86_400  # a day; beyond it the screen would only ever show stale data


def poll_interval_problem(seconds: float) -> tuple[str, str] | None:
    """What a poll interval (profile, --refresh, --interval) must be instead, and why; or None."""
    if math.isnan(seconds) or seconds < MIN_POLL_SECONDS:
        return (f"at least {MIN_POLL_SECONDS} seconds",
                "faster polling spends the org's API allowance")
    if seconds > MAX_POLL_SECONDS:
        return f"at most {MAX_POLL_SECONDS} seconds", "a day; the screen would only show stale data"
    return None


@dataclass(frozen=True)
class Profile:
    name: str
    auth: str
    values: Mapping[str, Any]
    watch: tuple[WatchRule, ...] = ()  # [[profiles.NAME.watch]], checked on load
    notify_default: str = "auto"  # the file's top-level `notify`

    @property
    def notify(self) -> str:
        """auto | osc9 | osc777 | osc99 | bell | off (checked on load)."""
        return str(self.values.get("notify") or self.notify_default)

    @property
    def on_alert(self) -> tuple[str, ...] | None:
        value = self.values.get("on_alert")
        return tuple(value) if value else None

    @property
    def on_alert_timeout(self) -> float:
        return float(self.values.get("on_alert_timeout", 10))

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def read_only(self) -> bool:
        return bool(self.values.get("read_only", True))

    @property
    def label(self) -> str:
        return str(self.values.get("label") or self.name)

    @property
    def stuck_after(self) -> timedelta:
        """A work item held longer is flagged stuck (checked on load)."""
        value = self.values.get("stuck_after")
        return parse_duration(value) if value else DEFAULT_STUCK_AFTER

    @property
    def lint(self) -> LintSettings:
        """`flowstage lint`'s thresholds ([profiles.NAME.lint], checked on load)."""
        from .lint_settings import lint_settings  # the checks' module: not on the start path

        return lint_settings(self.values.get("lint"), stale_after=self.stale_after,
                             stuck_after=self.stuck_after)

    @property
    def lint_fail_on(self) -> str:
        return str((self.values.get("lint") or {}).get("fail_on", "error"))

    @property
    def stale_after(self) -> timedelta:
        """An InProgress or Suspended run unmodified this long is stale (checked on load)."""
        value = self.values.get("stale_after")
        return parse_duration(value) if value else DEFAULT_STALE_AFTER


@dataclass(frozen=True)
class Config:
    path: Path
    exists: bool
    default_profile: str | None
    profiles: Mapping[str, Profile]
    keymap: Mapping[str, str] = field(default_factory=dict)
    notify: str = "auto"  # the top-level `notify`: every profile's unless it sets its own
    views: Mapping[str, SavedView] = field(default_factory=dict)  # [views.NAME] (views.py)

    def profile(self, name: str | None) -> Profile:
        chosen = name or self.default_profile
        if chosen is None:
            if len(self.profiles) == 1:
                return next(iter(self.profiles.values()))
            if not self.profiles:
                raise ConfigError(f"no profiles in {self.path}; add one with `flowstage profiles "
                                  "add NAME --auth sf-cli --sf-alias ALIAS` or use --demo")
            raise ConfigError(f"several profiles and no default_profile in {self.path}; name "
                              "one (`flowstage PROFILE`) or set default_profile")
        if chosen not in self.profiles:
            if not self.profiles:
                raise ConfigError(f"no profile named {chosen!r}: {self.path} has no profiles; "
                                  "add one with `flowstage profiles add NAME --auth sf-cli "
                                  "--sf-alias ALIAS` or use --demo")
            hint = _did_you_mean(chosen, self.profiles)
            raise ConfigError(f"no profile named {chosen!r} in {self.path} (profiles here: "
                              f"{', '.join(sorted(self.profiles))}){hint}; see "
                              "`flowstage profiles list`")
        return self.profiles[chosen]


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: what `flowstage demo serve` listens on."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str | None:
    """What is wrong with a profile's login_url / instance_url, or None. https only, except
    on loopback: over plain http a password or access token crosses the network readable."""
    from urllib.parse import urlsplit

    like = ("must be a URL like https://acme.my.salesforce.com (a site may add its path: "
            "https://acme.my.site.com/customers)")
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port  # port: ValueError when not 0-65535
    except ValueError:
        return like
    if parts.scheme not in ("http", "https") or not host or parts.query or parts.fragment \
            or port == 0 or any(c.isspace() for c in url.strip()):
        return like
    if parts.username is not None or parts.password is not None:
        return ("no user name or password in the URL: they belong in the profile's "
                "username and *_env keys")
    if parts.scheme == "http" and not is_loopback(host):
        return ("http:// would send the password or token in clear text; use https:// "
                "(plain http is only for loopback hosts such as `flowstage demo serve` on "
                "127.0.0.1)")
    if host.endswith(".lightning.force.com"):  # the Lightning UI host, not a login host
        mine = host[: -len(".lightning.force.com")] + ".my.salesforce.com"
        return f"{host} serves the Lightning pages, not logins or the API; use https://{mine}"
    return None


def _did_you_mean(word: str, choices: Any) -> str:
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6) or [
        c for c in options if word.startswith(c) or c.startswith(word)][:1]
    return f"; did you mean {close[0]!r}?" if close else ""


Table = str | tuple[str, ...] | None  # "keymap", or the parts of [profiles."b.c"]


def _parts(table: Table) -> tuple[str, ...]:
    if table is None:
        return ()
    return tuple(table.split(".")) if isinstance(table, str) else table


def _line_of(text: str, table: Table, key: str) -> int | None:
    """The line where key is set inside [table] (1-based), for messages; else the line that
    opens the table (a [header], or `name = {...}` inline); else None."""
    lines = text.splitlines()
    parts = _parts(table)
    key_re = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
    if not parts:  # a top-level key, or the table it names ([keymap], [profiles.x])
        opens = re.compile(r"^\s*\[\s*" + re.escape(key) + r"\s*[\].]")
        return next((i + 1 for i, line in enumerate(lines) if key_re.match(line)), None) or \
            next((i + 1 for i, line in enumerate(lines) if opens.match(line)), None)
    header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(
        re.escape(p) if re.match(r"^[A-Za-z0-9_-]+$", p) else f'"{re.escape(p)}"'
        for p in parts) + r"\s*\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is not None:
        for i in range(start + 1, len(lines)):
            if lines[i].lstrip().startswith("["):
                break
            if key_re.match(lines[i]):
                return i + 1
        return start + 1
    name = parts[-1]
    inline = re.compile(r'^\s*(' + re.escape(name) + r'|"' + re.escape(name) + r'")\s*=')
    return next((i + 1 for i, line in enumerate(lines) if inline.match(line)), None)


def _fail(path: Path, text: str, table: Table, key: str, message: str) -> ConfigError:
    line = _line_of(text, table, key)
    where = f"{path}:{line}" if line else str(path)
    dotted = ".".join((*_parts(table), key))
    return ConfigError(f"{where}: {dotted}: {message}")


def config_error_at(path: Path, table: Table, key: str, message: str) -> ConfigError:
    """A ConfigError naming file:line and the dotted key, for checks made after loading
    (the keymap against the UI's bindings, which this module cannot see)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    return _fail(path, text, table, key, message)


def parse_config(path: Path, text: str) -> Config:
    """Validate config text strictly. Raises ConfigError naming file, line and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}; fix the file or move it away") \
            from exc
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(path, text, None, key, "unknown key" + _did_you_mean(key, TOP_KEYS))
    notify = data.get("notify", "auto")
    if notify not in NOTIFY_SETTINGS:
        raise _fail(path, text, None, "notify", f"unknown notify {notify!r}; use one of "
                    + ", ".join(NOTIFY_SETTINGS))
    default = data.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise _fail(path, text, None, "default_profile", "must be a string (a profile name)")
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise _fail(path, text, None, "profiles", "must be a table of [profiles.NAME] tables")
    profiles: dict[str, Profile] = {}
    for name, table in raw_profiles.items():
        section = ("profiles", name)
        if not isinstance(table, dict):
            raise _fail(path, text, "profiles", name, "must be a table ([profiles.NAME])")
        for key, value in table.items():
            spec = PROFILE_KEYS.get(key)
            if spec is None:
                raise _fail(path, text, section, key,
                            "unknown key" + _did_you_mean(key, PROFILE_KEYS))
            types, what = spec
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                kind = " or ".join("list" if t is list else "table" if t is dict else
                                   t.__name__.replace("str", "string")
                                   for t in types)
                raise _fail(path, text, section, key, f"must be a {kind} ({what}), "
                            f"not {type(value).__name__}")
        auth = table.get("auth")
        if auth is None:
            raise _fail(path, text, section, "auth", "missing; set auth = one of "
                        + ", ".join(AUTH_KINDS))
        if auth not in AUTH_KINDS:
            raise _fail(path, text, section, "auth", f"unknown auth kind {auth!r}"
                        + _did_you_mean(auth, AUTH_KINDS) + "; use one of " + ", ".join(AUTH_KINDS))
        for key in REQUIRED[auth]:
            if not table.get(key):
                raise _fail(path, text, section, "auth", f"auth = {auth!r} needs {key}; add "
                            f"{key} = \"...\" to [profiles.{name}]")
        if "color" in table and table["color"] not in COLORS:
            raise _fail(path, text, section, "color", f"unknown colour {table['color']!r}; use "
                        "one of " + ", ".join(COLORS))
        for key in ("poll_interval", "background_poll_interval"):
            problem = poll_interval_problem(table[key]) if key in table else None
            if problem:
                raise _fail(path, text, section, key, f"must be {problem[0]} ({problem[1]})")
        if "api_version" in table and not re.match(r"^\d+\.0$", table["api_version"]):
            raise _fail(path, text, section, "api_version", "write it like \"62.0\"")
        if "since" in table:
            try:
                age_minutes(table["since"])
            except ValueError as exc:
                raise _fail(path, text, section, "since", str(exc)) from None
        for key in ("stuck_after", "stale_after"):
            if key in table:
                try:
                    if parse_duration(table[key]) <= timedelta(0):
                        raise ValueError(f"{table[key]!r} is no time at all; give one like 4h "
                                         "or 30d")
                except ValueError as exc:
                    raise _fail(path, text, section, key, str(exc)) from None
        if "status" in table:
            try:
                status_names(table["status"])
            except ValueError as exc:
                raise _fail(path, text, section, "status", str(exc)) from None
        for url_key in ("instance_url", "login_url"):
            wrong = url_problem(table[url_key]) if url_key in table else None
            if wrong:
                raise _fail(path, text, section, url_key, wrong)
        if "lint" in table:
            from .lint_settings import check_lint  # only a profile with a lint table pays

            check_lint(table["lint"], _lint_fail(path, text, name), _did_you_mean)
        profiles[name] = Profile(name, auth, dict(table), _alert_rules(path, text, name, table),
                                 notify)
    if default is not None and default not in profiles:
        raise _fail(path, text, None, "default_profile", f"names {default!r}, which is not a "
                    "profile" + _did_you_mean(default, profiles))
    raw_keymap = data.get("keymap", {})
    keymap = _flat(raw_keymap) if isinstance(raw_keymap, dict) else None
    if keymap is None or not all(isinstance(v, str) for v in keymap.values()):
        raise _fail(path, text, None, "keymap", "must be a table of binding id = \"keys\"")
    views = parse_views(data.get("views", {}), lambda view, key, message: _fail(
        path, text, ("views", view) if view else "views", key, message))
    return Config(path, True, default, profiles, keymap, notify, views)


def _lint_fail(path: Path, text: str, name: str) -> Any:
    """(key, message) -> the ConfigError at that key of [profiles.NAME.lint] ("" the table)."""
    def fail(key: str, message: str) -> ConfigError:
        if not key:
            return _fail(path, text, ("profiles", name), "lint", message)
        return _fail(path, text, ("profiles", name, "lint"), key, message)
    return fail


def _alert_rules(path: Path, text: str, name: str,
                 table: Mapping[str, Any]) -> tuple[WatchRule, ...]:
    """The profile's notify, on_alert and [[watch]] rules, checked."""
    section = ("profiles", name)
    if "notify" in table and table["notify"] not in NOTIFY_SETTINGS:
        raise _fail(path, text, section, "notify", f"unknown notify {table['notify']!r}; use "
                    "one of " + ", ".join(NOTIFY_SETTINGS))
    if "on_alert" in table and (problem := argv_problem(table["on_alert"])):
        raise _fail(path, text, section, "on_alert", problem)
    if "on_alert_timeout" in table and (problem := timeout_problem(table["on_alert_timeout"])):
        raise _fail(path, text, section, "on_alert_timeout", problem)

    def fail(index: int | None, key: str, message: str) -> ConfigError:
        if index is None:
            return _fail(path, text, section, key, message)
        line = rule_line(text, name, index, key) or _line_of(text, section, "watch")
        where = f"{path}:{line}" if line else str(path)
        return ConfigError(f"{where}: profiles.{name}.watch[{index}].{key}: {message}")

    return parse_rules(table["watch"], fail) if "watch" in table else ()


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`help.close = "x"` unquoted is TOML for a nested table; it means the id help.close."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def load(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path, False, None, {}, {})
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    return parse_config(path, text)


def atomic_write(path: Path, text: str) -> None:
    """Write text so that readers see either the old file or the new one, never half.

    Temp file in the same directory, fsync, rename; the file ends 0600 in a 0700 directory.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, stat.S_IRWXU)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def edit(path: Path, change: Any) -> Config:
    """Apply change(document) to the file with tomlkit, validate, then write atomically."""
    import tomlkit
    import tomlkit.exceptions

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    try:
        doc = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError:
        parse_config(path, text)  # raises with tomllib's line and column
        raise ConfigError(f"{path}: not valid TOML; fix the file or move it away") from None
    try:
        change(doc)
        new_text = tomlkit.dumps(doc)
        config = parse_config(path, new_text)  # never write a file we would refuse to read
    except Exception:
        # A file already broken on disk is reported as it is, with the lines the user sees
        # (a change may still repair it: then all is well and nothing is raised).
        if text:
            parse_config(path, text)
        raise
    try:
        atomic_write(path, new_text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write it ({exc.strerror}); the old file is "
                          "unchanged") from exc
    return config
