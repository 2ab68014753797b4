"""Vectorised helpers: identifiers, calendar arithmetic and Arrow column builders.

Times inside the generator are int64 seconds since the Unix epoch (UTC); dates are int64
days since the epoch. Nothing here reads the clock or depends on hash ordering.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

DAY = 86_400
HOUR = 3_600
TS_TYPE = pa.timestamp("us", tz="UTC")

_ALPHABET = np.frombuffer(b"0123456789abcdefghijklmnopqrstuv", np.uint8).astype(np.uint16)
# 10-bit lookup: two base-32 characters (little-endian byte order) per entry.
_PAIR = (_ALPHABET[np.arange(1024) & 31] | (_ALPHABET[np.arange(1024) >> 5] << 8)).astype(np.uint64)
_MASK_CACHE: dict[int, np.uint64] = {}


def make_ids(prefix: str, ints: np.ndarray, salt: int) -> pa.Array:
    """Opaque, unique, fixed-width ids such as ``cus_8dk2m0q1xa4p``.

    Distinct non-negative ``ints`` below 2**45 give distinct ids: a bijective scramble of the
    integer (plus ``salt``) on B bits is spelled in base 32 after the prefix. The id width is
    rounded so that prefix + digits fill whole 8-byte words, which lets the characters be
    assembled with a few word-wide numpy operations.
    """
    ints = np.asarray(ints)
    n = len(ints)
    p = prefix.encode()
    plen = len(p)
    ndig = 10
    while (plen + ndig) % 8:
        ndig += 1
    nbits = min(5 * ndig, 60)
    mask = np.uint64((1 << nbits) - 1)
    x = (ints.astype(np.uint64) + np.uint64(salt)) & mask
    x = (x * np.uint64(0x9E3779B97F4A7C15)) & mask
    x ^= x >> np.uint64(nbits // 2 + 1)
    x = (x * np.uint64(0xBF58476D1CE4E5B9)) & mask
    x ^= x >> np.uint64(nbits // 3 + 1)
    width = plen + ndig
    words = np.zeros((width // 8, n), np.uint64)
    const = [0] * (width // 8)
    for pos in range(plen):
        const[pos // 8] |= p[pos] << (8 * (pos % 8))
    for pos in range(plen, width):
        d = pos - plen
        if 5 * d >= nbits:
            const[pos // 8] |= ord("0") << (8 * (pos % 8))
    for w in range(width // 8):
        words[w] = np.uint64(const[w])
    # Digits in pairs from a 10-bit table; a pair never straddles a word when it starts on
    # an even byte offset, so handle an odd leading digit on its own.
    d = 0
    while d < ndig and 5 * d < nbits:
        pos = plen + d
        if pos % 2 == 0 and d + 1 < ndig and 5 * (d + 1) < nbits:
            bits = ((x >> np.uint64(5 * d)) & np.uint64(1023)).astype(np.intp)
            words[pos // 8] |= _PAIR[bits] << np.uint64(8 * (pos % 8))
            d += 2
        else:
            bits = ((x >> np.uint64(5 * d)) & np.uint64(31)).astype(np.intp)
            words[pos // 8] |= _ALPHABET[bits].astype(np.uint64) << np.uint64(8 * (pos % 8))
            d += 1
    data = np.ascontiguousarray(words.T)
    offsets = np.arange(n + 1, dtype=np.int64) * width
    if offsets[-1] < 2**31:
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)])
    return pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)]).cast(
        pa.string()
    )


def numeric_ids(base: int, ints: np.ndarray) -> pa.Array:
    """CRM-style numeric ids as strings (``base + ints``)."""
    return pa.array(np.asarray(ints, dtype=np.int64) + base).cast(pa.string())


def month_start(year: int, month: int) -> int:
    return int(np.datetime64(f"{year:04d}-{month:02d}-01", "s").astype(np.int64))


def add_months(ts: np.ndarray, n) -> np.ndarray:
    """Add n calendar months, keeping day of month (clamped to month end) and time of day."""
    ts = np.asarray(ts, dtype=np.int64)
    days = ts // DAY
    tod = ts - days * DAY
    d = days.astype("datetime64[D]")
    ym = d.astype("datetime64[M]")
    dom = (d - ym.astype("datetime64[D]")).astype(np.int64)
    ym2 = ym + np.asarray(n, dtype=np.int64)
    dim = ((ym2 + 1).astype("datetime64[D]") - ym2.astype("datetime64[D]")).astype(np.int64)
    newdays = ym2.astype("datetime64[D]").astype(np.int64) + np.minimum(dom, dim - 1)
    return newdays * DAY + tod


def month_index(ts: np.ndarray, start_ts: int) -> np.ndarray:
    """Calendar-month number of each instant counted from the month of start_ts."""
    m = (np.asarray(ts, dtype=np.int64) // DAY).astype("datetime64[D]").astype("datetime64[M]")
    m0 = np.datetime64(start_ts // DAY, "D").astype("datetime64[M]")
    return (m - m0).astype(np.int64)


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday for days since the epoch (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype=np.int64) + 3) % 7


# --------------------------------------------------------------------------- Arrow columns
def ts_col(sec: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    sec = np.asarray(sec, dtype=np.int64)
    return pa.array(sec * 1_000_000, type=TS_TYPE, mask=null)


def date_col(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32())


def int_col(v: np.ndarray, null: np.ndarray | None = None, big: bool = False) -> pa.Array:
    typ = pa.int64() if big else pa.int32()
    return pa.array(np.asarray(v, dtype=np.int64 if big else np.int32), type=typ, mask=null)


def float_col(v: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(v, dtype=np.float64), type=pa.float64(), mask=null)


def bool_col(v: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(v, dtype=bool), type=pa.bool_())


def cat_col(labels, codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """Strings picked from ``labels`` by integer codes (null where ``null`` is true)."""
    idx = pa.array(np.asarray(codes, dtype=np.int32), type=pa.int32(), mask=null)
    return pa.array(list(labels), type=pa.string()).take(idx)


def take_col(values: pa.Array, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """values[idx] as an Arrow array (null where ``null`` is true)."""
    i = pa.array(np.asarray(idx, dtype=np.int64), type=pa.int64(), mask=null)
    return values.take(i)


def null_col(n: int, typ: pa.DataType | None = None) -> pa.Array:
    return pa.nulls(n, type=typ or pa.string())


def choice(rng: np.random.Generator, probs, n: int) -> np.ndarray:
    """Vectorised categorical draw of n codes with the given probabilities."""
    p = np.asarray(probs, dtype=np.float64)
    c = np.cumsum(p / p.sum())
    c[-1] = 1.0
    return np.searchsorted(c, rng.random(n), side="right").astype(np.int64)


def choice_rows(rng: np.random.Generator, probs_rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    c = np.cumsum(probs_rows, axis=1)
    c /= c[:, -1:]
    u = rng.random(len(probs_rows))[:, None]
    return np.minimum((c <= u).sum(axis=1), probs_rows.shape[1] - 1).astype(np.int64)


def expand(counts: np.ndarray):
    """For per-owner counts, return (owner index per row, 0-based rank within owner)."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(owner), dtype=np.int64) - np.repeat(starts, counts)
    return owner, rank
