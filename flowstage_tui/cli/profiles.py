"""`flowstage profiles ...` and `flowstage config ...`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..config import paths
from ..config.store import PROFILE_KEYS, edit, load
from ..errors import ConfigError, UsageError
from .context import config_path

DEFAULTS: dict[str, Any] = {"read_only": True, "poll_interval": 15, "theme": "textual-dark"}
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def _coerce(key: str, text: str) -> Any:
    types = PROFILE_KEYS[key][0] if key in PROFILE_KEYS else (str,)
    if bool in types:
        if text.lower() not in _BOOL:
            raise UsageError(f"{key}: expected true or false, got {text!r}")
        return _BOOL[text.lower()]
    if int in types:
        try:
            return int(text) if text.isdigit() else float(text)
        except ValueError:
            raise UsageError(f"{key}: expected a number, got {text!r}") from None
    return text


def reserved_profile_names() -> tuple[str, ...]:
    """Names a profile cannot have: `flowstage NAME` runs the command, not the profile. Read
    from the command table the dispatcher uses, so a command added later is covered."""
    from .main import COMMANDS

    return tuple(COMMANDS)


def check_profile_name(name: str) -> None:
    if name in reserved_profile_names():
        raise UsageError(f"profile name {name!r} is a flowstage command: `flowstage {name}` "
                         "would run the command, not open the profile; choose another name")
    if not name or name.startswith("-") or not all(c.isalnum() or c in "-_." for c in name):
        raise UsageError(f"profile name {name!r}: use one word of letters, digits, '-', '_' "
                         "and '.', not starting with '-' (it is typed as `flowstage NAME`)")


def clashing_profiles(names: Any) -> list[str]:
    reserved = set(reserved_profile_names())
    return [n for n in names if n in reserved]


def run(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    action = args.action
    out = sys.stdout
    if action == "list":
        cfg = load(path)
        if not cfg.profiles:
            out.write(f"No profiles in {path}. Add one: flowstage profiles add prod --auth "
                      "sf-cli --sf-alias prod\n")
            return 0
        for name, prof in cfg.profiles.items():
            mark = "*" if name == cfg.default_profile else " "
            mode = "read-only" if prof.read_only else "read-write"
            out.write(f"{mark} {name:<16} {prof.auth:<18} {prof.label:<12} {mode}\n")
        return 0
    if action == "show":
        prof = load(path).profile(args.name)
        out.write(f"[profiles.{prof.name}]\n")
        for key, value in prof.values.items():
            out.write(f"{key} = {value!r}\n".replace("'", '"'))
        return 0
    if action == "add":
        check_profile_name(args.name)
        values = {k: _coerce(k, v) for k in PROFILE_KEYS if (v := getattr(args, k, None))
                  is not None}

        def add(doc: Any) -> None:
            import tomlkit

            profiles = doc.setdefault("profiles", tomlkit.table(is_super_table=True))
            if args.name in profiles:
                raise UsageError(f"profile {args.name!r} already exists; change it with "
                                 f"`flowstage profiles set {args.name} KEY VALUE`")
            table = tomlkit.table()
            table["auth"] = args.auth
            for k, v in values.items():
                table[k] = v
            profiles[args.name] = table
            if args.default or "default_profile" not in doc:
                doc["default_profile"] = args.name

        edit(path, add)
        out.write(f"Added profile {args.name!r} to {path}.\n")
        return 0
    if action == "remove":
        def remove(doc: Any) -> None:
            profiles = doc.get("profiles", {})
            if args.name not in profiles:
                raise UsageError(f"no profile named {args.name!r} in {path}")
            del profiles[args.name]
            if doc.get("default_profile") == args.name:
                del doc["default_profile"]

        edit(path, remove)
        out.write(f"Removed profile {args.name!r} from {path}.\n")
        return 0
    if action == "set":
        if args.key not in PROFILE_KEYS:
            import difflib

            close = difflib.get_close_matches(args.key, list(PROFILE_KEYS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"unknown profile key {args.key!r}{hint}")
        value = _coerce(args.key, args.value)

        def set_key(doc: Any) -> None:
            profiles = doc.get("profiles", {})
            if args.name not in profiles:
                raise UsageError(f"no profile named {args.name!r} in {path}")
            profiles[args.name][args.key] = value

        edit(path, set_key)
        out.write(f"Set {args.key} of {args.name!r} in {path}.\n")
        return 0
    return test(args)


def test(args: argparse.Namespace) -> int:
    from ..salesforce.capabilities import OBJECTS
    from .context import resolve

    if getattr(args, "name", None):
        args.profile = args.name
    ctx = resolve(args)
    conn = ctx.connection()
    client, caps = conn.open()
    org = conn.org
    out = sys.stdout
    out.write(f"profile      {ctx.profile.name} ({ctx.profile.auth})\n")
    if org is not None:
        out.write(f"org          {org.name} ({org.org_id}){' sandbox' if org.is_sandbox else ''}"
                  f"\ninstance     {org.instance_url}\nAPI version  {org.api_version}\n")
    who = client.restful("")
    identity = who.get("identity") if isinstance(who, dict) else None
    if identity:
        out.write(f"identity     {identity}\n")
    u = client.usage
    out.write(f"API usage    {u.used}/{u.limit} today\n")
    out.write("objects:\n")
    for obj in OBJECTS:
        fields = caps.fields.get(obj)
        if fields is None:
            out.write(f"  - {obj:<40} not in this org\n")
        else:
            out.write(f"  + {obj:<40} {len(fields)} fields\n")
    notable = [("FlowOrchestrationInstance", f) for f in ("CurrentStage", "Duration",
                                                          "OrchestrationLabel")]
    notable += [("FlowInterview", "Error"), ("FlowOrchestrationWorkItem",
                                             "ElapsedTimeSinceAsgntInSec")]
    out.write("fields flowstage uses when present:\n")
    for obj, f in notable:
        out.write(f"  {'+' if caps.has(obj, f) else '-'} {obj}.{f}\n")
    return 0


def config(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    out = sys.stdout
    if args.action == "path":
        source = "--config" if args.config else ("FLOWSTAGE_CONFIG_DIR" if
                                                 __import__("os").environ.get(
                                                     "FLOWSTAGE_CONFIG_DIR") else "default")
        out.write(f"config   {path}  ({source}{', missing' if not path.exists() else ''})\n")
        out.write(f"cache    {paths.cache_dir()}\nstate    {paths.state_dir()}\n"
                  f"logs     {paths.log_dir()}\naudit    {paths.audit_file()}  (every write)\n")
        return 0
    if args.action == "validate":
        cfg = load(path)
        if not cfg.exists:
            raise ConfigError(f"{path} does not exist; create it with `flowstage profiles add`")
        from .main import check_keymap, check_theme

        for prof in cfg.profiles.values():
            if prof.get("theme") is not None:
                check_theme(str(prof.get("theme")), f"{path}: profiles.{prof.name}.theme")
        check_keymap(cfg)
        for name in clashing_profiles(cfg.profiles):
            sys.stderr.write(f"warning: profile {name!r} is named like the command "
                             f"`flowstage {name}`; open it with `flowstage -p {name}`, or "
                             "rename it\n")
        out.write(f"{path}: OK, {len(cfg.profiles)} profile(s), default "
                  f"{cfg.default_profile or '(none)'}\n")
        return 0
    cfg = load(path)
    if args.demo:
        from dataclasses import replace

        from ..demo import DEMO_PROFILE

        prof = replace(DEMO_PROFILE, notify_default=cfg.notify)
    else:
        prof = cfg.profile(args.profile)
    out.write(f"profile {prof.name} (from {'--demo' if args.demo else path})\n")
    keys = list(PROFILE_KEYS)
    for key in keys:
        if key == "watch" and prof.watch:  # tables: their names, not the raw TOML
            value = f"{len(prof.watch)} rule(s): " + ", ".join(r.name for r in prof.watch)
            source = f"{path} [[profiles.{prof.name}.watch]]"
        elif key == "notify" and "notify" not in prof.values:
            value, source = prof.notify, (f"{path} (notify)" if cfg.notify != "auto"
                                          else "default")
        elif key in prof.values:
            value, source = prof.values[key], f"{path} [profiles.{prof.name}]"
        elif key in DEFAULTS:
            value, source = DEFAULTS[key], "default"
        else:
            continue
        out.write(f"  {key:<20} {value!s:<40} {source}\n")
    if cfg.keymap:
        out.write("keymap\n")
        for binding, keys_ in cfg.keymap.items():
            out.write(f"  {binding:<20} {keys_:<40} {path} [keymap]\n")
    return 0
