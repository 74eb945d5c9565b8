"""Backup and restore: `flask --app wsgi backup PATH` writes one zip archive (database, files,
manifest); `flask --app wsgi restore PATH [--force]` puts it back into an empty instance,
upgrades an older schema and rebuilds the search index.

Inside: archive.py (writing, the manifest, pg_dump), restore.py, tables.py (the portable dump)."""

from app.wiki.backup.archive import BackupReport, files_folder, write_backup
from app.wiki.backup.restore import RestoreReport, restore_backup

__all__ = ["BackupReport", "RestoreReport", "files_folder", "restore_backup", "write_backup"]
