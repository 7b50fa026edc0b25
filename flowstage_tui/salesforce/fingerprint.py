"""The fingerprint of a failure: what its error says once the parts that differ from run to
run are taken out, and where it happened.

Forty runs that fail on the same locked row say so in forty texts that differ only in the
record's Id, the time and the row count. `normalise` replaces those parts with placeholders
(`<id>`, `<name>`, `<n>`, `<time>`, `<value>`, `<email>`, `<url>`) and keeps what names the
failure: the error CODE (UNABLE_TO_LOCK_ROW, FIELD_CUSTOM_VALIDATION_EXCEPTION, …), the Apex
exception (System.NullPointerException) and the words. `fingerprint` hashes that text with
the orchestration, the failing stage and the failing step, so the same message from two
places is two clusters.

Pure: no I/O, no clock. `normalise(normalise(t)) == normalise(t)`; placeholders hold no digit,
quote, `@` or `:` that a later pass could take for something to replace.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

# Order matters: a URL holds what look like e-mail addresses, numbers and Ids; a timestamp
# holds numbers; a quoted value may hold anything.
_MONTH = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?")
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?"
_ZONE = r"(?:\s?(?:Z|UTC|GMT|[ECMP][SD]T|CES?T|BST|IST|JST|AEST)(?![\w]))?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?(?![\w]))?"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:https?|ftp)://[^\s'\"<>()\[\]]+", re.IGNORECASE), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    # ISO 8601 and what Apex prints (2026-11-28 09:00:00), with a zone or an offset
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
                r"(?:Z|[+-]\d{2}:?\d{2})?)?" + _ZONE), "<time>"),
    # 11/28/2026 9:00 AM, 28.11.2026 09:00
    (re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?:,?\s" + _CLOCK + ")?" + _ZONE), "<time>"),
    # Sat Nov 28 09:00:00 GMT 2026 (Java's Date), Nov 28, 2026 9:00 AM, 28 Nov 2026
    (re.compile(r"\b(?:" + _DAY + r"\s)?" + _MONTH + r"\s\d{1,2}(?:,?\s" + _CLOCK + _ZONE +
                r")?(?:,?\s\d{4})(?:,?\s" + _CLOCK + ")?" + _ZONE), "<time>"),
    (re.compile(r"\b\d{1,2}\s" + _MONTH + r",?\s\d{4}(?:,?\s" + _CLOCK + ")?" + _ZONE),
     "<time>"),
    (re.compile(r"\b" + _CLOCK + _ZONE + r"(?![\w:])"), "<time>"),
    # quoted values: 'Acme', "Tax ID", ‘…’, “…” (an apostrophe inside a word is no quote)
    (re.compile(r"(?<![\w'])'[^'\n]*'(?![\w'])"), "<value>"),
    (re.compile(r'"[^"\n]*"'), "<value>"),
    (re.compile(r"‘[^’\n]*’|“[^”\n]*”"), "<value>"),
    # record names and autonumbers: OR-0000123, INV-00042, A-1 (and 00001026 as a number)
    (re.compile(r"\b[A-Za-z]{1,10}-\d+\b"), "<name>"),
    # Salesforce Ids, 15 or 18 characters with at least one digit (a key prefix: 001, 0jE…);
    # words of 15 letters (troubleshooting) stay words
    (re.compile(r"\b(?=[A-Za-z0-9]{0,17}\d)[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?\b"), "<id>"),
    # numbers, with their grouping and decimals: 1, 42, 1,250.5, 40 (of 40%)
    (re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w])"), "<n>"),
)
_SPACE = re.compile(r"\s+")
# UNABLE_TO_LOCK_ROW, FIELD_CUSTOM_VALIDATION_EXCEPTION (words of capitals joined by _) and
# Apex exceptions (System.NullPointerException, System.LimitException)
_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\b(?:System|[A-Z]\w*)\.\w*Exception\b")
FINGERPRINT_LENGTH = 12  # hex characters shown and typed (`flowstage failures --runs`)


@lru_cache(maxsize=4096)  # an org's failures repeat a few texts thousands of times
def normalise(text: str) -> str:
    """The error text with what differs from run to run replaced by placeholders, on one line
    (runs of white space, new lines included, are one space)."""
    out = text
    for pattern, placeholder in _PATTERNS:
        out = pattern.sub(placeholder, out)
    return _SPACE.sub(" ", out).strip()


def error_codes(text: str) -> tuple[str, ...]:
    """The error codes and Apex exceptions the text names, in order, each once."""
    return tuple(dict.fromkeys(m.group(0) for m in _CODE.finditer(text)))


def fingerprint(text: str | None, orchestration: str | None, stage: str | None,
                step: str | None) -> str:
    """A short stable hash of (normalised text, orchestration, failing stage, failing step).
    `text` None: the org gave no error text (before v62, or none kept), so the place alone
    decides; it never equals a fingerprint that had a text."""
    body = "\x00" if text is None else normalise(text)
    key = "\x1f".join((body, orchestration or "", stage or "", step or ""))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:FINGERPRINT_LENGTH]
