"""Page dates through app/wiki/dates.py (issue 16: worker memory): the names and patterns kept in
app/wiki/date_names.py are still what the installed Babel gives, and every date a page shows reads
exactly as Flask-Babel's own filters would write it, in both languages, across the year and the day."""

from datetime import date, datetime, timedelta

import flask_babel
import pytest

from app.config import LANGUAGES
from app.wiki import date_names, dates

MOMENTS = [datetime(2026, 1, 1, 0, 30) + timedelta(days=37 * n, hours=5 * n, minutes=7 * n, seconds=n)
           for n in range(24)] + [datetime(2026, 3, 29, 0, 59), datetime(2026, 3, 29, 1, 0),
                                  datetime(2026, 10, 25, 0, 59), datetime(2026, 10, 25, 1, 0)]  # around DST


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_kept_names_are_what_babel_gives(code):
    assert date_names.DATA[code] == dates.extract(code)


@pytest.mark.parametrize("code", LANGUAGES)
def test_dates_read_as_flask_babel_writes_them(app, code):
    with app.test_request_context("/", headers={"Accept-Language": code}):
        assert str(flask_babel.get_locale()) == code
        for moment in MOMENTS:
            for width in ("short", "medium", "long", "full"):
                assert dates.format_date(moment, width) == flask_babel.format_date(moment, width)
                assert dates.format_date(moment.date(), width) == flask_babel.format_date(moment.date(), width)
            for width in ("short", "medium"):
                assert dates.format_time(moment, width) == flask_babel.format_time(moment, width)
                assert dates.format_datetime(moment, width) == flask_babel.format_datetime(moment, width)


def test_the_templates_filters_are_the_compact_ones(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert app.jinja_env.filters["dateformat"] is dates.format_date
        rendered = app.jinja_env.from_string("{{ d|dateformat('full') }} {{ t|datetimeformat('medium') }} "
                                             "{{ t|timeformat('short') }}").render(d=date(2026, 7, 14),
                                                                                   t=datetime(2026, 7, 14, 10, 5))
    assert rendered == "mardi 14 juillet 2026 14 juil. 2026, 12:05:00 12:05"  # Paris in summer: UTC + 2
