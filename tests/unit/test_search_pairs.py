"""Phrases answered from word pairs (every two adjacent analysed words indexed as one term): exactly
the pages the words' positions find, through the same visibility and tag filters, never stale after an
edit, and an index built before the pairs keeps answering from positions until it is rebuilt."""

import pytest
from whoosh.fields import Schema

from app.wiki import editing, page_settings, search
from app.wiki.search import index as index_module
from app.wiki.search import scoring, sync
from app.wiki.search.index import PAIR_FIELDS, PAIRS_MARK, SearchIndex


def create(title, body, **kwargs):
    return editing.create_page(title=title, body=body, publish_now=True, **kwargs)


def slugs(text, member=False, **kwargs):
    return [hit.slug for hit in search.query(text, member=member, per_page=100, **kwargs).hits]


def whoosh_docs(text):
    """What Whoosh's own Phrase query finds (from the words' positions), live documents only."""
    index = search.current_index()
    searcher = index.searcher()
    parsed = search.parse(index.parser, text)
    return set(searcher.docs_for_query(parsed)) & set(searcher.reader().all_doc_ids())


def scored_docs(text):
    index = search.current_index()
    searcher = index.searcher()
    return set(search.ArrayScorer(searcher, index).evaluate(search.parse(index.parser, text)))


@pytest.fixture
def positional_calls(monkeypatch):
    """How many times a phrase was answered from positions rather than pairs."""
    calls = []
    original = scoring.ArrayScorer.phrase_by_positions
    monkeypatch.setattr(scoring.ArrayScorer, "phrase_by_positions",
                        lambda self, *args: calls.append(args) or original(self, *args))
    return calls


@pytest.fixture
def assemblies(ctx):
    create("Assemblée générale extraordinaire", "L'assemblée générale extraordinaire vote les statuts.")
    # Both pairs of "assemblée générale extraordinaire", not in a row:
    create("Deux paires", "L'assemblée générale a voté. Puis une séance générale extraordinaire.")
    create("Assemblée générale", "Les assemblées générales ordinaires, chaque année.")
    create("Maison de la culture", "La maison de la culture ouvre le samedi.")
    create("Culture et maison", "La culture sans maison, la maison sans culture.")
    search.catch_up()
    return ctx


PHRASES = ['"assemblée générale"', '"assemblée générale extraordinaire"', '"générale extraordinaire"',
           '"Assemblees GENERALES"', '"maison de la culture"', '"culture maison"', '"maison culture samedi"',
           '"générale assemblée"', '"assemblée générale ordinaire annee"', '"vote statuts"', "procès-verbal",
           '"assemblée générale" -statuts', '"maison culture" OR "assemblée générale"']


@pytest.mark.parametrize("share", [scoring.WHOLE_LIST_SHARE, 0])  # 0: positions read block by block
@pytest.mark.parametrize("text", PHRASES)
def test_pairs_find_exactly_what_positions_find(assemblies, positional_calls, monkeypatch, share, text):
    monkeypatch.setattr(scoring, "WHOLE_LIST_SHARE", share)
    assert scored_docs(text) == whoosh_docs(text)
    assert positional_calls == []  # every segment of this index has its pairs


@pytest.mark.parametrize("share", [scoring.WHOLE_LIST_SHARE, 0])
def test_two_pairs_not_in_a_row_are_not_the_phrase(assemblies, monkeypatch, share):
    monkeypatch.setattr(scoring, "WHOLE_LIST_SHARE", share)
    assert slugs('"assemblée générale extraordinaire"') == ["assemblee-generale-extraordinaire"]
    assert set(slugs('"générale extraordinaire"')) == {"assemblee-generale-extraordinaire", "deux-paires"}


def test_accents_case_plurals_and_stop_words_as_in_a_phrase_of_positions(assemblies):
    assert set(slugs('"Assemblees GENERALES"')) == {"assemblee-generale-extraordinaire", "deux-paires",
                                                     "assemblee-generale"}
    assert slugs('"maison de la culture"') == ["maison-de-la-culture"]  # stop words are not positions
    assert set(slugs('"maison culture"')) == {"maison-de-la-culture"}
    assert slugs('"culture maison"') == ["culture-et-maison"]  # "la culture sans maison": "sans" is a word


def test_a_title_phrase_ranks_first(assemblies):
    assert slugs('"assemblée générale"')[:2] == ["assemblee-generale", "assemblee-generale-extraordinaire"]


def test_members_only_pages_and_tags_filter_the_pair_path(ctx):
    public = create("Ordre du jour public", "L'ordre du jour de la réunion.", tags="gouvernance")
    hidden = create("Ordre du jour interne", "L'ordre du jour du bureau.", tags="gouvernance")
    create("Autre", "L'ordre du jour ailleurs.")
    page_settings.set_visibility(hidden, "members", by=None)
    assert set(slugs('"ordre du jour"')) == {public.slug, "autre"}
    assert search.query('"ordre du jour"', member=False).total == 2
    assert set(slugs('"ordre du jour"', member=True)) == {public.slug, hidden.slug, "autre"}
    assert set(slugs('"ordre du jour réunion"', member=True)) == {public.slug}
    assert slugs('"ordre du jour bureau"') == [] and slugs('"ordre du jour bureau"', member=True) == [hidden.slug]
    assert set(slugs('"ordre du jour"', member=True, tag="gouvernance")) == {public.slug, hidden.slug}


