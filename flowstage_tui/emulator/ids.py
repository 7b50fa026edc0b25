"""Minting the demo org's record Ids. Their format (15 characters, or 18 with a checksum) is
Salesforce's, in salesforce/ids.py: the client reads typed Ids by the same rule."""

from __future__ import annotations

from ..salesforce.ids import SUFFIX as _SUFFIX
from ..salesforce.ids import checksum as checksum
from ..salesforce.ids import looks_like_id as looks_like_id
from ..salesforce.ids import normalise as normalise
from ..salesforce.ids import to18 as to18

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Salesforce uses a pod identifier after the key prefix; the demo org's pod is "RM0".
POD = "RM0"


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
