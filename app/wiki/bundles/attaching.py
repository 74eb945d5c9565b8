"""The files imported notes use: found (references.py), read from the bundle, checked and stored like
an upload (uploads.prepare_file: type from the content, allowlist, pictures re-encoded without
EXIF, size and pixel limits), and the notes' references rewritten to `attachments/<name>`.

This runs before the import takes the write lock. A file that cannot come (refused by a check,
out of the bundle, missing) is reported and its reference left as it was written; it never stops
the import of the rest."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from flask import current_app
from flask_babel import gettext as _

from app.wiki.attachments import storage, uploads
from app.wiki.attachments.uploads import PreparedFile
from app.wiki.bundles import references
from app.wiki.bundles.reading import OtherFiles, shown
from app.wiki.errors import FileRefused, FileTooLarge


@dataclass
class FilesFound:
    """What each note's references resolved to, and what was refused on the way."""

    uses: dict[str, list[tuple[references.Reference, str]]] = field(default_factory=dict)  # note -> (ref, path)
    refused: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(path for uses in self.uses.values() for _ref, path in uses))


def find_files(notes: list[tuple[str, str]], others: OtherFiles) -> FilesFound:
    """For each (note name, body), the bundle files its references name."""
    found = FilesFound(refused=[_("%(name)s: an unsafe file name; the file was left out.", name=shown(name))
                                for name in others.unsafe])
    index = references.FileIndex(others.paths)
    for note, body in notes:
        uses = []
        for reference in references.find(body):
            path = references.resolve(reference, note, index)
            if path == references.OUTSIDE:
                found.refused.append(_("%(note)s: %(file)s leads out of the bundle; the file was not imported.",
                                       note=note, file=reference.target))
            elif path is None and reference.picture:
                found.refused.append(_("%(note)s: %(file)s is not in the bundle.", note=note, file=reference.target))
            elif path is not None:
                uses.append((reference, path))
        found.uses[note] = uses
    return found


def prepare_files(found: FilesFound, others: OtherFiles, *, progress: Callable[[int, int], None],
                  total: int) -> dict[str, PreparedFile]:
    """Each file used, checked and stored once, by its path in the bundle; the refused ones reported."""
    prepared, by_content = {}, {}
    limit = current_app.config["WIKI_MAX_UPLOAD_BYTES"]
    for done, (path, size, data) in enumerate(others.each(found.paths, limit), 1):
        try:
            if isinstance(data, FileRefused):
                raise data
            uploads.check_size(size)  # from the folder or the zip's header: a larger file was not read
            name = path.rsplit("/", 1)[-1]
            key = (storage.digest(data), name)  # the same picture in several pages' folders: cleaned once
            if key not in by_content:
                by_content[key] = uploads.prepare_file(filename=name, data=data)
            prepared[path] = by_content[key]
        except (FileRefused, FileTooLarge) as error:
            found.refused.append(_("%(name)s: %(problem)s", name=shown(path), problem=error.message))
        progress(done, total)
    return prepared


def with_files(page, uses: list[tuple[references.Reference, str]], prepared: dict[str, PreparedFile]):
    """The page with its references to prepared files rewritten and those files in `page.files`, in order."""
    names, hashes, files, replacements = {}, {}, [], {}
    for reference, path in uses:
        item = prepared.get(path)
        if item is None:
            continue
        if path not in names:
            names[path] = uploads.free_name(item.base_name, item.sha256, hashes)
            if names[path] not in hashes:
                files.append(item)
            hashes[names[path]] = item.sha256
        replacements[reference] = references.markdown_link(reference, names[path], picture=item.kind.raster)
    if not replacements:
        return page
    return replace(page, body=references.rewrite(page.body, replacements), files=tuple(files))
