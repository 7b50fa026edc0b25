"""Salesforce record Ids: 15-character case-sensitive, 18-character checksummed."""

from __future__ import annotations

import re

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Za-z0-5]{3})?$")
# Salesforce uses a pod identifier after the key prefix; the demo org's pod is "RM0".
POD = "RM0"


def checksum(id15: str) -> str:
    """The 3-character suffix that makes a 15-character Id case-insensitively unique."""
    out = []
    for block in range(3):
        bits = 0
        for i, ch in enumerate(id15[block * 5 : block * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX[bits])
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
        bits = _SUFFIX.find(value[15 + block].upper())
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


def base62(n: int, width: int) -> str:
    chars = []
    for _ in range(width):
        n, r = divmod(n, 62)
        chars.append(BASE62[r])
    return "".join(reversed(chars))


def _upper_bits(text: str) -> int:
    return sum(1 << i for i, ch in enumerate(text) if "A" <= ch <= "Z")


_LOW = [base62(n, 2) for n in range(62 * 62)]
_LOW_BITS = [_upper_bits(t) for t in _LOW]


class IdMinter:
    """Mints sequential Ids per key prefix (prefix + pod + 9-char counter + checksum).

    Minting is on the hot path of demo-data generation, so the counter is split into a
    7-character high part (recomputed every 3,844 Ids) and a 2-character table lookup, and
    the checksum is assembled from precomputed block bits.
    """

    START = 4096  # the first counter a prefix mints past

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}
        self._high: dict[str, tuple[int, str, str, int]] = {}
        self._start = self.START

    def mint(self, prefix: str) -> str:
        n = self._counters.get(prefix, self._start) + 1
        self._counters[prefix] = n
        return self.mint_n(prefix, n)

    def mint_n(self, prefix: str, n: int) -> str:
        """The Id whose counter is n (no counter moves)."""
        hi_n, lo_n = divmod(n, 3844)
        cached = self._high.get(prefix)
        if cached is None or cached[0] != hi_n:
            hi = base62(hi_n, 7)
            head = prefix + POD + hi
            # blocks 1 and 2 are fixed for this high part; block 3 = hi[4:7] + low
            fixed = _SUFFIX[_upper_bits(head[0:5])] + _SUFFIX[_upper_bits(head[5:10])]
            cached = (hi_n, head, fixed, _upper_bits(hi[4:7]))
            self._high[prefix] = cached
        _, head, fixed, bits3 = cached
        return head + _LOW[lo_n] + fixed + _SUFFIX[bits3 | (_LOW_BITS[lo_n] << 3)]

    def state(self) -> dict[str, int]:
        return dict(self._counters)

    def reserve_below(self, n: int) -> None:
        """Every later mint, for every prefix, gets a counter above n."""
        self._start = max(self._start, n)
        for prefix, current in self._counters.items():
            self._counters[prefix] = max(current, n)

    def bump_past(self, record_id: str) -> None:
        """Make sure later mints never collide with an Id loaded from a file."""
        n = counter_of(record_id)
        if n is not None and n >= self._counters.get(record_id[:3], self._start):
            self._counters[record_id[:3]] = n


def counter_of(record_id: str) -> int | None:
    """The sequence number inside an Id (characters 7-15), or None if it is not base62."""
    n = 0
    for ch in record_id[6:15]:
        idx = BASE62.find(ch)
        if idx < 0:
            return None
        n = n * 62 + idx
    return n


class BlockMinter:
    """Mints from one run's own block of counters: every record a generated run will ever
    hold has an Id known in advance, whichever order runs are written in, and the Id alone
    says which run it belongs to (`block_of`)."""

    SIZE = 128  # Ids per prefix per run

    def __init__(self, minter: IdMinter, index: int) -> None:
        self._minter = minter
        self._base = IdMinter.START + index * self.SIZE
        self._used: dict[str, int] = {}

    def mint(self, prefix: str) -> str:
        k = self._used.get(prefix, 0) + 1
        if k > self.SIZE:
            raise RuntimeError(f"a generated run needs more than {self.SIZE} {prefix} Ids")
        self._used[prefix] = k
        return self._minter.mint_n(prefix, self._base + k)

    @classmethod
    def block_of(cls, record_id: str) -> int | None:
        n = counter_of(record_id)
        if n is None or n <= IdMinter.START:
            return None
        return (n - IdMinter.START - 1) // cls.SIZE
