"""Number and date formatting for the report: $1.2M, 3.4%, 1,234 customers, 2.5x, Jan 2024."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

MISSING = "n/a"


def as_float(value) -> float | None:
    """DECIMAL, int and float values as float; None, NaN and infinities as None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _trim(text: str) -> str:
    """1.0 -> 1, 2.50 -> 2.5 (only after a decimal point)."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


UNITS = ((1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T"))


def _compact(magnitude: float, digits: int = 1) -> str:
    """1234567 -> 1.2M, 12345 -> 12.3K, 999960 -> 1M, 850 -> 850, 8.5 -> 8.50."""
    unit = None
    for index, (threshold, _) in enumerate(UNITS):
        if magnitude >= threshold or (index == 0 and round(magnitude) >= threshold):
            unit = index
    if unit is None:
        if magnitude >= 100 or magnitude == int(magnitude):
            return f"{magnitude:.0f}"
        return f"{magnitude:.2f}"  # cents: $8.50
    # 999,960 rounds to 1000.0K: write it as 1M
    while unit < len(UNITS) - 1 and round(magnitude / UNITS[unit][0], digits) >= 1000:
        unit += 1
    threshold, suffix = UNITS[unit]
    return _trim(f"{magnitude / threshold:.{digits}f}") + suffix


# Below this, money is written in whole dollars: in thousands with one decimal, an ARPA of $1,027 and
# one of $1,049 would both read $1K.
MONEY_COMPACT_FROM = 10_000


def money(value, digits: int = 1) -> str:
    """$1.2M, $12.3K, $1,027, $850, $8.50, -$1,500; n/a for a missing value."""
    number = as_float(value)
    if number is None:
        return MISSING
    sign = "-" if number < 0 and round(abs(number), 2) > 0 else ""
    magnitude = abs(number)
    if 1_000 <= round(magnitude) < MONEY_COMPACT_FROM:
        return f"{sign}${magnitude:,.0f}"
    return f"{sign}${_compact(magnitude, digits)}"


def money_exact(value) -> str:
    """$1,234,567.89 (for data tables)."""
    number = as_float(value)
    if number is None:
        return MISSING
    sign = "-" if number < 0 and round(abs(number), 2) > 0 else ""
    return f"{sign}${abs(number):,.2f}"


def percent(value, digits: int = 1) -> str:
    """A fraction as a percentage: 0.034 -> 3.4%, 1.05 -> 105%."""
    number = as_float(value)
    if number is None:
        return MISSING
    text = _trim(f"{number * 100:.{digits}f}")
    return "0%" if text in ("-0", "0") else f"{text}%"


def retention_percent(value, digits: int = 0) -> str:
    """A retention as a percentage, with more digits where rounding would make it read as 100%:
    0.9958 -> 99.6%, 1.003 -> 100.3% (above 100% is net expansion, below it loss), 0.93 -> 93%."""
    number = as_float(value)
    if number is None:
        return MISSING
    text = percent(number, digits)
    while number != 1 and text == "100%" and digits < 6:
        digits += 1
        text = percent(number, digits)
    return text


def count(value, compact: bool = False) -> str:
    """1,234 (or 1.2K when compact); fractional counts (attributed customers) keep one decimal."""
    number = as_float(value)
    if number is None:
        return MISSING
    if compact and abs(number) >= 1000:
        return ("-" if number < 0 else "") + _compact(abs(number))
    if number != int(number):
        return _trim(f"{number:,.1f}")
    return f"{number:,.0f}"


def yes_no(value) -> str:
    """A flag: yes, no, or n/a when unknown."""
    if value is None:
        return MISSING
    return "yes" if value else "no"


def ratio(value) -> str:
    """3.24 -> 3.2x."""
    number = as_float(value)
    if number is None:
        return MISSING
    return f"{number:,.1f}x"


def score(value) -> str:
    """An NPS or health score in points: 25, -12.5."""
    number = as_float(value)
    if number is None:
        return MISSING
    return _trim(f"{number:.1f}")


def months(value) -> str:
    number = as_float(value)
    if number is None:
        return MISSING
    return f"{number:.1f} mo"


def month_label(value: dt.date) -> str:
    """Jan 2024."""
    return value.strftime("%b %Y")


def month_short(value: dt.date) -> str:
    """Jan '24 (axis ticks)."""
    return value.strftime("%b '%y")
