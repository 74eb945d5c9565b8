"""Export of the shareable pages and import of Markdown bundles (issue 6).

Zip safety and the reading of folders: test_bundle_reading.py; front matter: test_bundle_frontmatter.py."""

import io
import posixpath
import zipfile
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Page, Revision, User
from app.models.taxonomy import seed_licences
from app.wiki import bundles, editing, licensing, page_settings, pages
from app.wiki.bundles import site
from app.wiki.rendering import render_markdown
from tests.unit.test_rendering import PAYLOADS, problems_in

PENDING_TEXT = "Texte en attente de relecture"
SECRETS = ("Réservé au bureau", "Compte rendu pour les membres", "Brouillon de Victor")
EXTERNAL = ("http://", "https://", "mailto:", "#")


@pytest.fixture
def app_config(app_config):
    """Messages in English, so the tests can read them whatever the French catalogue says."""
    app_config["WIKI_LANGUAGE"] = "en"
    return app_config


def forget_credits():
    """The round trip empties the database under the same app: page ids and change_seq start over."""
    licensing.forget_cached_credits()


@pytest.fixture
def people(ctx, make_user):
    ctx.config["WIKI_MODERATION"] = "new_contributors"
    make_user("Fanny", role="facilitator")
    make_user("Victor", role="volunteer")
    return {user.name: user for user in db.session.scalars(sa.select(User))}


@pytest.fixture
def wiki(people):
    """Two shareable pages (one with a pending edit), and one page for each reason to leave a page out."""
    fanny, victor = people["Fanny"], people["Victor"]
    charte = editing.create_page(
        title="Charte", author=fanny, tags="Coopération, Accueil",
        body="## Règles\n\nVoir le [[Guide]], [[Interne]], [[Réunions]] et [[Absente]].")
    editing.save_edit(charte, title="Charte", body=charte.head.body + "\n\n" + PENDING_TEXT, author=victor,
                      base_revision=charte.head.number)
    editing.create_page(title="Guide", author=fanny, licence="CC-BY-4.0",
                        body="Lire [[Charte#Règles|les règles]][^1], [le site](https://example.org).\n\n[^1]: note")
    interne = editing.create_page(title="Interne", body=SECRETS[0], licence="internal", publish_now=True)
    page_settings.set_visibility(interne, "public", by=fanny)  # publishing made it members-only; still internal
    members = editing.create_page(title="Réunions", body=SECRETS[1], author=fanny)
    page_settings.set_visibility(members, "members", by=fanny)
    editing.create_page(title="Brouillon", body=SECRETS[2], author=victor)
    editing.delete_page(editing.create_page(title="Ancienne", body="partie", author=fanny), author=fanny)
    return people


def export_files(target=None) -> tuple[bundles.ExportReport, dict[str, bytes]]:
    buffer = io.BytesIO()
    report = bundles.export_zip(buffer)
    if target is not None:
        target.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(buffer) as archive:
        return report, {name: archive.read(name) for name in archive.namelist()}


def empty_the_wiki():
    """Delete every row (the page <-> revision cycle first), then seed the licences again."""
    db.session.execute(sa.update(Page).values(head_id=None, published_id=None))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    seed_licences()
    forget_credits()


def page_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Page.id)))


def updated(slug: str) -> str:
    return pages.find_page(slug)[0].published.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Export ------------------------------------------------------------------------------------

def test_export_holds_exactly_the_shareable_published_pages(wiki):
    report, files = export_files()
    assert sorted(files) == ["LICENCES", "README.txt", "markdown/charte.md", "markdown/guide.md",
                             "site/app.css", "site/charte.html", "site/guide.html", "site/index.html"]
    assert (report.internal, report.members_only, report.unpublished, report.left_out) == (1, 1, 1, 3)
    assert report.exported == ["charte", "guide"]
    everything = b"".join(files.values()).decode()
    for hidden in (PENDING_TEXT, *SECRETS, "Victor"):
        assert hidden not in everything


def test_markdown_file_has_front_matter_and_the_published_body(wiki):
    _report, files = export_files()
    assert files["markdown/charte.md"].decode() == (
        "---\n"
        'title: "Charte"\n'
        'licence: "CC-BY-SA-4.0"\n'
        'authors: ["Fanny"]\n'
        'tags: ["Accueil", "Coopération"]\n'
        f'updated: "{updated("charte")}"\n'
        "---\n"
        "\n"
        "## Règles\n\nVoir le [[Guide]], [[Interne]], [[Réunions]] et [[Absente]].\n")


