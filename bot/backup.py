"""``python -m bot backup <path>``: a consistent copy of the live database, safe while the bot runs.

It uses SQLite's online backup, which copies a single consistent snapshot even while the bot keeps
writing (WAL mode lets it read without blocking the bot). The copy is written next to the target and
renamed into place, so a half-written file never carries the target's name. Backups hold everything
the database holds, so they are 0600 in a 0700 folder like the database itself.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from bot.files import create_private_file, private_file, private_folder


class BackupError(Exception):
    pass


def backup(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target``; returns the size of the copy in bytes."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup must go to a different file than the database")
    if target.is_dir():
        target = target / f"{source.stem}-backup.sqlite3"
    private_folder(target.parent)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created 0600 before SQLite opens it; its rollback journal then gets the same mode.
    create_private_file(partial)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
            ok = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
    finally:
        src.close()
    if not ok or ok[0] != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError("the copy failed its integrity check; the database was not changed")
    os.replace(partial, target)
    private_file(target)
    return target.stat().st_size
