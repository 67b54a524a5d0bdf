"""``python -m bot backup <path>``: a consistent copy of the live database, safe while the bot runs.

It uses SQLite's online backup, which copies a single consistent snapshot even while the bot keeps
writing (WAL mode lets it read without blocking the bot). The copy is written next to the target and
renamed into place, so a half-written file never carries the target's name.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


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
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
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
    return target.stat().st_size
