"""`flask search …`: the search index's commands (registered by init_app)."""

import time

import click
from flask.cli import AppGroup

from app.cli_progress import progress_bar
from app.wiki.search.index import current_index
from app.wiki.search.sync import RebuildState, optimize, rebuild, segment_count

search_cli = AppGroup("search", help="Manage the full-text search index.")


@search_cli.command("rebuild")
@click.option("--restart", is_flag=True, help="Start again from the first page instead of resuming an interrupted rebuild.")
def rebuild_command(restart):
    """Rebuild this machine's search index from the database (resumes an interrupted rebuild)."""
    started = time.monotonic()
    if RebuildState(current_index().path).resumable() and not restart:
        click.echo("Resuming the interrupted rebuild (--restart to start again).", err=True)
    with progress_bar("Indexing pages") as progress:
        count = rebuild(progress=progress, restart=restart)
    click.echo(f"Search index rebuilt: {count} pages indexed in {time.monotonic() - started:.1f} s.")


@search_cli.command("optimize")
@click.option("--full", is_flag=True, help="Merge every segment into one (as long as a rebuild at 100,000 pages).")
def optimize_command(full):
    """Merge the small segments saves leave (run by a timer, e.g. every 10 minutes; see docs/architecture.md)."""
    started = time.monotonic()
    before = segment_count()
    after = optimize(full=full)
    click.echo(f"Search index optimised: {before} segments merged into {after} in {time.monotonic() - started:.1f} s.")
