"""Full-text search with Whoosh: French analysis, one index per machine, kept in sync by a watermark.

The public API, what the rest of the app uses (`from app.wiki import search`):
- `query(text, member=, tag=, page=, per_page=)` -> SearchResults; raises QueryError for a bad query;
- `suggest(prefix, member=)` -> [TitleMatch], for search as you type; never raises for input;
- `catch_up()` and `rebuild()`: index the pages changed since the watermark, or everything again;
- `schedule_catch_up()`: the save path's post-commit step (revisions.commit_changes calls it);
  `take_scheduled_catch_up()` and `catch_up_quietly()` let the web layer run it after the response,
  unless `watcher_alive()`: the machine's watcher (watcher.py, forked by gunicorn's master) does;
- `init_app(app)`: the app's index handle and the `flask search` commands.

Inside: analysis.py (French analysis, Markdown to plain text), index.py (the handle), sync.py
(watermark, catch-up, rebuild, post-commit step), queries.py (parsing, query, suggest), scoring.py
(bulk BM25F scorer, Whoosh's scorer as fallback), excerpts.py (excerpts, did you mean), results.py,
posting_files.py (flat posting lists of large segments), watcher.py (the indexer beside the workers),
cli.py, and whoosh_internals.py, the only file that reads Whoosh's private internals."""

import os
from pathlib import Path

from flask import Flask

from app.wiki.errors import QueryError, SearchUnavailable
from app.wiki.search.analysis import analysed, plain_text
from app.wiki.search.cli import search_cli
from app.wiki.search.index import SearchIndex, current_index
from app.wiki.search.parsing import MAX_QUERY_LENGTH, parse
from app.wiki.search.queries import query, suggest
from app.wiki.search.results import Hit, SearchResults, TitleMatch
from app.wiki.search.scoring import ArrayScorer
from app.wiki.search.sync import (catch_up, catch_up_quietly, is_behind, rebuild, schedule_catch_up,
                                  take_scheduled_catch_up)
from app.wiki.search.watcher import watcher_alive

__all__ = [
    "ArrayScorer", "Hit", "MAX_QUERY_LENGTH", "QueryError", "SearchIndex", "SearchResults", "SearchUnavailable",
    "TitleMatch", "analysed", "catch_up", "catch_up_quietly", "current_index", "init_app", "is_behind", "parse",
    "plain_text", "query", "rebuild", "schedule_catch_up", "suggest", "take_scheduled_catch_up", "watcher_alive",
]


def init_app(app: Flask) -> None:
    """Give the app its index handle and the `flask search` commands.

    The index folder: WIKI_SEARCH_INDEX in the config, else in the environment, else
    <instance>/search-index. Nothing is indexed here: the first query or catch-up does it."""
    path = (app.config.get("WIKI_SEARCH_INDEX") or os.environ.get("WIKI_SEARCH_INDEX")
            or Path(app.instance_path) / "search-index")
    app.extensions["wiki_search"] = SearchIndex(Path(path).resolve())
    app.cli.add_command(search_cli)
