"""Search, as docs/architecture.md specifies it: French analysis, published text only, always in sync,
never a crash. Several workers and several machines at once: tests/integration/test_search_workers.py."""

import logging
import shutil
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from whoosh.formats import Positions

from app import create_app
from app.extensions import db
from app.models import Page, Revision, User
from app.wiki import editing, journal, moderation, page_settings, search
from app.wiki.search import sync, whoosh_internals
from app.wiki.search.analysis import plain_text


def slugs(text, member=False, **kwargs):
    return [hit.slug for hit in search.query(text, member=member, **kwargs).hits]


def create(title, body, **kwargs):
    return editing.create_page(title=title, body=body, publish_now=True, **kwargs)


def edit(page, body, author=None):
    return editing.save_edit(page, title=page.head.title, body=body, author=author,
                             base_revision=page.head.number).revision


@pytest.fixture
def pages(ctx):
    create("La coopération entre associations",
           "Les **associations** du quartier travaillent ensemble. We hold a weekly meeting.")
    create("Budget", "La maison de la culture prête sa salle. Le budget associatif et les subventions.")
    create("Culture", "La culture au quartier, une maison pour tous.")
    return ctx


# --- French analysis ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("cooperation", ["la-cooperation-entre-associations"]),  # no accent finds the accented word
    ("Coopération", ["la-cooperation-entre-associations"]),
    ("COOPERATIONS", ["la-cooperation-entre-associations"]),  # case and plural
    ("meeting", ["la-cooperation-entre-associations"]),  # English words match exactly
    ("subvention", ["budget"]),
])
def test_accents_case_and_plurals_do_not_matter(pages, text, expected):
    assert slugs(text) == expected


def test_associatif_finds_associations(pages):
    assert set(slugs("associatif")) == {"la-cooperation-entre-associations", "budget"}


def test_phrase_search_keeps_word_order_even_with_stop_words(pages):
    assert slugs('"maison de la culture"') == ["budget"]
    assert set(slugs("maison culture")) == {"budget", "culture"}


def test_or_and_minus(pages):
    assert set(slugs("meeting OR subventions")) == {"la-cooperation-entre-associations", "budget"}
    assert slugs("associatif -budget") == ["la-cooperation-entre-associations"]
    assert slugs("associatif NOT budget") == ["la-cooperation-entre-associations"]


def test_title_matches_rank_first(pages):
    assert slugs("culture")[0] == "culture"


@pytest.mark.parametrize("text", [
    "associatif", "maison culture", '"maison de la culture"', "budget OR meeting", "associatif -budget",
    "NOT budget", "-budget", "+budget associatif", "(culture OR budget) -maison", "title:budget",
    "culture AND (quartier OR salle)", '"la culture au quartier" OR meeting', "sous-traitance", "jean-pierre",
    '"culture maison"', '"associations du quartier travaillent"', '"quartier associations"',
])
def test_array_scoring_matches_the_documents_whoosh_matches(pages, text):
    index = search.current_index()
    searcher = index.searcher()
    parsed = search.parse(index.parser, text)
    scores = search.ArrayScorer(searcher, index).evaluate(parsed)
    live = set(searcher.reader().all_doc_ids())  # Whoosh's Not also yields deleted documents
    assert scores is not None and set(scores) == set(searcher.docs_for_query(parsed)) & live


def test_queries_the_array_scorer_cannot_run_go_through_whoosh(pages, monkeypatch):
    expected = slugs("associatif -budget") + slugs("culture")
    monkeypatch.setattr(search.ArrayScorer, "evaluate", lambda self, node: None)
    assert slugs("associatif -budget") + slugs("culture") == expected


def test_only_stop_words_find_nothing_without_error(pages):
    results = search.query("le la les de", member=False)
    assert results.hits == [] and results.total == 0


# --- Results: excerpts, pages, facets, suggestions ------------------------------------------------

def test_excerpt_highlights_matches_and_escapes_everything_else(ctx):
    create("Sécurité", "Règle : 3 < 5 pour les associations & <img src=x onerror=alert(1)> les bénévoles.")
    hit = search.query("associatif", member=False).hits[0]
    assert isinstance(hit.excerpt, Markup)
    assert "<mark>associations</mark>" in hit.excerpt
    assert "<img" not in hit.excerpt and "3 &lt; 5" in hit.excerpt and "&amp;" in hit.excerpt


