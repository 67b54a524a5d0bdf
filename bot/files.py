"""Private files: the database, its write-ahead log and every backup are readable by the bot's user only.

Modes are set explicitly (not left to the umask), and tightened again on every start, so files made by
older versions or copied in by hand are brought into line too.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(folder: Path) -> None:
    """Create ``folder`` if needed and make it 0700, unless it is a shared place that is not ours to close.

    The current directory, the home directory and sticky folders such as /tmp are left as they are
    (the files inside are still 0600); so is a folder owned by another user.
    """
    if folder == Path():
        return
    if not folder.exists():
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    info = folder.stat()
    resolved = folder.resolve()
    shared = (
        info.st_mode & stat.S_ISVTX
        or resolved in {Path.cwd().resolve(), Path.home().resolve(), Path("/")}
        or info.st_uid != os.getuid()
    )
    if shared:
        log.warning("the folder %s is shared; only the files in it are made private", folder)
        return
    if stat.S_IMODE(info.st_mode) != FOLDER_MODE:
        folder.chmod(FOLDER_MODE)


def create_private_file(path: Path) -> None:
    """Make sure ``path`` exists with mode 0600 (created that way, so it is never briefly readable)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    os.close(fd)
    private_file(path)


def private_file(path: Path) -> None:
    """Tighten an existing file to 0600; a missing one is fine."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            path.chmod(FILE_MODE)
    except FileNotFoundError:
        return


def database_files(path: Path) -> list[Path]:
    """The database and the files SQLite keeps beside it."""
    return [path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
