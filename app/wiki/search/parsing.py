"""The query language: what people may type (words, "phrases", OR, -word, NOT, tag:, title:) and
what is refused before it reaches Whoosh (too long, too many words, too deeply nested)."""

import logging

from flask_babel import lazy_gettext as _l
from whoosh import qparser
from whoosh.fields import Schema

from app.wiki.errors import QueryError

log = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 500
MAX_QUERY_WORDS = 32
MAX_NESTING = 8
TITLE_BOOST = 3.0


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:200]


def make_parser(schema: Schema) -> qparser.QueryParser:
    """Title and body, all words required; phrases, OR, minus, tag: and title:. No wildcards."""
    parser = qparser.MultifieldParser(["title", "body"], schema, fieldboosts={"title": TITLE_BOOST},
                                      group=qparser.AndGroup)
    for plugin in (qparser.WildcardPlugin, qparser.RangePlugin, qparser.BoostPlugin, qparser.EveryPlugin,
                   qparser.SingleQuotePlugin, qparser.FieldsPlugin, qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugins([
        qparser.FieldsPlugin(expr=r"(?P<text>tags?|title|titre|licence):"),
        qparser.FieldAliasPlugin({"tags": ["tag"], "title": ["titre"]}),
        qparser.PlusMinusPlugin(),
        qparser.OperatorsPlugin(And=r"(?<=\s)(?:AND|ET)(?=\s)", Or=r"(?<=\s)(?:OR|OU)(?=\s)",
                                Not=r"(^|(?<=(\s|[()])))(?:NOT|SAUF)(?=\s)",
                                AndNot=None, AndMaybe=None, Require=None),
    ])
    return parser


def check_query_text(text: str) -> None:
    """Refuse what would be slow or meaningless, with a message that says what to change."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(_l("Your search is too long (at most %(n)d characters).", n=MAX_QUERY_LENGTH))
    if len(text.split()) > MAX_QUERY_WORDS:
        raise QueryError(_l("Your search has too many words (at most %(n)d).", n=MAX_QUERY_WORDS))
    depth = deepest = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise QueryError(_l("Your search has too many nested parentheses."))


def parse(parser: qparser.QueryParser, text: str):
    """The Whoosh query for a user's text (with the index handle's parser), or QueryError."""
    check_query_text(text)
    try:
        parsed = parser.parse(text)
    except Exception as error:  # noqa: BLE001  (the parser has no error contract)
        log.info("Unparsable search %r: %s", text, describe(error))
        raise QueryError() from error
    if sum(1 for _leaf in parsed.leaves()) > 4 * MAX_QUERY_WORDS:
        raise QueryError(_l("Your search has too many words (at most %(n)d).", n=MAX_QUERY_WORDS))
    return parsed
