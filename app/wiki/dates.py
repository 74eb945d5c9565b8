"""Dates in pages without Babel's whole locale data (issue 16: worker memory).

Babel formats a date from a `Locale` whose `_data` is the locale's whole CLDR file, unpickled on
first use: territories, currencies, time zone names, units... about 9 MB for French (with the
root locale it merges), 1 MB more for English. A page needs only the month and day names, the
day periods and the date and time patterns. `CompactLocale` is a Babel `Locale` that holds just
those, read from app/wiki/date_names.py (extracted from Babel by `extract`; a test checks the
file still equals what the installed Babel gives), so `babel.dates` formats exactly as it would
with the full data. The templates' `datetimeformat`, `dateformat` and `timeformat` filters use it,
rebased to the display zone (`WIKI_TIMEZONE`) as Flask-Babel's own filters do.

Only the named widths (short, medium, long, full) and patterns without time zone fields work:
a pattern naming a zone (z, v, V, O, Z...) would need the data left out and raises KeyError."""

from datetime import date, datetime, time
from functools import cache, lru_cache

from babel import Locale, dates
from flask import Flask
from flask_babel import get_locale, get_timezone, to_user_timezone

from app.wiki.date_names import DATA

KEYS = ("months", "days", "day_periods", "eras", "date_formats", "time_formats", "datetime_formats")
PATTERN_KEYS = ("date_formats", "time_formats")


class CompactLocale(Locale):
    """A Babel Locale whose data is only what dates need (no territories, currencies, zones...)."""

    def __init__(self, code: str, data: dict):
        super().__init__(code)
        self._compact = data

    @property
    def _data(self):
        return self._compact


def extract(code: str) -> dict:
    """The parts of Babel's data for `code` that dates use, as plain dicts and strings."""
    data = Locale.parse(code)._data

    def plain(value):
        if hasattr(value, "items"):
            return {key: plain(value[key]) for key in value}
        return getattr(value, "pattern", value)

    return {key: plain(data[key]) for key in KEYS}


@cache
def compact_locale(code: str) -> CompactLocale:
    data = dict(DATA[code])
    for key in PATTERN_KEYS:
        data[key] = {width: dates.parse_pattern(pattern) for width, pattern in data[key].items()}
    return CompactLocale(code, data)


def request_locale() -> Locale:
    """The request's language as a CompactLocale (a language without extracted names: Babel's own)."""
    locale = get_locale()
    return compact_locale(str(locale)) if str(locale) in DATA else locale


def format_datetime(value: datetime, width: str = "medium") -> str:
    return formatted_datetime(value, width, get_timezone(), request_locale())


# Babel takes 10-100 µs a date, and a list shows many (twenty on a results page, fifty in a
# history): the same instant, width, zone and language always read the same. 512 instants hold a
# few lists; a page view is rendered once per revision (app.pages.view_cache), so its date is seldom
# asked again: 4,096 (one per page rendered) kept 1.2 MB in each worker at 10,000 pages.
DATE_CACHE_SIZE = 512


@lru_cache(maxsize=DATE_CACHE_SIZE)
def formatted_datetime(value: datetime, width: str, zone, locale: Locale) -> str:
    return dates.format_datetime(value, width, tzinfo=zone, locale=locale)


def format_date(value: date | datetime, width: str = "medium") -> str:
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return dates.format_date(value, width, locale=request_locale())


def format_time(value: time | datetime, width: str = "medium") -> str:
    return dates.format_time(value, width, tzinfo=get_timezone(), locale=request_locale())


def init_app(app: Flask) -> None:
    """Replace Flask-Babel's date filters (same names, same results) with the compact ones."""
    app.jinja_env.filters.update(datetimeformat=format_datetime, dateformat=format_date, timeformat=format_time)