def test_excerpt_shows_text_not_markdown(ctx):
    create("Liens", "Voir [[Aide Markdown|l'aide]] et [le site](https://example.org) pour **les** statuts.")
    excerpt = str(search.query("statuts", member=False).hits[0].excerpt)
    assert "[[" not in excerpt and "](" not in excerpt and "**" not in excerpt and "l&#39;aide" in excerpt


def test_pagination_and_total(ctx):
    for n in range(25):
        create(f"Fiche {n}", "Une fiche pratique sur les statuts.")
    first = search.query("statuts", member=False, per_page=20)
    second = search.query("statuts", member=False, page=2, per_page=20)
    assert first.total == second.total == 25 and first.page_count == 2
    assert len(first.hits) == 20 and len(second.hits) == 5
    assert not {h.slug for h in first.hits} & {h.slug for h in second.hits}


def test_did_you_mean_proposes_a_word_from_the_index(pages):
    results = search.query("subventoins", member=False)
    assert results.total == 0 and results.suggestion == "subventions"
    assert search.query("subventions", member=False).suggestion is None


def test_did_you_mean_never_reveals_members_only_words(ctx):
    page = create("Interne", "Le licenciement économique.")
    page_settings.set_visibility(page, "members", by=None)
    assert search.query("licenciemant", member=False).suggestion is None
    assert search.query("licenciemant", member=True).suggestion == "licenciement"


def test_tag_filter_facets_and_tag_syntax(ctx):
    for title, tags in (("Statuts types", "juridique, Modèles"), ("Statuts et assurance", "juridique"),
                        ("Statuts du club", "")):
        editing.create_page(title=title, body="Des statuts pour une association.", tags=tags, publish_now=True)
    everything = search.query("statuts", member=False)
    assert everything.total == 3 and everything.facets == [("juridique", 2), ("modeles", 1)]
    assert {h.slug for h in search.query("statuts", member=False, tag="juridique").hits} == {
        "statuts-types", "statuts-et-assurance"}
    assert slugs("statuts tag:modeles") == ["statuts-types"]
    assert slugs("", tag="Modèles") == ["statuts-types"]  # a tag alone lists its pages; names are slugified
    assert search.query("statuts", member=False, tag="juridique").hits[0].tags


# --- Only what readers may see, always current ----------------------------------------------------

def test_an_edit_is_found_at_once_and_the_old_text_is_not(open_wiki, ctx):  # an anonymous edit, published
    page = create("Charte", "Texte ancien sur la gouvernance.")
    edit(page, "Texte renouvelé sur la transparence.")
    assert slugs("transparence") == ["charte"]
    assert slugs("gouvernance") == []


def test_a_renamed_page_is_found_under_its_new_slug_only(ctx):
    page = create("Ancien nom", "Le contenu de la page.")
    editing.rename_page(page, title="Nouveau nom")
    assert slugs("contenu") == ["ancien-nom"]  # an anonymous rename waits for review, and so does the address
    moderation.approve(page, reviewer=None)
    assert slugs("contenu") == ["nouveau-nom"]


def test_a_deleted_page_is_not_found_and_undelete_brings_it_back(ctx):
    page = create("Éphémère", "Un texte éphémère.")
    editing.delete_page(page)
    assert slugs("éphémère") == []
    assert search.suggest("éphé", member=True) == []
    editing.undelete_page(page)
    assert slugs("éphémère") == ["ephemere"]


def test_members_only_pages_are_hidden_from_visitors(ctx):
    page = create("Compte rendu interne", "Le compte rendu confidentiel.")
    page_settings.set_visibility(page, "members", by=None)
    assert slugs("confidentiel") == []
    assert search.query("confidentiel", member=False).total == 0
    assert slugs("confidentiel", member=True) == ["compte-rendu-interne"]
    assert search.suggest("compte", member=False) == []
    assert [m.slug for m in search.suggest("compte", member=True)] == ["compte-rendu-interne"]


