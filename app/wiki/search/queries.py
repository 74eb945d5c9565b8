"""Running searches: parsing what people type, query() for the results page, suggest() while typing.

Both catch the index up first when it is behind the database (with a time budget), and rebuild a
missing or broken index once; a bad query raises QueryError, never anything else."""

import heapq
import logging
from dataclasses import replace

import sqlalchemy as sa
from whoosh import query as wq

from app.wiki.errors import QueryError, SearchUnavailable, WikiError
from app.wiki.search import bitsets, scoring, whoosh_internals
from app.wiki.search.analysis import PREFIX_MAX, folded_words
from app.wiki.search.excerpts import did_you_mean, positive_terms
from app.wiki.search.index import current_index
from app.wiki.search.parsing import describe, parse
from app.wiki.search.results import MAX_PAGE, SearchResults, TitleMatch, make_hit, tag_facets
from app.wiki.search.sync import catch_up, is_behind
from app.wiki.slugs import slugify

log = logging.getLogger(__name__)


# --- Running --------------------------------------------------------------------------------------

def with_recovery(action):
    """Run `action(searcher)` on an up-to-date index; rebuild a missing or broken one, once."""
    index = current_index()
    try:
        if is_behind():
            catch_up()
        return action(index.searcher())
    except (WikiError, sa.exc.SQLAlchemyError):
        raise
    except Exception as error:  # noqa: BLE001  (a damaged index raises anything)
        if index.usable():
            log.exception("A search failed on a readable index")
            raise QueryError() from error
        index.recreate(describe(error))
    try:
        catch_up()
        return action(index.searcher())
    except WikiError:
        raise
    except Exception as error:  # noqa: BLE001
        log.exception("Search is unavailable")
        raise SearchUnavailable() from error


def query(text: str, *, member: bool, tag: str | None = None, page: int = 1, per_page: int = 20) -> SearchResults:
    """Search the published text of the pages this reader may see. Raises QueryError for a bad query."""
    text = " ".join((text or "").split())
    tag = slugify(tag or "") or None
    page = min(max(page, 1), MAX_PAGE)
    empty = SearchResults(text=text, page=page, per_page=per_page, tag=tag)
    if not text and not tag:
        return empty
    parsed = parse(current_index().parser, text) if text else wq.Every()
    if parsed is wq.NullQuery:  # nothing but stop words
        return empty
    return with_recovery(lambda searcher: run_query(searcher, parsed, empty, member))


def run_query(searcher, parsed, request: SearchResults, member: bool) -> SearchResults:
    """One page of hits, the total, tag counts and a spelling suggestion."""
    index = current_index()
    wanted = (request.page - 1) * request.per_page + request.per_page
    hidden = index.hidden(searcher, member)
    within = index.tagged(searcher).get(request.tag, 0) if request.tag else None
    matched, ranked = ranked_matches(searcher, parsed, wanted, member, within)
    highlight = positive_terms(parsed, "body")
    hits = [make_hit(searcher.stored_fields(docnum), highlight) for docnum in ranked[wanted - request.per_page:]]
    return replace(request, hits=hits, total=matched.bit_count(), facets=tag_facets(index.tagged(searcher), matched),
                   suggestion=did_you_mean(searcher, request.text, hidden) if request.text else None)


def ranked_matches(searcher, parsed, wanted: int, member: bool, within: int | None) -> tuple[int, list[int]]:
    """(every match this reader may see, as bits; the best `wanted` of them, best first, ties by lower
    document number). Bits (bitsets.py): the total is their bit count and each facet the bit count
    of an AND with its tag, in C however many pages match."""
    index = current_index()
    hidden_bits = index.hidden_bits(searcher, member)
    if isinstance(parsed, wq.Every) and whoosh_internals.fast_path():  # a tag alone: every score is 1.0
        matched = index.live(searcher) & ~hidden_bits
        matched = matched if within is None else matched & within
        return matched, bitsets.lowest(matched, wanted)
    top = scoring.top_scores(searcher, index, parsed, wanted=wanted, hidden_bits=hidden_bits, within=within)
    if top is not None:  # a common word: every match, but only the ones that can rank scored
        matched, found = top
        return matched, heapq.nlargest(wanted, sorted(found), key=found.__getitem__)
    hidden = index.hidden(searcher, member)
    found = scoring.scores(searcher, index, parsed, limit=wanted, hidden=hidden, within=within)
    matched = bitsets.from_numbers(found, searcher.doc_count_all()) & ~hidden_bits
    if within is None:
        scored = found.keys() - hidden
    else:
        matched &= within
        visible = bitsets.Lookup(matched, searcher.doc_count_all())
        scored = [docnum for docnum in found if docnum in visible]
    return matched, heapq.nlargest(wanted, sorted(scored), key=found.__getitem__)


# --- Search as you type ---------------------------------------------------------------------------

def suggest(prefix: str, *, member: bool, limit: int = 8) -> list[TitleMatch]:
    """Titles whose words start with the typed words, for search as you type. Never raises for input."""
    words = [word[:PREFIX_MAX] for word in folded_words((prefix or "")[:100])][:6]
    if not words or sum(map(len, words)) < 2:
        return []
    terms = wq.And([wq.Term("title_start", word) for word in words])
    try:
        return with_recovery(lambda searcher: title_matches(searcher, terms, member, limit))
    except WikiError:
        return []


def title_matches(searcher, terms, member: bool, limit: int) -> list[TitleMatch]:
    """The best `limit` titles a reader may see: highest score, then shortest title, then A to Z."""
    index = current_index()
    hidden = index.hidden(searcher, member)
    found = scoring.scores(searcher, index, terms, limit=limit * 4, hidden=hidden)
    visible = found.keys() - hidden
    titles = index.titles(searcher, heapq.nlargest(limit * 4, visible, key=lambda docnum: (found[docnum], -docnum)))
    best = sorted(titles, key=lambda docnum: (-found[docnum], len(titles[docnum][1]), titles[docnum][1]))
    return [TitleMatch(slug=titles[d][0], title=titles[d][1]) for d in best[:limit]]
