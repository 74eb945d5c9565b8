"""Front matter (issue 10): written as before, read with PyYAML's safe loader, never a failure."""

import time

import pytest

from app.wiki.bundles.frontmatter import front_matter, list_value, split_front_matter, text_value


def test_the_written_format_is_one_json_value_per_line():
    assert front_matter({"title": 'Dit "bonjour" \\ à tous', "tags": ["A", "B"], "authors": []}) == (
        '---\ntitle: "Dit \\"bonjour\\" \\\\ à tous"\ntags: ["A", "B"]\nauthors: []\n---\n')


@pytest.mark.parametrize("value", ["Café\x9f", "Suppr\x7f", "ligne\x85suivante", "séparateur\u2028ici",
                                   "fin\ufffe\uffff", "tab\tet\x01", "😀 emoji", ["un", "deux\x80"]])
def test_what_is_written_reads_back_exactly(value):
    fields, body = split_front_matter(front_matter({"title": value}) + "\nCorps\n")
    assert fields == {"title": value} and body == "Corps\n"


@pytest.mark.parametrize(("raw", "read"), [("yes", "yes"), ("1:30", "1:30"), ("2024-01-01", "2024-01-01"),
                                           ("1_000", "1_000"), ("null", "null"), ("'citée'", "citée")])
def test_plain_scalars_stay_text(raw, read):
    assert split_front_matter(f"---\ntitle: {raw}\n---\nCorps")[0] == {"title": read}


def test_obsidian_properties_are_read():
    text = ("---\naliases: [Réunion]\nTags: [coop, \"vie associative\"]\ndate created: 2024-01-01\n"
            "cssclasses:\n  - wide\n---\nOrdre du jour")
    fields, body = split_front_matter(text)
    assert fields == {"aliases": ["Réunion"], "tags": ["coop", "vie associative"], "date created": "2024-01-01",
                      "cssclasses": ["wide"]}
    assert body == "Ordre du jour" and list_value(fields["tags"]) == ["coop", "vie associative"]
    assert text_value(fields["tags"]) == "" and list_value("a, b,") == ["a", "b"]


@pytest.mark.parametrize("text", [
    "---\nthis is a thematic break\n---\nCorps",  # a scalar, not fields
    "---\ntitle: Réunion: ordre du jour\n---\nCorps",  # not YAML
    "---\n- une\n- liste\n---\nCorps",
    "---\ntitle: !!python/object/apply:os.system [\"echo pwned\"]\n---\nCorps",  # the safe loader refuses it
    "---\ntitle: " + "[" * 30_000 + "]" * 30_000 + "\n---\nCorps",
    "---\ntitle: " + "{a: " * 30_000 + "}" * 30_000 + "\n---\nCorps",
    "---\ntitle: sans fin\nCorps",
])
def test_a_block_that_is_not_a_small_yaml_mapping_stays_in_the_body(text):
    started = time.monotonic()
    assert split_front_matter(text) == ({}, text)
    assert time.monotonic() - started < 0.5


def test_an_empty_block_is_empty_front_matter():
    assert split_front_matter("---\n---\n\nCorps") == ({}, "Corps")
    assert split_front_matter("---\nauthors:\n...\nCorps") == ({"authors": ""}, "Corps")
