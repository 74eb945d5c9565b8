"""Where an imported note refers to a file, and which file of the bundle that is.

The forms read: Markdown pictures and links (`![alt](photo.png)`, `[slides](files/slides.pdf)`,
this wiki's `attachments/<name>`), Obsidian embeds and links (`![[photo.png]]`,
`![[photo.png|300]]`, `![[photo.png|description]]`, `[[slides.pdf]]`) and An Otter Wiki's
(`./photo.png`, `/Page/photo.png`, `/Page/a/photo.png`). Code blocks and code spans are left alone.

A reference is looked up among the bundle's listed files (reading.OtherFiles), never opened as a
path: relative to the note's folder, in the note's own folder (An Otter Wiki keeps `page.md`'s
files in `page/`), from the bundle's root (Obsidian may write paths from the vault's root; An
Otter Wiki's start with `/`), then by its name anywhere (Obsidian resolves by name: the note's
folder first, then the shortest path). In this wiki's export, `attachments/<name>` of
`markdown/<page>.md` is `files/<page>/<name>` and nothing else. A path that climbs out of the
bundle is refused."""

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

NOTE_SUFFIXES = (".md", ".markdown")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
WIKI_EMBED = re.compile(r"(!?)\[\[([^\[\]|#\n]+)(#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")
MARKDOWN_LINK = re.compile(r"(!?)\[([^\[\]\n]*)\]\(\s*(<[^<>\n]+>|[^()\s<>]+)(\s+\"[^\"\n]*\")?\s*\)")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")
SIZE = re.compile(r"\s*\d+(?:\s*x\s*\d+)?\s*")
OUTSIDE = "outside"  # resolve()'s answer for a path that climbs out of the bundle


@dataclass(frozen=True)
class Reference:
    start: int
    end: int
    target: str  # the path as written, decoded
    picture: bool  # `![...](...)` or `![[...]]`
    label: str  # the description or link text ("" when none)
    title: str = ""  # a Markdown link's ` "title"`, kept
    wiki: bool = False  # the Obsidian form `[[...]]`

    @property
    def is_file(self) -> bool:
        """Has an extension, and it is not a note's: `[[Page]]` and `[x](other.md)` are page links."""
        name = posixpath.basename(self.target)
        return "." in name.strip(".") and not name.lower().endswith(NOTE_SUFFIXES)


def code_regions(body: str) -> list[tuple[int, int]]:
    regions = [match.span() for match in FENCE.finditer(body)]
    for match in CODE_SPAN.finditer(body):
        if not any(start <= match.start() < end for start, end in regions):
            regions.append(match.span())
    return regions


def find(body: str) -> list[Reference]:
    """The references to files in a note's text, in order, outside code."""
    code = code_regions(body)
    found = []
    for match in WIKI_EMBED.finditer(body):
        description = match.group(4) or ""
        label = "" if SIZE.fullmatch(description) else description.strip()
        target = match.group(2).strip().removesuffix("\\")  # `![[photo.png\|300]]` in a table escapes its pipe
        found.append(Reference(match.start(), match.end(), target, bool(match.group(1)), label, wiki=True))
    for match in MARKDOWN_LINK.finditer(body):
        target = match.group(3)
        target = target[1:-1] if target.startswith("<") else target
        if SCHEME.match(target) or target.startswith("#"):
            continue
        target = unquote(target.split("#", 1)[0].split("?", 1)[0])
        found.append(Reference(match.start(), match.end(), target, bool(match.group(1)), match.group(2),
                               match.group(4) or ""))
    kept, end = [], 0
    for ref in sorted(found, key=lambda ref: ref.start):
        if ref.is_file and ref.start >= end and not any(s <= ref.start < e for s, e in code):
            kept.append(ref)
            end = ref.end  # references never overlap, so the rewrite replaces whole ones
    return kept


class FileIndex:
    """The bundle's listed files, for lookups by exact path, by path in any case, and by name."""

    def __init__(self, files: list[str]):
        self.listed = set(files)
        self.folded: dict[str, str] = {}
        self.named: dict[str, list[str]] = {}
        for path in files:
            self.folded.setdefault(path.lower(), path)
            self.named.setdefault(posixpath.basename(path).lower(), []).append(path)

    def find(self, candidates: list[str]) -> str | None:
        for candidate in candidates:
            if candidate in self.listed:
                return candidate
        return next((self.folded[c.lower()] for c in candidates if c.lower() in self.folded), None)

    def by_name(self, name: str, folder: str) -> str | None:
        """Obsidian's lookup: a file of that name anywhere, in the note's folder first, then the shortest path."""
        same = self.named.get(name.lower())
        if not same:
            return None
        return min(same, key=lambda path: (posixpath.dirname(path) != folder, path.count("/"), len(path), path))


def resolve(reference: Reference, note: str, files: FileIndex) -> str | None:
    """The listed file a note's reference names, OUTSIDE for a path out of the bundle, or None."""
    target = reference.target.strip()
    folder, stem = posixpath.dirname(note), posixpath.splitext(note)[0]
    ours = target.startswith(("attachments/", "./attachments/")) and posixpath.basename(folder) == "markdown"
    if target.startswith("/"):  # An Otter Wiki: from the wiki's root (the bundle's, or a folder above the note)
        path = posixpath.normpath(target).lstrip("/")  # `/../x` is `/x`: the root has no parent
        rooted = [path, re.sub(r"/a/([^/]+)$", r"/\1", path)]  # its /a/ route
        roots = [folder]
        while roots[-1]:
            roots.append(posixpath.dirname(roots[-1]))
        candidates = [posixpath.normpath(posixpath.join(root, path)) for root in reversed(roots) for path in rooted]
    else:
        direct = posixpath.normpath(posixpath.join(folder, target))
        if direct == ".." or direct.startswith("../"):
            return OUTSIDE
        candidates = [direct, posixpath.normpath(posixpath.join(stem, target)),
                      posixpath.normpath(target)]  # Obsidian's "absolute path in vault" setting
        if ours:  # this wiki's export: markdown/<page>.md uses files/<page>/<name>
            candidates.insert(0, posixpath.join(posixpath.dirname(folder), "files", posixpath.basename(stem),
                                                posixpath.basename(target)))
    found = files.find(candidates)
    if found is not None or ours:  # another page's file of that name is not this page's
        return found
    return files.by_name(posixpath.basename(target), folder)


def rewrite(body: str, replacements: dict[Reference, str]) -> str:
    """The body with each of these references replaced by its new text."""
    parts, position = [], 0
    for reference in sorted(replacements, key=lambda ref: ref.start):
        parts += [body[position:reference.start], replacements[reference]]
        position = reference.end
    return "".join([*parts, body[position:]])


def markdown_link(reference: Reference, name: str, *, picture: bool) -> str:
    """Our Markdown for a reference now pointing at `attachments/<name>`: Obsidian's `![[photo.png]]`
    becomes `![photo](attachments/photo.png)`, a file that is not a picture a link."""
    label = re.sub(r"[\[\]\n\r]", " ", reference.label).strip()
    if not label and reference.wiki and picture:
        label = posixpath.splitext(posixpath.basename(reference.target))[0]
    elif not label and not picture:
        label = name
    bang = "!" if reference.picture and picture else ""
    return f"{bang}[{label}](attachments/{name}{reference.title})"