@pytest.fixture
def people(ctx, make_user):
    ctx.config["WIKI_MODERATION"] = "new_contributors"
    make_user("Fanny", role="facilitator")
    make_user("Victor", role="volunteer")
    return {u.name: u for u in db.session.scalars(sa.select(User))}


def test_a_pending_edit_is_not_found_until_approved(people):
    page = editing.create_page(title="Accueil des bénévoles", body="Le livret d'accueil.", author=people["Fanny"])
    edit(page, "Le guide de parrainage.", author=people["Victor"])
    assert page.head.status == "pending"
    assert slugs("parrainage", member=True) == [] and slugs("livret") == ["accueil-des-benevoles"]
    moderation.approve(page, reviewer=people["Fanny"])
    assert slugs("parrainage") == ["accueil-des-benevoles"] and slugs("livret") == []


def test_a_new_page_waiting_for_review_is_not_found(people):
    editing.create_page(title="Brouillon", body="Un projet de kermesse.", author=people["Victor"])
    assert slugs("kermesse", member=True) == []


# --- Search as you type ---------------------------------------------------------------------------

def test_suggestions_follow_new_titles_renames_and_visibility_at_once(open_wiki, ctx):
    """Titles read for search as you type are kept per view of the index, which each commit replaces."""
    assert search.suggest("zébu", member=False) == []
    page = create("Zébulon et ses amis", "Un manège.")
    assert [m.title for m in search.suggest("zébu", member=False)] == ["Zébulon et ses amis"]
    assert [m.title for m in search.suggest("zébu", member=False)] == ["Zébulon et ses amis"]  # from the view
    editing.rename_page(page, title="Zéphyr et ses amis")
    assert search.suggest("zébu", member=False) == []
    assert [m.slug for m in search.suggest("zéph", member=False)] == ["zephyr-et-ses-amis"]
    page_settings.set_visibility(page, "members", by=None)
    assert search.suggest("zéph", member=False) == [] and search.suggest("ami", member=False) == []
    assert [m.title for m in search.suggest("zéph", member=True)] == ["Zéphyr et ses amis"]
    page_settings.set_visibility(page, "public", by=None)
    assert [m.title for m in search.suggest("zéph", member=False)] == ["Zéphyr et ses amis"]
    editing.delete_page(page)
    assert search.suggest("zéph", member=True) == []


def test_a_members_only_title_seen_by_a_member_is_never_suggested_to_a_visitor(ctx):
    """The same view serves both: what a member's suggestion read never reaches a visitor."""
    create("Réunion publique", "Ouverte à tous.")
    hidden = create("Réunion du bureau", "Entre membres.")
    page_settings.set_visibility(hidden, "members", by=None)
    assert {m.slug for m in search.suggest("réu", member=True)} == {"reunion-publique", "reunion-du-bureau"}
    assert [m.slug for m in search.suggest("réu", member=False)] == ["reunion-publique"]
    assert search.suggest("réunion bur", member=False) == []


def test_suggest_matches_title_beginnings_without_accents(pages):
    assert [m.slug for m in search.suggest("coop", member=False)] == ["la-cooperation-entre-associations"]
    assert [m.slug for m in search.suggest("la coopé entre", member=False)] == ["la-cooperation-entre-associations"]
    assert search.suggest("", member=False) == [] and search.suggest("*", member=False) == []


# --- Sync, locks, recovery ------------------------------------------------------------------------

def test_a_catch_up_after_a_save_never_waits_for_a_busy_lock(open_wiki, ctx):  # an anonymous edit, published
    page = create("Verrou", "Premier texte.")
    assert slugs("premier") == ["verrou"]  # outside a request, the query catches up first
    writer = search.current_index().index().writer()  # another worker is writing
    try:
        edit(page, "Second texte.")  # only schedules a catch-up (no request: nothing runs it yet)
        started = time.monotonic()
        assert search.catch_up(wait=False) is False  # what runs after a save's response
        assert time.monotonic() - started < 0.5
    finally:
        writer.cancel()
    assert slugs("second") == ["verrou"] and slugs("premier") == []  # the next query catches up


