"""`flask files purge`: forget files that no revision of their page refers to, once they are older
than the grace period, then delete stored contents that no file names any more.

Deleting a page keeps its files (its revisions still refer to them). The grace period protects a
file uploaded a moment ago whose edit is not saved yet, and a content written by another worker
whose row is not committed yet (a stored content's age is its file's modification time)."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Attachment, Revision, utcnow
from app.wiki.attachments import storage
from app.wiki.attachments.names import referenced_names


def quiet(message: str) -> None:
    """The default progress reporter: says nothing."""


@dataclass
class PurgeReport:
    files: int = 0  # rows forgotten
    contents: int = 0  # stored contents deleted
    freed: int = 0  # bytes


def names_in_use(page_ids: set[int]) -> dict[int, set[str]]:
    """For each page, the file names any of its revisions refers to."""
    used: dict[int, set[str]] = {page_id: set() for page_id in page_ids}
    for page_id, body in db.session.execute(sa.select(Revision.page_id, Revision.body).where(
            Revision.page_id.in_(page_ids), Revision.body.contains("attachments/"))):
        used[page_id] |= referenced_names(body)
    return used


def purge(*, grace: timedelta, dry_run: bool = False, progress: Callable[[str], None] = quiet) -> PurgeReport:
    """Remove unused files older than `grace`; with `dry_run`, only count them."""
    report = PurgeReport()
    cutoff = utcnow() - grace
    old = list(db.session.scalars(sa.select(Attachment).where(Attachment.created_at < cutoff)
                                  .order_by(Attachment.page_id, Attachment.id)))
    progress(_("Checking %(count)d files older than the grace period…", count=len(old)))
    used = names_in_use({a.page_id for a in old}) if old else {}
    unused = [a for a in old if a.name not in used[a.page_id]]
    report.files = len(unused)
    forgotten = {a.id for a in unused}
    live = {sha256 for attachment_id, sha256 in db.session.execute(sa.select(Attachment.id, Attachment.sha256))
            if attachment_id not in forgotten}
    if not dry_run:
        for attachment in unused:
            db.session.delete(attachment)
        db.session.commit()
    stored = storage.stored_hashes()
    progress(_("Checking %(count)d stored contents…", count=len(stored)))
    oldest_allowed = time.time() - grace.total_seconds()
    for index, (sha256, paths) in enumerate(stored, 1):
        if sha256 in live:
            continue
        if any(path.stat().st_mtime > oldest_allowed for path in paths):
            continue  # written a moment ago: its file may not be committed yet
        report.contents += 1
        report.freed += sum(path.stat().st_size for path in paths)
        if not dry_run:
            for path in paths:
                path.unlink(missing_ok=True)
        if index % 500 == 0:
            progress(_("%(done)d of %(count)d stored contents checked", done=index, count=len(stored)))
    return report