def test_an_edit_that_breaks_a_pair_is_not_found_again(open_wiki, ctx):
    page = create("Compte", "Le compte de résultat de l'année.")
    create("Autre compte", "Le compte de résultat prévisionnel.")
    assert set(slugs('"compte de résultat"')) == {"compte", "autre-compte"}
    editing.save_edit(page, title=page.title, body="Le compte, puis le résultat de l'année.",
                      base_revision=page.head.number)
    search.catch_up()
    assert slugs('"compte de résultat"') == ["autre-compte"]
    assert slugs('"compte de résultat année"') == []
    assert slugs('"résultat année"') == ["compte"]


def test_pair_terms_are_not_spelling_words_nor_query_fields(ctx):
    schema = search.current_index().schema
    assert not any(schema[name].spelling for name in PAIR_FIELDS.values())
    assert not any(name.startswith("spell_") and "pairs" in name for name in schema.names())
    create("Vie associative", "La vie associative du quartier.")
    assert search.query("associatve", member=False).suggestion == "associative"
    assert [match.slug for match in search.suggest("vie ass", member=False)] == ["vie-associative"]
    assert slugs("body_pairs:vie") == []  # no one can name the pair fields


# --- An index built before the pairs --------------------------------------------------------------

def without_pairs(fields):
    return {name: value for name, value in fields.items()
            if name not in PAIR_FIELDS.values() and name != PAIRS_MARK[0]}


@pytest.fixture
def old_index(app, ctx, monkeypatch):
    """An index written by the schema and fields as they were before the pairs, then opened by this code."""
    old_schema = Schema(**{name: field for name, field in index_module.make_schema().items()
                           if name not in (*PAIR_FIELDS.values(), PAIRS_MARK[0]) and not name.startswith("spell_")})
    path = search.current_index().path
    with monkeypatch.context() as old:
        old.setattr(index_module, "make_schema", lambda: old_schema)
        old.setattr(sync, "page_fields", lambda row, tags, fields=sync.page_fields: without_pairs(fields(row, tags)))
        old.setattr(sync, "meta_fields", lambda watermark, fields=sync.meta_fields: without_pairs(fields(watermark)))
        old.setattr(index_module, "meta_fields",
                    lambda watermark, fields=index_module.meta_fields: without_pairs(fields(watermark)))
        app.extensions["wiki_search"] = SearchIndex(path)
        create("Rapport d'activité", "Le rapport d'activité annuel de l'association.")
        create("Rapport", "Le rapport financier et l'activité annuelle.")
        create("Activité", "Une activité sans rapport, le rapport d'activité annuel en retard.")
        search.rebuild()
        assert "body_pairs" not in search.current_index().index().schema.names()
    app.extensions["wiki_search"] = SearchIndex(path)  # this code, on the old folder
    return ctx


def test_an_old_index_answers_phrases_from_positions_without_a_rebuild(old_index, positional_calls):
    index = search.current_index()
    assert index.usable()  # not recreated: the same version, the fields it lacks are empty
    assert not any(index.has_pairs(reader) for reader, _ in index.searcher().reader().leaf_readers())
    assert slugs('"rapport d\'activité"') == ["rapport-d-activite", "activite"]  # title boost first
    assert set(slugs('"rapport activité annuel"')) == {"rapport-d-activite", "activite"}
    assert slugs('"activité rapport"') == []
    assert positional_calls


@pytest.mark.parametrize("text", ['"rapport d\'activité"', '"rapport activité annuel"', '"financier activité"'])
def test_an_old_index_with_new_segments_finds_pages_in_both(old_index, text):
    create("Nouveau rapport", "Notre rapport d'activité annuel, puis le rapport financier et l'activité.")
    search.catch_up()
    index = search.current_index()
    kinds = [index.has_pairs(reader) for reader, _ in index.searcher().reader().leaf_readers()]
    assert sorted(set(kinds)) == [False, True]  # segments of both kinds
    assert scored_docs(text) == whoosh_docs(text) and "nouveau-rapport" in slugs(text)


def test_a_segment_merged_from_old_and_new_documents_answers_from_positions(old_index, positional_calls):
    create("Nouveau rapport", "Notre rapport d'activité annuel.")
    search.catch_up()
    sync.optimize(full=True)
    index = search.current_index()
    readers = [reader for reader, _ in index.searcher().reader().leaf_readers()]
    assert len(readers) == 1 and not index.has_pairs(readers[0])
    assert set(slugs('"rapport activité annuel"')) == {"rapport-d-activite", "activite", "nouveau-rapport"}
    assert positional_calls


def test_a_rebuild_gives_an_old_index_its_pairs(old_index, positional_calls):
    search.rebuild(restart=True)
    index = search.current_index()
    assert all(index.has_pairs(reader) for reader, _ in index.searcher().reader().leaf_readers())
    assert set(slugs('"rapport activité annuel"')) == {"rapport-d-activite", "activite"}
    assert scored_docs('"rapport d\'activité"') == whoosh_docs('"rapport d\'activité"')
    assert positional_calls == []
