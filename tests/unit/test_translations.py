"""The French catalogue covers every string the code and templates can show."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("app/**.py", "python"), ("app/templates/**.html", "jinja2"), ("app/templates/**.xml", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def source_messages() -> set[str]:
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"app/templates/**.html": {}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_a_french_translation():
    with open(ROOT / "app/translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue
                  if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy}
    missing = sorted(source_messages() - translated)
    assert not missing, f"run `make extract-messages` and translate: {missing}"
