"""The README's key table matches the keys of the App, the triage screen and its panes: every
id, with its key."""

from __future__ import annotations

import re
from pathlib import Path

from flowstage_tui.ui.keys import SHOWN as SHOWN_KEYS
from flowstage_tui.ui.keys import triage_bindings

README = Path(__file__).resolve().parents[2] / "README.md"
SHOWN = dict(SHOWN_KEYS)


def readme_keys() -> dict[str, str]:
    text = README.read_text()
    table = text.split("<!-- keys:start -->")[1].split("<!-- keys:end -->")[0]
    out: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        keys = re.findall(r"`([^`]+)`", cells[0])
        ids = re.findall(r"`([^`]+)`", cells[1])
        for key, bid in zip(keys, ids, strict=False):
            out[bid] = key
    return out


def test_every_binding_is_in_the_readme_with_its_key() -> None:
    documented = readme_keys()
    for binding in triage_bindings():
        assert binding.id
        key = SHOWN.get(binding.key, binding.key)
        assert binding.id in documented, f"{binding.id} missing from README"
        assert documented[binding.id] == key, f"{binding.id}: README {documented[binding.id]!r}"


def test_readme_documents_no_binding_the_app_lacks() -> None:
    ids = {b.id for b in triage_bindings()}
    assert set(readme_keys()) <= ids
