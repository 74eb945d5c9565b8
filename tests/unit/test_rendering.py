"""Rendering: Markdown features, wiki links, and every payload of tests/data/xss_payloads.txt."""

import re
import time
from pathlib import Path

import html5lib

import pytest

from app.wiki import editing
from app.wiki.render_limits import too_complex
from app.wiki.rendering import render_markdown

DATA = Path(__file__).resolve().parents[1] / "data"
PAYLOAD_FILE = DATA / "xss_payloads.txt"  # the security corpus (Set A), carried by the project
LOCAL_PAYLOADS = DATA / "xss_payloads_extra.txt"  # our own additions, if any
ESCAPE = re.compile(r"\\(n|r|t|\\|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})")
FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
                      "link", "form", "style", "noscript", "template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "background",
                  "cite"}


def decode(line: str) -> str:
    if line.startswith("\\#"):
        line = line[1:]
    simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}
    return ESCAPE.sub(lambda m: simple.get(m[1]) or chr(int(m[1][1:], 16)), line)


def load_payloads() -> list[str]:
    lines = []
    for path in (PAYLOAD_FILE, LOCAL_PAYLOADS):
        if path is PAYLOAD_FILE or path.exists():
            lines += [decode(l) for l in path.read_text(encoding="utf-8").splitlines()
                      if l.strip() and not l.startswith("#")]
    return lines


PAYLOADS = load_payloads()


def scheme_of(url: str) -> str:
    """The URL scheme as a browser reads it: control characters and spaces trimmed, tabs/newlines removed."""
    cleaned = re.sub(r"[\t\r\n]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
                                                   "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
                                                   "\x1d\x1e\x1f \t\r\n")).lower()
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else ""


def problems_in(html: str) -> list[str]:
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    found = []
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.split("}")[-1].lower()
        if tag in FORBIDDEN_ELEMENTS:
            found.append(f"element <{tag}>")
        for raw_name, value in element.attrib.items():
            name = raw_name.split("}")[-1].lower()
            if name.startswith("on"):
                found.append(f"event handler {name}")
            if name.startswith(("hx-", "data-hx-", "ws-", "sse-")):
                found.append(f"htmx attribute {name}")
            if name in ("srcdoc", "formaction", "style"):
                found.append(f"attribute {name}")
            if name in URL_ATTRIBUTES and scheme_of(value) in ("javascript", "vbscript", "data", "livescript"):
                found.append(f"{name}={value!r}")
    return found


def reserialised(html: str) -> str:
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    walker = html5lib.getTreeWalker("etree")
    return html5lib.serializer.HTMLSerializer(omit_optional_tags=False).render(walker(fragment))


def test_the_payload_corpus_is_there():
    assert len(PAYLOADS) > 200, f"expected the payloads at {PAYLOAD_FILE}"


@pytest.fixture(scope="module")
def render_ctx():
    from app import create_app
    from app.extensions import db

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                      "WIKI_INSTANCE_PATH": str(Path(__file__).parent / ".." / ".." / "instance")})
    with app.app_context():
        db.create_all()
        yield app


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_without_active_content(render_ctx, payload):
    html = str(render_markdown(payload))
    assert not problems_in(html), f"payload {payload!r} gave {html!r}: {problems_in(html)}"
    again = reserialised(html)
    assert not problems_in(again), f"payload {payload!r} after re-parse gave {again!r}"