def test_a_query_waits_for_a_busy_lock_rather_than_miss_a_save(open_wiki, ctx):
    """Another worker holding the lock (indexing an older change, or `flask search optimize` merging):
    a page saved before the query was asked is found once the lock is free."""
    page = create("Attente", "Premier texte.")
    assert slugs("premier") == ["attente"]
    writer = search.current_index().index().writer()
    edit(page, "Second texte.")
    releasing = threading.Timer(0.3, writer.cancel)
    releasing.start()
    try:
        assert slugs("second") == ["attente"] and slugs("premier") == []
    finally:
        releasing.join()


def test_a_lock_held_past_the_budget_answers_from_the_index_as_it_is(open_wiki, ctx, monkeypatch):
    monkeypatch.setattr(sync, "REQUEST_BUDGET_SECONDS", 0.2)
    page = create("Budget", "Premier texte.")
    assert slugs("premier") == ["budget"]
    writer = search.current_index().index().writer()
    try:
        edit(page, "Second texte.")
        assert search.catch_up(budget=0.2) is False
        assert slugs("premier") == ["budget"]  # bounded: a stuck writer never hangs a search
    finally:
        writer.cancel()
    assert slugs("second") == ["budget"]


def test_a_change_made_behind_the_index_back_is_caught_up_before_a_query(ctx):
    page = create("Coulisses", "Texte visible.")
    db.session.execute(sa.update(Page).where(Page.id == page.id).values(deleted=True, change_seq=99))
    db.session.commit()  # no ORM object changed: only the query-time check can notice
    assert slugs("visible") == []


def test_a_deleted_index_folder_is_rebuilt_and_answers_correctly(pages, caplog):
    search.query("culture", member=False)
    shutil.rmtree(search.current_index().path)
    with caplog.at_level(logging.INFO, logger="app.wiki.search"):
        assert set(slugs("culture")) == {"culture", "budget"}
    assert "rebuilding it from the database" in caplog.text


def test_a_corrupt_index_is_rebuilt(pages, app_config, caplog):
    search.query("culture", member=False)
    for path in Path(search.current_index().path).iterdir():  # replaced, as a bad disk or copy would
        if path.is_file():
            broken = path.with_suffix(".broken")
            broken.write_bytes(b"\x00garbage" * 10)
            broken.replace(path)
    restarted = create_app(app_config)  # a worker starting on the damaged folder
    with restarted.app_context(), caplog.at_level(logging.WARNING, logger="app.wiki.search"):
        assert set(slugs("culture")) == {"culture", "budget"}
        assert slugs("coopération") == ["la-cooperation-entre-associations"]
        db.engine.dispose()
    assert "rebuilding it from the database" in caplog.text


def test_rebuild_indexes_every_readable_page(pages, runner):
    hidden = create("Supprimée", "Texte supprimé.")
    editing.delete_page(hidden)
    assert search.rebuild() == 3
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "3 pages indexed" in result.output


def test_the_index_folder_can_be_configured(app_config, tmp_path):
    app = create_app({**app_config, "WIKI_SEARCH_INDEX": str(tmp_path / "elsewhere")})
    with app.app_context():
        db.create_all()
        assert search.query("rien", member=False).total == 0
        assert (tmp_path / "elsewhere").is_dir()
        db.engine.dispose()


# --- The post-commit step -------------------------------------------------------------------------

def test_a_commit_only_schedules_a_catch_up_and_the_next_query_runs_it(open_wiki, ctx):  # an anonymous edit, published
    page = create("Annonce", "Texte initial.")
    assert slugs("initial") == ["annonce"]
    search.current_index().take_behind()  # start from a clear flag
    edit(page, "Texte corrigé.")  # revisions.commit_changes -> search.schedule_catch_up()
    assert search.is_behind()  # nothing was indexed inside the commit: no hidden session listener
    assert search.take_scheduled_catch_up() is True and search.take_scheduled_catch_up() is False
    assert slugs("corrigé") == ["annonce"] and not search.is_behind()  # the query caught up first


def test_schedule_catch_up_outside_an_app_is_harmless():
    search.schedule_catch_up()
    assert search.take_scheduled_catch_up() is False


# --- Hostile bodies (issue 17: one page must not take search down) ------------------------------

