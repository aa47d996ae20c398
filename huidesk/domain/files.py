"""Files the way a secretary and cron need them: written whole or not at all, readable by the owner
only, in folders made owner-only, never over an existing file unless asked."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt


@contextmanager
def atomic_write(path: Path, binary: bool = False) -> Iterator:
    """Write to a temp file beside `path`, fsync it, then rename it over `path` (mode 0600).
    On any error (or Ctrl-C) `path` is left as it was."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def private_folders(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents, each readable by its owner only (0700, whatever the
    umask); returns the folders created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    created = list(reversed(missing))
    for path in created:
        path.mkdir(mode=0o700)
        os.chmod(path, 0o700)  # the umask may have taken bits away; it must not leave more
    return created


def refuse_overwrite(path: Path, force: bool) -> None:
    """Refuse to write over an existing file unless `force`."""
    if not force and path.exists():
        from huidesk.domain.errors import WouldOverwrite

        raise WouldOverwrite(path)


def dated_name(folder: Path, stem: str, suffix: str, when: "dt.datetime") -> Path:
    """A file name in `folder` for something made at `when` (local time), never one that exists:
    ledger-20240708-0930.db, then ledger-20240708-0930-2.db..."""
    base = f"{stem}-{when:%Y%m%d-%H%M}"
    path, n = folder / f"{base}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{base}-{n}{suffix}"
    return path
