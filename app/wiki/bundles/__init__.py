"""Bundles of pages: export the shareable commons as a zip, import folders or zips of Markdown.

Export takes only what may leave the wiki: public pages under a shareable licence, as last
published (pending text never leaves), with the files a visitor may fetch that they use. Import
reads this wiki's exports, An Otter Wiki folders and Obsidian vaults; it checks and parses the
whole bundle before writing anything, then writes every page in one transaction, so a refused
bundle creates nothing; a refused file is reported and the rest comes.

    shareable.py    which pages may leave the wiki, and why the others stay (ExportReport)
    export.py       the zip: Markdown with front matter, files/<slug>/, the static site, LICENCES, README.txt
    site.py         the static HTML site, rendered from app/templates/bundle/ with autoescape on
    frontmatter.py  the `---` block: written as JSON values, read with PyYAML's safe loader
    reading.py      the files of a folder, zip or Markdown file, within limits (zip safety)
    references.py   where a note refers to a file, and which listed file of the bundle that is
    attaching.py    those files checked and stored like uploads, the references rewritten
    importing.py    parse every file, then create the pages and their files in one transaction
"""

from app.wiki.bundles.export import export_zip
from app.wiki.bundles.importing import ImportReport, import_bundle
from app.wiki.bundles.shareable import ExportReport, left_out_text

__all__ = ["ExportReport", "ImportReport", "export_zip", "import_bundle", "left_out_text"]
