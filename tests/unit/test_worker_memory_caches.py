"""Per-process caches that grow with the pages a worker renders stay bounded (issue 16: worker RSS).
A page view is rendered once per revision, so a cache keyed per page fills with one entry per page
rendered: at 10,000 pages the formatted dates held 4,096 entries (1.2 MB) in each worker. The dates
cache is sized for lists (a history of fifty, a results page of twenty), which still read each
instant from it the second time, and give the same text as without it."""

from datetime import datetime, timedelta

from app.wiki import dates

MOMENTS = [datetime(2025, 1, 1, 8, 0) + timedelta(minutes=13 * n) for n in range(3 * dates.DATE_CACHE_SIZE)]


def test_formatted_dates_stay_bounded_when_every_page_is_rendered(app):
    dates.formatted_datetime.cache_clear()
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        for moment in MOMENTS:
            dates.format_datetime(moment)
    assert dates.formatted_datetime.cache_info().currsize == dates.DATE_CACHE_SIZE


def test_a_history_formatted_again_reads_its_dates_from_the_cache(app):
    history = MOMENTS[:50]
    dates.formatted_datetime.cache_clear()
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        first = [dates.format_datetime(moment) for moment in history]
        for moment in MOMENTS[50:50 + dates.DATE_CACHE_SIZE // 2]:  # other pages rendered in between
            dates.format_datetime(moment)
        hits = dates.formatted_datetime.cache_info().hits
        again = [dates.format_datetime(moment) for moment in history]
        assert dates.formatted_datetime.cache_info().hits - hits == len(history)
        dates.formatted_datetime.cache_clear()
        assert again == first == [dates.format_datetime(moment) for moment in history]
