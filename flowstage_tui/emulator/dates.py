"""SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_WEEK, ...) as half-open UTC ranges.

The demo org's users have the en_US locale and the GMT time zone, so weeks start on
Sunday and day boundaries are UTC midnights. Its fiscal year is the standard one (starting in
January), so each FISCAL literal is the calendar quarter or year of the same name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DAY_MS = 86_400_000


def _ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def _quarter_start(d: date) -> date:
    return date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


# Salesforce's fiscal literals; with a standard fiscal year they are the calendar ones.
FISCAL = frozenset({
    "THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
    "LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS", "N_FISCAL_QUARTERS_AGO",
    "THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR",
    "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS", "N_FISCAL_YEARS_AGO",
})


def literal_range(name: str, n: int | None, now_ms: int) -> tuple[int, int] | None:
    """[start, end) in epoch ms for a date literal, or None when the name is unknown."""
    if name in FISCAL:
        name = name.replace("FISCAL_", "")
    today = datetime.fromtimestamp(now_ms / 1000, UTC).date()
    week = today - timedelta(days=(today.weekday() + 1) % 7)  # Sunday
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    year = date(today.year, 1, 1)

    def days(a: date, b: date) -> tuple[int, int]:
        return _ms(a), _ms(b)

    fixed = {
        "YESTERDAY": lambda: days(today - timedelta(1), today),
        "TODAY": lambda: days(today, today + timedelta(1)),
        "TOMORROW": lambda: days(today + timedelta(1), today + timedelta(2)),
        "LAST_WEEK": lambda: days(week - timedelta(7), week),
        "THIS_WEEK": lambda: days(week, week + timedelta(7)),
        "NEXT_WEEK": lambda: days(week + timedelta(7), week + timedelta(14)),
        "LAST_MONTH": lambda: days(_add_months(month, -1), month),
        "THIS_MONTH": lambda: days(month, _add_months(month, 1)),
        "NEXT_MONTH": lambda: days(_add_months(month, 1), _add_months(month, 2)),
        "LAST_90_DAYS": lambda: days(today - timedelta(90), today + timedelta(1)),
        "NEXT_90_DAYS": lambda: days(today + timedelta(1), today + timedelta(91)),
        "THIS_QUARTER": lambda: days(quarter, _add_months(quarter, 3)),
        "LAST_QUARTER": lambda: days(_add_months(quarter, -3), quarter),
        "NEXT_QUARTER": lambda: days(_add_months(quarter, 3), _add_months(quarter, 6)),
        "THIS_YEAR": lambda: days(year, date(year.year + 1, 1, 1)),
        "LAST_YEAR": lambda: days(date(year.year - 1, 1, 1), year),
        "NEXT_YEAR": lambda: days(date(year.year + 1, 1, 1), date(year.year + 2, 1, 1)),
    }
    if n is None:
        fn = fixed.get(name)
        return fn() if fn else None
    with_n = {
        "LAST_N_DAYS": lambda: days(today - timedelta(n), today + timedelta(1)),
        "NEXT_N_DAYS": lambda: days(today + timedelta(1), today + timedelta(n + 1)),
        "N_DAYS_AGO": lambda: days(today - timedelta(n), today - timedelta(n - 1)),
        "LAST_N_WEEKS": lambda: days(week - timedelta(7 * n), week),
        "NEXT_N_WEEKS": lambda: days(week + timedelta(7), week + timedelta(7 * (n + 1))),
        "N_WEEKS_AGO": lambda: days(week - timedelta(7 * n), week - timedelta(7 * (n - 1))),
        "LAST_N_MONTHS": lambda: days(_add_months(month, -n), month),
        "NEXT_N_MONTHS": lambda: days(_add_months(month, 1), _add_months(month, n + 1)),
        "N_MONTHS_AGO": lambda: days(_add_months(month, -n), _add_months(month, -n + 1)),
        "LAST_N_QUARTERS": lambda: days(_add_months(quarter, -3 * n), quarter),
        "NEXT_N_QUARTERS": lambda: days(_add_months(quarter, 3), _add_months(quarter, 3 * n + 3)),
        "N_QUARTERS_AGO": lambda: days(_add_months(quarter, -3 * n),
                                       _add_months(quarter, -3 * n + 3)),
        "LAST_N_YEARS": lambda: days(date(year.year - n, 1, 1), year),
        "NEXT_N_YEARS": lambda: days(date(year.year + 1, 1, 1), date(year.year + n + 1, 1, 1)),
        "N_YEARS_AGO": lambda: days(date(year.year - n, 1, 1), date(year.year - n + 1, 1, 1)),
    }
    fn = with_n.get(name)
    return fn() if fn else None


def date_to_ms(text: str) -> int:
    return _ms(date.fromisoformat(text))