def test_script_text_survives_escaped(render_ctx):
    html = str(render_markdown("<script>alert(1)</script> et <b>gras</b>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>gras</b>" in html


def test_markdown_features(render_ctx):
    text = ("# Titre\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n\n"
            "Note[^1].\n\n[^1]: la note\n\n1. un\n2. deux\n\nligne\nsuivante")
    html = str(render_markdown(text))
    assert '<h1 id="h-titre">' in html
    assert '<td align="right">2</td>' in html
    assert '<code class="language-python">' in html
    assert 'class="footnote"' in html and 'id="fn:1"' in html
    assert "<ol>" in html and "ligne<br>" in html


def test_wiki_links_labels_sections_and_red_links(render_ctx):
    html = str(render_markdown("[[Page absente]] [[Page absente|le texte]] [[../../admin]] [[x\" onmouseover=alert(1)]]"))
    assert html.count('class="wikilink new"') == 4
    assert 'href="/wiki/page-absente/edit?title=Page+absente"' in html
    assert ">le texte</a>" in html
    assert 'href="/wiki/admin/edit' in html  # path tricks only ever give a slug under /wiki/
    assert not problems_in(html)


def test_links_to_existing_pages_and_sections(ctx):
    editing.create_page(title="Guide pratique", body="## Étape un\ntexte", publish_now=True)
    html = str(render_markdown("[[Guide pratique#Étape un|étape]] et [[guide pratique]]"))
    assert 'href="/wiki/guide-pratique#h-etape-un"' in html
    assert 'href="/wiki/guide-pratique"' in html and "wikilink new" not in html


def test_user_ids_cannot_take_the_pages_own_element_ids(render_ctx):
    html = str(render_markdown('# article\n\n<div id="editor">x</div> <a id="main">y</a>'))
    assert 'id="article"' not in html and 'id="editor"' not in html and 'id="main"' not in html
    assert 'id="h-article"' in html


def test_external_links_are_nofollow_and_internal_are_not(render_ctx):
    html = str(render_markdown("[ext](https://example.org) [int](/wiki/accueil) https://bare.example.org"))
    assert 'href="https://example.org" rel="nofollow noopener"' in html
    assert '<a href="/wiki/accueil">int</a>' in html
    assert 'href="https://bare.example.org"' in html


@pytest.mark.parametrize("text", [">" * 50_000 + " x", "\n".join("  " * i + "- x" for i in range(2_000)),
                                  "[" * 20_000, "[[" * 10_000, "<http://" * 20_000, "[a]((" * 20_000])
def test_pathological_nesting_renders_as_text_instead_of_hanging(render_ctx, text):
    html = str(render_markdown(text))
    assert html and not problems_in(html)


def test_quadratic_bracket_texts_are_detected_and_ordinary_ones_are_not(render_ctx):
    assert too_complex("[" * 20_000) and too_complex("<http://" * 5_000)
    ordinary = "\n".join(f"- [[Page {i}]] et [un lien](https://example.org/{i}) (note)" for i in range(2_000))
    assert not too_complex(ordinary)
    assert "wikilink" in str(render_markdown(ordinary))


# Shapes that took 5 to 100 s, or killed a worker at 30 s, before rendering had bounds (issue 17).
SLOW_SHAPES = {
    "short lines": "lorem ipsum dolor\n" * 55_000,
    "nested divs": "<div>" * 20_000,
    "long table": "| a | b |\n|---|---|\n" + "| x | y |\n" * 20_000,
    "rules": "---\n" * 100_000,
    "setext headings": "a\n=\n" * 50_000,
    "entities": "&amp;" * 150_000,
    "headings": "# titre\n" * 16_000,
    "footnotes": "".join(f"x[^{i}]\n\n[^{i}]: y\n\n" for i in range(4_000)),
}


@pytest.mark.parametrize("name", sorted(SLOW_SHAPES))
def test_slow_shapes_are_refused_with_a_reason_and_shown_as_text(render_ctx, name):
    text = SLOW_SHAPES[name]
    assert too_complex(text)
    started = time.monotonic()
    html = str(render_markdown(text))
    assert time.monotonic() - started < 5  # a regression guard (it took 5 to 100 s), not a benchmark
    assert html.startswith("<pre>")


def test_large_ordinary_pages_still_render(render_ctx):
    report = "\n\n".join(f"## Séance {i}\n\nNous avons vu [[Outil {i}]], *lu* et **écrit**.\n\n"
                         f"| qui | quoi |\n|---|---|\n| Marie | accueil |\n| Omar | compte rendu |"
                         for i in range(200))
    assert not too_complex(report)
    assert "<table>" in str(render_markdown(report))