def test_index_readme_and_licences_say_what_is_in_and_what_was_left_out(wiki):
    report, files = export_files()
    index, readme = files["site/index.html"].decode(), files["README.txt"].decode()
    assert bundles.left_out_text(report) in index and bundles.left_out_text(report) in readme
    assert "1 under an internal licence, 1 visible to members only, 1 waiting for their first review" in readme
    assert index.index(">Charte</a>") < index.index(">Guide</a>")
    licences = files["LICENCES"].decode()
    by_sa, by = licences.index("(CC-BY-SA-4.0)"), licences.index("(CC-BY-4.0)")
    assert "https://creativecommons.org/licenses/by-sa/4.0/deed.fr" in licences
    assert by < licences.index("Guide (markdown/guide.md)") < by_sa < licences.index("Charte (markdown/charte.md)")
    assert "internal" not in licences
    assert files["site/app.css"] == (site.STYLESHEET.read_bytes())


def test_site_pages_are_valid_html_with_licence_and_attribution(wiki):
    _report, files = export_files()
    charte = files["site/charte.html"].decode()
    assert charte.startswith("<!DOCTYPE html>\n") and '<html lang="en">' in charte
    assert '<meta charset="utf-8">' in charte and '<link rel="stylesheet" href="app.css">' in charte
    assert '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/deed.fr">' in charte
    assert "Written by Fanny." in charte and ">Coopération</span>" in charte
    for name, data in files.items():
        if name.endswith(".html"):
            html5lib.HTMLParser(strict=True).parse(data)  # raises on any parse error


def test_every_internal_link_resolves_inside_the_zip(wiki):
    _report, files = export_files()
    for name, data in files.items():
        if not name.endswith(".html"):
            continue
        for element in html5lib.parse(data, namespaceHTMLElements=False).iter():
            link = element.get("href") or element.get("src")
            if link is None or link.startswith(EXTERNAL):
                continue
            parts = urlsplit(link)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path)))
            assert target in files, f"{name} links to {link}"
            if parts.fragment:
                assert f'id="{parts.fragment}"' in files[target].decode(), f"{name} links to {link}"


def test_links_to_pages_left_out_become_plain_text(wiki):
    _report, files = export_files()
    charte, guide = files["site/charte.html"].decode(), files["site/guide.html"].decode()
    assert '<a class="wikilink" href="guide.html">Guide</a>' in charte
    assert ", Interne, Réunions et Absente." in charte
    assert '<a class="wikilink" href="charte.html#h-regles">les règles</a>' in guide
    assert 'href="https://example.org"' in guide and 'href="#fn:1"' in guide
    assert "/wiki/" not in charte + guide


def test_hostile_pages_stay_inert_and_inside_the_zip_once_links_are_rewritten(ctx):
    editing.create_page(title="Charte", body="texte", publish_now=True)
    links = site.SiteLinks({"charte"})
    hostile = [*PAYLOADS, "[[Charte]] [a](/wiki/charte?x=1) [b](//evil.example) [c](wiki/charte)",
               "<a href='/wiki/charte'>d</a> ![e](/static/app.css)"]
    for payload in hostile:
        html = str(site.local_html(render_markdown(payload), links))
        assert problems_in(html) == [], payload
        for element in html5lib.parseFragment(html, namespaceHTMLElements=False).iter():
            link = element.get("href") or element.get("src") or "#"
            assert link.startswith(EXTERNAL) or urlsplit(link).path == "charte.html", (payload, link)


def test_export_to_a_path_writes_the_same_zip(wiki, tmp_path):
    _report, files = export_files()
    (tmp_path / "out").mkdir()
    bundles.export_zip(tmp_path / "out" / "export.zip")
    with zipfile.ZipFile(tmp_path / "out" / "export.zip") as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == files
    assert [path.name for path in (tmp_path / "out").iterdir()] == ["export.zip"]  # no partial file left


# --- Import ------------------------------------------------------------------------------------

def test_export_import_export_gives_the_same_markdown(wiki, tmp_path):
    _report, first = export_files(tmp_path / "first.zip")
    empty_the_wiki()
    report = bundles.import_bundle(tmp_path / "first.zip")
    assert sorted(report.created) == ["charte", "guide"] and not report.unchanged and not report.different
    _report, second = export_files()
    markdown = sorted(name for name in first if name.startswith("markdown/"))
    assert sorted(name for name in second if name.startswith("markdown/")) == markdown
    for name in markdown:
        assert second[name] == first[name], name
    charte = pages.find_page("charte")[0]
    assert charte.head.author_label == licensing.IMPORT_LABEL and charte.imported_authors == "Fanny"
    assert charte.updated_at == charte.published.created_at


