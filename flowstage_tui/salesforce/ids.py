"""Salesforce record Ids as people type them: 15 characters case-sensitive, or 18 with a
checksum suffix that makes them case-insensitive. The demo org mints its Ids by the same
rule (emulator/ids.py reads it from here)."""

from __future__ import annotations

import re

SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Za-z0-5]{3})?$")


def checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character Id case-insensitively unique."""
    out = []
    for block in range(3):
        bits = 0
        for i, ch in enumerate(id15[block * 5 : block * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(SUFFIX[bits])
    return "".join(out)


def to18(record_id: str) -> str:
    """Return the 18-character form of a 15- or 18-character Id."""
    if len(record_id) == 18:
        return record_id[:15] + checksum(record_id[:15])
    return record_id + checksum(record_id)


def _restore_case(value: str) -> str | None:
    """The 15-character Id an 18-character one encodes, whatever case it was written in."""
    out = []
    for block in range(3):
        bits = SUFFIX.find(value[15 + block].upper())
        if bits < 0:
            return None
        for i, ch in enumerate(value[block * 5 : block * 5 + 5]):
            if ch.isalpha():
                ch = ch.upper() if bits & (1 << i) else ch.lower()
            elif bits & (1 << i):
                return None
            out.append(ch)
    return "".join(out)


def looks_like_id(value: str) -> bool:
    """True when value has the shape of a 15- or 18-character Id (with a valid suffix)."""
    return normalise(value) is not None


def normalise(value: str) -> str | None:
    """The canonical 18-character Id for value, or None when it is not an Id.

    18-character Ids are case-insensitive: the suffix records which letters are upper case.
    """
    if not _ID_RE.match(value):
        return None
    if len(value) == 15:
        return value + checksum(value)
    id15 = _restore_case(value)
    if id15 is None:
        return None
    return id15 + checksum(id15)