HOSTILE_BODIES = {
    "brackets": "[" * 100_000,
    "rules": "---\n" * 100_000,
    "setext underlines": "a\n=\n" * 50_000,
    "entities": "&amp;" * 150_000,
    "html tags": "<div>" * 20_000,
    "table": "| Nom | Rôle |\n|---|:-:|\n" + "| Camille | trésorière |\n" * 20_000,
    "image openers": "![" * 50_000,
    "footnote openers": "[^" * 50_000,
    "wiki link openers": "[[a|" * 25_000,
    "link openers": "[a](" * 25_000,
    "underscores": "a" + "_" * 100_000 + "b",
    "unicode spaces": "\u00a0" * 100_000 + "x",
}


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_plain_text_is_fast_on_every_shape(name):
    started = time.monotonic()
    plain_text(HOSTILE_BODIES[name])
    assert time.monotonic() - started < 2.0, name  # a regression guard: linear takes milliseconds


def test_plain_text_keeps_the_words_and_drops_the_markup():
    text = plain_text("# Titre\n\nDu **gras**, _italique_ et __fort__.\n\n---\n| a | b |\n|---|:-:|\n| x | y |\n\n"
                      "Voir [le site](https://example.org), ![logo](l.png), [[Page|label]] et [[Autre]].[^1]\n"
                      "> cité\n1. un\n- deux\n\u00a0 espacé  \t ici ")
    assert text == ("Titre\nDu gras , italique et fort .\na b\nx y\nVoir le site, logo, label et Autre.\n"
                    "cité\nun\ndeux\nespacé ici")


def publish_raw(title: str, body: str) -> Page:
    """A published page with this body, stored as an import would, without rendering it."""
    page = create(title, "Provisoire.")
    db.session.execute(sa.update(Revision).where(Revision.id == page.published_id).values(body=body))
    journal.bump_change_seq(page)
    db.session.commit()
    return page


def test_pages_with_hostile_bodies_are_indexed_and_search_still_answers(pages):
    started = time.monotonic()
    for name, body in HOSTILE_BODIES.items():
        publish_raw(f"Piège {name}", body)
    assert slugs("culture")[0] == "culture" and search.catch_up(budget=None) is True
    assert time.monotonic() - started < 120  # about 5 s; was: never, every search a 500 after 30 s
    assert set(slugs("trésorière")) == {"piege-table"}
    assert search.rebuild() == 3 + len(HOSTILE_BODIES)


def test_catch_up_checks_its_budget_after_every_page(ctx, monkeypatch):
    slow = lambda markdown: time.sleep(0.3) or plain_text(markdown)  # noqa: E731
    for n in range(3):
        create(f"Lente {n}", "Un texte lent.")
    monkeypatch.setattr(sync, "plain_text", slow)
    assert search.catch_up(budget=0.1) is False  # one page indexed and committed, then it answers
    index = search.current_index()
    assert sync.NOTHING_INDEXED < index.watermark() < sync.latest_change()
    assert search.catch_up(budget=None) is True and index.watermark() == sync.latest_change()
    assert len(slugs("lent")) == 3


def test_intra_word_underscores_are_kept_in_bodies(ctx):
    create("Codes", "Le drapeau WASPUBLICBODY_H1 est levé, voir snake_case et _mot_ souligné.")
    create("WASPUBLICBODY_H1 en titre", "Rien d'autre.")
    assert set(slugs("WASPUBLICBODY_H1")) == {"codes", "waspublicbody-h1-en-titre"}
    assert slugs("snake_case") == ["codes"] and slugs("mot") == ["codes"]


# --- Whoosh's own scorer, when the installed Whoosh is not the one whose internals we read -----------

@pytest.fixture
def varied(pages):
    editing.create_page(title="Statuts types", body="Des statuts pour la culture et le budget.",
                        tags="juridique, Modèles", publish_now=True)
    editing.create_page(title="Statuts du club", body="Des statuts pour le quartier.", tags="juridique",
                        publish_now=True)
    page_settings.set_visibility(create("Réunion interne", "La culture du secret, le budget."), "members", by=None)
    for n in range(12):
        create(f"Fiche culture {n}", "Une fiche sur la culture" + " et la culture" * (n % 4) + ".")
    return pages


