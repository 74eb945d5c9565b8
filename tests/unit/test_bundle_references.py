"""Where an imported note refers to a file (issue 12): the forms read, code left alone, and the
lookup among the bundle's listed files (never a path opened from the text)."""

import pytest

from app.wiki.bundles import references
from app.wiki.bundles.references import OUTSIDE, FileIndex, find, markdown_link, resolve, rewrite


def targets(body):
    return [(ref.target, ref.picture, ref.label, ref.wiki) for ref in find(body)]


def test_the_forms_read_and_those_left_alone():
    body = ("![[photo.png]] ![[photo.png|300]] ![[plan.png|640x480]] ![[schema.png|Le schéma]] [[slides.pdf]]\n"
            "![Vue](vue%20large.jpg \"Titre\") ![](<avec espace.png>) [Budget](docs/budget.ods?raw#x)\n"
            "[[Une page]] ![[Une note]] [lien](autre-note.md) [site](https://example.org/a.png) "
            "![ext](//cdn.example/b.png) [ancre](#titre) [mail](mailto:a@b.c)\n"
            "| ![[cellule.png\\|120]] |\n`![[code.png]]` et\n\n```\n![](bloc.png)\n```\n~~~md\n[[tilde.pdf]]\n~~~\n")
    assert targets(body) == [
        ("photo.png", True, "", True), ("photo.png", True, "", True), ("plan.png", True, "", True),
        ("schema.png", True, "Le schéma", True), ("slides.pdf", False, "", True),
        ("vue large.jpg", True, "Vue", False), ("avec espace.png", True, "", False),
        ("docs/budget.ods", False, "Budget", False), ("cellule.png", True, "", True)]
    assert find(body)[5].title == ' "Titre"'


def test_rewriting_gives_our_markdown():
    body = "A ![[photo.png]] B ![[schema.png|Le schéma]] C [[slides.pdf]] D ![Vue](vue.jpg \"T\") E ![](x.pdf)"
    refs = find(body)
    names = ["photo.png", "schema.png", "slides.pdf", "vue.jpg", "x.pdf"]
    pictures = [True, True, False, True, False]
    out = rewrite(body, {ref: markdown_link(ref, name, picture=picture)
                         for ref, name, picture in zip(refs, names, pictures)})
    assert out == ("A ![photo](attachments/photo.png) B ![Le schéma](attachments/schema.png) C "
                   "[slides.pdf](attachments/slides.pdf) D ![Vue](attachments/vue.jpg \"T\") E [x.pdf](attachments/x.pdf)")
    hostile = find("![[a]b.png|x](javascript:alert(1))]]")
    assert all("javascript" not in markdown_link(ref, "a.png", picture=True) for ref in hostile)


FILES = FileIndex(["repo/page/image.png", "repo/autre/image.png", "Notes/photo.png", "Pièces jointes/photo.png", "assets/deep/er/schema.png", "schema.png",
                   "home/logo.png", "atelier/photo.jpg", "files/charte/groupe.png", "files/guide/plan.png",
                   "Notes/Sous/plan.png"])


@pytest.mark.parametrize("note,target,expected", [
    ("Notes/Réunion.md", "photo.png", "Notes/photo.png"),  # the note's folder first
    ("Autre.md", "photo.png", "Notes/photo.png"),  # then the shortest path
    ("Autre.md", "schema.png", "schema.png"),
    ("Notes/Réunion.md", "Sous/plan.png", "Notes/Sous/plan.png"),  # relative to the note
    ("Notes/Réunion.md", "../schema.png", "schema.png"),
    ("Notes/Réunion.md", "Pièces jointes/photo.png", "Pièces jointes/photo.png"),  # from the vault's root
    ("Notes/Réunion.md", "assets/deep/er/schema.png", "assets/deep/er/schema.png"),
    ("Notes/Réunion.md", "../../schema.png", OUTSIDE),  # climbs out: refused, not looked up by name
    ("x.md", "../x.png", OUTSIDE),
    ("home.md", "/Home/a/logo.png", "home/logo.png"),  # An Otter Wiki's /Page/a/name
    ("home.md", "/Home/logo.png", "home/logo.png"),
    ("repo/page.md", "/Page/a/image.png", "repo/page/image.png"),  # a zip of the repository's folder
    ("repo/autre.md", "/Autre/image.png", "repo/autre/image.png"),
    ("repo/autre.md", "/../../Autre/image.png", "repo/autre/image.png"),  # the root has no parent
    ("atelier.md", "./photo.jpg", "atelier/photo.jpg"),  # An Otter Wiki's pasted ./name: the page's folder
    ("markdown/charte.md", "attachments/groupe.png", "files/charte/groupe.png"),  # this wiki's export
    ("markdown/charte.md", "attachments/plan.png", None),  # another page's file is not this page's
    ("Autre.md", "absente.png", None),
    ("Autre.md", "PHOTO.PNG", "Notes/photo.png"),  # names in any case, as on a phone's or a Mac's disk
])
def test_a_reference_names_a_listed_file(note, target, expected):
    reference = references.Reference(0, 1, target, True, "")
    assert resolve(reference, note, FILES) == expected
