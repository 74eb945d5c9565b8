"""Long commands show progress on a terminal and stay quiet without one (cron); `search rebuild`
resumes where an interrupted run stopped; `search optimize` merges what saves left behind."""

import io

import pytest

from app.cli_progress import on_a_terminal, progress_bar
from app.wiki import editing, search
from app.wiki.search import sync


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_no_terminal_no_output():
    stream = io.StringIO()
    with progress_bar("Indexing", stream=stream) as progress:
        for done in range(0, 101, 10):
            progress(done, 100)
    assert stream.getvalue() == "" and not on_a_terminal(stream)


def test_a_terminal_gets_a_bar_that_may_resume_and_grow():
    stream = Terminal()
    with progress_bar("Indexing", stream=stream) as progress:
        progress(40, 100)
        progress(20, 100)  # a resumed job restarts lower
        progress(150, 150)  # the total grew
    text = stream.getvalue()
    assert "Indexing" in text and "150/150" in text


def make_pages(count):
    for n in range(count):
        editing.create_page(title=f"Page numéro {n}", body=f"Le mot clé{n} et le vélo.", publish_now=True)


def test_rebuild_command_prints_one_line_without_a_terminal(ctx, runner):
    make_pages(3)
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "3 pages" in result.output


def test_an_interrupted_rebuild_resumes_where_it_stopped(ctx, monkeypatch, runner):
    make_pages(7)
    search.catch_up()
    monkeypatch.setattr(sync, "CHECKPOINT_PAGES", 2)
    monkeypatch.setattr(sync, "BATCH_SIZE", 2)
    seen = []

    def interrupt(done, total):
        seen.append((done, total))
        if done >= 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search.rebuild(progress=interrupt)
    assert sync.RebuildState(search.current_index().path).resumable()
    assert len(search.query("vélo", member=False).hits) == 7  # readers kept a whole index meanwhile
    editing.create_page(title="Arrivée pendant la reconstruction", body="Un vélo de plus.", publish_now=True)
    resumed = []
    assert search.rebuild(progress=lambda done, total: resumed.append((done, total))) == 7
    assert resumed[0] == (2, 7) and resumed[-1] == (7, 7)  # from its last commit, not from the start
    assert not sync.RebuildState(search.current_index().path).resumable()
    search.catch_up()
    assert len(search.query("vélo", member=False).hits) == 8
    assert len(search.query("clé6", member=False).hits) == 1
    assert sync.segment_count() == 1 or sync.segment_count() == 2  # the rebuild's, and the new page's


def test_a_rebuild_drops_pages_the_database_no_longer_has(ctx):
    make_pages(3)
    search.catch_up()
    writer = search.current_index().index().writer()  # a page from before a restore of an older backup
    writer.add_document(id="9999", slug="fantome", title="Éphémère", title_start="Éphémère", body="éphémère",
                        tags="", licence="CC-BY-SA-4.0", visibility="public")
    writer.commit()
    assert len(search.query("éphémère", member=False).hits) == 1
    assert search.rebuild() == 3
    assert search.query("éphémère", member=False).hits == []


def test_saves_leave_merges_to_optimize_within_a_bound(ctx, runner):
    for n in range(40):
        editing.create_page(title=f"Page {n}", body="Le vélo.", publish_now=True)
        search.catch_up()
    before = sync.segment_count()
    assert 2 <= before <= sync.MAX_SEGMENTS + 1  # catch-ups merge only past the bound (no timer in a test)
    result = runner.invoke(args=["search", "optimize"])
    assert result.exit_code == 0 and sync.segment_count() <= 2, result.output
    assert runner.invoke(args=["search", "optimize", "--full"]).exit_code == 0
    assert sync.segment_count() == 1 and search.query("vélo", member=False).total == 40