FALLBACK_QUERIES = [
    ("culture", {}), ("maison culture", {}), ('"maison de la culture"', {}), ("meeting OR subventions", {}),
    ("associatif -budget", {}), ("NOT budget", {}), ("title:budget", {}), ("culture AND (quartier OR salle)", {}),
    ("statuts tag:modeles", {}), ("statuts", {"tag": "juridique"}), ("", {"tag": "juridique"}),
    ("culture", {"member": True}), ("budget", {"member": True}), ("culture", {"page": 2, "per_page": 5}),
    ("subventoins", {}), ("fiche", {"per_page": 4}),
]


def answers():
    found = []
    for text, options in FALLBACK_QUERIES:
        options = {"member": False, **options}
        results = search.query(text, **options)
        found.append((text, [h.slug for h in results.hits], results.total, results.facets, results.suggestion))
    found.append([m.slug for m in search.suggest("fiche cul", member=False)])
    found.append([m.slug for m in search.suggest("réu", member=True)])
    return found


def test_an_unknown_whoosh_version_falls_back_to_whooshs_scorer_with_the_same_hits(varied, monkeypatch, caplog):
    fast = answers()
    assert whoosh_internals.fast_path()
    monkeypatch.setattr(whoosh_internals, "installed_version", lambda: (2, 99, 0))
    monkeypatch.setattr(search.ArrayScorer, "evaluate", lambda self, node: pytest.fail("bulk scorer used"))
    with caplog.at_level(logging.WARNING, logger="app.wiki.search"):
        assert not whoosh_internals.fast_path()
        assert answers() == fast
    assert "Whoosh 2.99.0 is installed" in caplog.text and "own (slower) scorer" in caplog.text


def test_an_unknown_whoosh_version_still_indexes_edits(open_wiki, varied, monkeypatch):  # an anonymous edit, published
    monkeypatch.setattr(whoosh_internals, "installed_version", lambda: (3, 0, 0))
    page = create("Nouvelle page", "Le potager partagé.")
    assert slugs("potager") == ["nouvelle-page"]
    edit(page, "Le compost collectif.")
    assert slugs("compost") == ["nouvelle-page"] and slugs("potager") == []


# --- Hostile queries ------------------------------------------------------------------------------

HOSTILE = [
    '"', '"""', '"unbalanced', "(", ")", "((((", "))))", "(" * 1000 + "x" + ")" * 1000, "AND", "OR", "NOT",
    "AND OR NOT", "- - -", "+", "-", "*", "**", "* * * *", "?", "a*", "*a*b*c*", "x" * 10_000,
    " OR ".join(["mot"] * 5000), "tag:", "tag:*", "title:", ":", "::", "id:meta", "visibility:members",
    "watermark:1", "body:[a TO z]", "{a TO z}", "[* TO *]", "^2", "mot^1000", "mot~", "mot~5", '"a b"~999',
    "\x00", "\ufffd", "🙂", "\u202e", "<script>", "%", "\\", "' OR 1=1 --", "é" * 400, "NOT NOT NOT x",
    "a OR", "OR a", "(a OR) b", "tag:a tag:b tag:c", "licence:CC", 'title:"x y"', "ET OU SAUF",
]


def test_hostile_queries_get_an_answer_or_a_clear_error(pages):
    for text in HOSTILE:
        try:
            results = search.query(text, member=False, page=3)
        except search.QueryError as error:
            assert str(error.message), text
        else:
            assert results.total >= 0, text
        assert isinstance(search.suggest(text, member=False), list), text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list('ab"()*-+:~^?[]{} ORANDNOT\\é')), max_size=60))
def test_random_query_syntax_never_crashes(pages, text):
    try:
        search.query(text, member=False)
    except search.QueryError:
        pass
    search.suggest(text, member=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=70_000), min_size=1, max_size=60, unique=True))
def test_positions_read_as_bytes_are_the_positions_whoosh_wrote(positions):
    """The fast reading of Whoosh's pickled gaps (one-byte gaps, one position, else pickle) never differs."""
    positions = sorted(positions)
    encoded = Positions().encode(positions)
    assert whoosh_internals.decode_positions(encoded) == positions == Positions().decode_positions(encoded)
