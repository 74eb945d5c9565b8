"""Hypothesis fuzzing (issue 17): the Markdown pipeline and the search query parser.

render_markdown never raises and never lets executable markup through (the checks of
test_rendering, also after a serialise-and-reparse round trip); search.query raises nothing but the
domain's QueryError; the /search endpoint never answers a 5xx. Time per example is not asserted.
Examples in CI: 1000 + 500 Markdown, 500 + 200 query texts, 300 over HTTP (two URLs each) = 2500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.wiki import editing, search
from app.wiki.errors import QueryError
from app.wiki.rendering import render_markdown
from tests.unit.test_rendering import PAYLOADS, problems_in, reserialised

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
MARKDOWN_BITS = ["[[", "]]", "|", "[", "]", "(", ")", "<", ">", "/", "\n", "\n\n", "    ", "\t", "#", "*", "_", "`",
                 "```", "~~~", "---", "===", "- ", "1. ", "> ", "!", "&", ";", "#x", "&#", "\"", "'", "=", ":",
                 "javascript:", "data:", "vbscript:", "on", "onerror", "hx-get", "data-hx-post", "{:", "}", "[^1]",
                 "[^1]:", "| a | b |\n|---|---|\n", "<script>", "</script>", "<img src=x ", "<a href=", "<svg ",
                 "<!--", "-->", "<![CDATA[", "\x00", "\u202e", "é", "  \n", "\\"]
markdown_texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(MARKDOWN_BITS) | st.text(max_size=8), max_size=40).map("".join),
    st.lists(st.sampled_from(PAYLOADS) | st.sampled_from(MARKDOWN_BITS), min_size=1, max_size=6).map("".join),
)
QUERY_BITS = ["\"", "'", "(", ")", "*", "?", "~", "^", "-", "+", "OR", "AND", "NOT", " ", ":", "tag:", "title:",
              "body:", "[", "]", "{", "}", "TO", "/", "\\", "<", ">", "=", "é", "\x00", "coopération", "vélo", "a*"]
query_texts = st.one_of(st.text(max_size=200),
                        st.lists(st.sampled_from(QUERY_BITS) | st.text(max_size=5), max_size=30).map("".join))


def assert_no_executable_markup(text: str) -> None:
    html = str(render_markdown(text))
    assert problems_in(html) == [], (text, html)
    assert problems_in(reserialised(html)) == [], (text, html)


@settings(max_examples=1000, deadline=None, suppress_health_check=FIXTURES)
@given(markdown_texts)
def test_markdown_never_raises_and_stays_inert(ctx, text):
    assert_no_executable_markup(text)


@settings(max_examples=500, deadline=None, suppress_health_check=FIXTURES)
@given(st.lists(st.sampled_from(PAYLOADS), min_size=2, max_size=4), st.sampled_from(["", "\n", "\n\n", " ", "> "]))
def test_payloads_glued_together_stay_inert(ctx, parts, glue):
    assert_no_executable_markup(glue.join(parts))


@pytest.fixture
def indexed(ctx):
    for title, body, tags in (("Coopération", "Les associations du quartier coopèrent.", "vélo, quartier"),
                              ("Budget", "Le budget associatif et les subventions.", "argent")):
        editing.create_page(title=title, body=body, tags=tags, publish_now=True)
    return ctx


@settings(max_examples=500, deadline=None, suppress_health_check=FIXTURES)
@given(query_texts, st.booleans())
def test_search_query_raises_only_query_errors(indexed, text, member):
    try:
        search.query(text, member=member)
    except QueryError:
        pass


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(query_texts, st.text(max_size=30), st.integers(min_value=-2**70, max_value=2**70))
def test_search_query_with_tag_and_page_raises_only_query_errors(indexed, text, tag, page):
    try:
        search.query(text, member=False, tag=tag, page=page)
    except QueryError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES)
@given(query_texts, st.text(max_size=20), st.text(max_size=22))
def test_the_search_endpoint_never_answers_a_5xx(indexed, client, text, tag, page):
    for url in ("/search", "/search/suggest"):
        response = client.get(url, query_string={"q": text, "tag": tag, "page": page})
        assert response.status_code < 500, (url, text, tag, page)
