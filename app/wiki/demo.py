"""Demo content: a few real starting pages in French, for a new wiki, and the page templates.

Each file is `# Title`, then optionally a `Tags: a, b` line, then the Markdown body."""

from pathlib import Path

from app.wiki import editing
from app.wiki.pages import find_page
from app.wiki.slugs import slugify

DEMO_FOLDER = Path(__file__).parent / "demo_pages"
DEMO_AUTHOR = "Gare centrale"


def demo_pages() -> list[tuple[str, str, str]]:
    """(title, body, tags) for each demo page, in file order."""
    pages = []
    for path in sorted(DEMO_FOLDER.glob("*.md")):
        first_line, _, body = path.read_text(encoding="utf-8").partition("\n")
        tags = ""
        if body.startswith("Tags:"):
            tag_line, _, body = body.partition("\n")
            tags = tag_line.removeprefix("Tags:").strip()
        pages.append((first_line.removeprefix("#").strip(), body.strip(), tags))
    return pages


def seed_demo() -> int:
    """Create the demo pages that do not exist yet; return how many were created."""
    created = 0
    for title, body, tags in demo_pages():
        if find_page(slugify(title))[0] is not None:
            continue
        editing.create_page(title=title, body=body, summary="Page de démonstration", author=None,
                            author_label=DEMO_AUTHOR, publish_now=True, tags=tags)
        created += 1
    return created