def test_odd_characters_in_titles_tags_and_authors_survive_the_round_trip(ctx, make_user, tmp_path):
    author = make_user('Zoé "la" \\ Dupont', role="facilitator")
    with ctx.app_context():
        author = db.session.get(User, author)
        editing.create_page(title='Dit "bonjour" \\ à tous\x7f\x9f', body="Corps", author=author,
                            tags="Vie\x80associative, 😀")
    _report, first = export_files(tmp_path / "first.zip")
    empty_the_wiki()
    assert bundles.import_bundle(tmp_path / "first.zip").created == ["dit-bonjour-a-tous"]
    _report, second = export_files()
    assert second["markdown/dit-bonjour-a-tous.md"] == first["markdown/dit-bonjour-a-tous.md"]
    assert pages.find_page("dit-bonjour-a-tous")[0].title == 'Dit "bonjour" \\ à tous\x7f\x9f'


def test_reimporting_the_same_bundle_creates_nothing(wiki, tmp_path):
    export_files(tmp_path / "bundle.zip")
    empty_the_wiki()
    bundles.import_bundle(tmp_path / "bundle.zip")
    pages, revisions = page_count(), db.session.scalar(sa.select(sa.func.count(Revision.id)))
    report = bundles.import_bundle(tmp_path / "bundle.zip")
    assert report.created == [] and sorted(report.unchanged) == ["charte", "guide"]
    assert page_count() == pages and db.session.scalar(sa.select(sa.func.count(Revision.id))) == revisions


def test_a_page_changed_in_the_wiki_is_left_as_it_is(ctx, tmp_path):
    ctx.config["WIKI_MODERATION"] = "open"  # the anonymous edit below is published at once
    (tmp_path / "Charte.md").write_text("Première version", encoding="utf-8")
    bundles.import_bundle(tmp_path)
    page = pages.find_page("charte")[0]
    editing.save_edit(page, title="Charte", body="Réécrite dans le wiki", base_revision=1)
    report = bundles.import_bundle(tmp_path)
    assert report.different == ["charte"] and report.created == []
    assert page.head.number == 2 and page.published.body == "Réécrite dans le wiki"


def write_vault(root):
    """A folder mixing Obsidian notes, An Otter Wiki pages and files that are not notes."""
    (root / "Notes").mkdir(parents=True)
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "workspace.md").write_text("not a note", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "Notes" / "Réunion d'équipe.md").write_text(
        "---\naliases: [Réunion]\ntags: [coop, \"vie associative\"]\nlicense: CC0-1.0\ndate created: 2024-01-01\n"
        "cssclasses:\n  - wide\n---\nOrdre du jour", encoding="utf-8")
    (root / "Atelier.md").write_text(
        "---\ntitle: Atelier numérique\ntags:\n  - atelier\n  - \"#numérique\"\n---\n\n# Atelier\n\nProgramme\r\n",
        encoding="utf-8")
    (root / "Budget.markdown").write_text("---\ntags: budget, finances\nlicence: Etalab-2.0\n---\nChiffres",
                                          encoding="utf-8")
    (root / "home.md").write_text("# Accueil du wiki\n\nBienvenue sur [[Atelier numérique]].", encoding="utf-8")
    (root / "divers notes.md").write_text("Du texte sans titre", encoding="utf-8")


def published_state(slug):
    page = pages.find_page(slug)[0]
    return page.title, [tag.name for tag in page.tags], page.licence_code, page.published.body


def test_import_of_obsidian_and_otter_files_keeps_titles_tags_and_licences(ctx, tmp_path):
    write_vault(tmp_path)
    report = bundles.import_bundle(tmp_path)
    assert sorted(report.created) == ["accueil-du-wiki", "atelier-numerique", "budget", "divers-notes",
                                      "reunion-d-equipe"]
    assert published_state("reunion-d-equipe") == ("Réunion d'équipe", ["coop", "vie associative"], "CC0-1.0",
                                                    "Ordre du jour")
    assert published_state("atelier-numerique") == ("Atelier numérique", ["atelier", "numérique"],
                                                     "CC-BY-SA-4.0", "# Atelier\n\nProgramme")
    assert published_state("budget") == ("Budget", ["budget", "finances"], "Etalab-2.0", "Chiffres")
    assert published_state("accueil-du-wiki") == ("Accueil du wiki", [], "CC-BY-SA-4.0",
                                                  "Bienvenue sur [[Atelier numérique]].")
    assert published_state("divers-notes")[0] == "divers notes"
    home = pages.find_page("accueil-du-wiki")[0]
    assert 'href="/wiki/atelier-numerique"' in str(pages.rendered_html(home.published))


@pytest.mark.parametrize("text", [
    "---\ntitle: [not, a, title]\n---\nCorps",
    "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nCorps",
    "---\nupdated: 0001-01-01T00:00:00+01:00\nauthors: {\"a\": 1}\n---\nCorps",
    "---\nthis is a thematic break\n---\nCorps",
])
def test_odd_front_matter_never_fails(ctx, tmp_path, text):
    (tmp_path / "Note.md").write_text(text, encoding="utf-8")
    assert len(bundles.import_bundle(tmp_path).created) == 1
