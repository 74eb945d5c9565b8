"""Progress of long commands (`search rebuild`, `import`, `export`, `backup`, `restore`, `files purge`):
a bar on a terminal, nothing at all without one (cron, pipes, CI logs, tests).

The domain never prints: its long functions take `progress`, a callable `progress(done, total)`
(absolute counts, so a resumed job starts its bar where it stopped; `total` may grow). A command
passes `progress_bar(label)`'s callable:

    with progress_bar(_("Indexing")) as progress:
        count = search.rebuild(progress=progress)

Built on click's progressbar (click ships with Flask: no new dependency), drawn on stderr so that
the command's one line on stdout stays clean; it is drawn only when stderr is a terminal (click
itself would still print the label once without one)."""

import sys
from contextlib import contextmanager

import click


def quiet(done: int, total: int) -> None:
    """The progress callable that reports nothing (the domain's default)."""


def on_a_terminal(stream=None) -> bool:
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(label: str, *, stream=None):
    """Yield `progress(done, total)`: draws a bar when `stream` (stderr) is a terminal, else does nothing."""
    stream = stream if stream is not None else sys.stderr
    if not on_a_terminal(stream):
        yield quiet
        return
    with click.progressbar(length=1, label=label, file=stream, show_pos=True, show_eta=True,
                           show_percent=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, done, 1)
            if done > bar.pos:
                bar.update(done - bar.pos)
            elif done < bar.pos:  # a resumed job starts where it stopped
                bar.pos = done
                bar.update(0)

        yield progress
