"""`flask search …`: the search index's commands (registered by init_app)."""

import time

import click
from flask.cli import AppGroup

from app.wiki.search.sync import rebuild

search_cli = AppGroup("search", help="Manage the full-text search index.")


@search_cli.command("rebuild")
def rebuild_command():
    """Rebuild this machine's search index from the database."""
    started = time.monotonic()
    count = rebuild()
    click.echo(f"Search index rebuilt: {count} pages indexed in {time.monotonic() - started:.1f} s.")
