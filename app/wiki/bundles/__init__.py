"""Bundles of pages: export the shareable commons as a zip, import folders or zips of Markdown.

Export takes only what may leave the wiki: public pages under a shareable licence, as last
published (pending text never leaves). Import reads this wiki's exports, An Otter Wiki folders
and Obsidian vaults; it checks and parses the whole bundle before writing anything, then writes
every page in one transaction, so a refused bundle creates nothing.

    shareable.py    which pages may leave the wiki, and why the others stay (ExportReport)
    export.py       the zip: Markdown with front matter, the static site, LICENCES, README.txt
    site.py         the static HTML site, rendered from app/templates/bundle/ with autoescape on
    frontmatter.py  the `---` block: written as JSON values, read with PyYAML's safe loader
    reading.py      the files of a folder, zip or Markdown file, within limits (zip safety)
    importing.py    parse every file, then create the pages in one transaction
"""

from app.wiki.bundles.export import export_zip
from app.wiki.bundles.importing import ImportReport, import_bundle
from app.wiki.bundles.shareable import ExportReport, left_out_text

__all__ = ["ExportReport", "ImportReport", "export_zip", "import_bundle", "left_out_text"]
