"""Files the way a secretary and cron need them: written whole or not at all, readable by the owner
only, in folders made owner-only, never over an existing file unless asked — and never through a
name someone else could have planted.

The one rule for every file huidesk writes outside the ledger (export, report, backup, bundle, the
warehouse's files): what is written goes first into a file of a new folder of its own, made beside
the destination under an unpredictable name (`tempfile.mkdtemp`: exclusive, 0700), so nobody else
can name, plant or open anything in it (a SQLite file's journal included); the file is fsynced and
then published: renamed over the destination when overwriting is allowed, else hard-linked to it
(which fails when anything is there, a file made meanwhile or a link). A link at the destination is
an existing file: refused without --force, replaced (never written through) with it.

Streams are written into, not replaced: the process's own descriptors (/dev/stdout, /dev/stderr,
/dev/fd/N, /proc/self/fd/N: the descriptor itself, at its offset), a FIFO or a character device
(/dev/null). What must be built on disk first (a SQLite file) is built in a private temp folder of the
system's and then copied byte for byte into the stream. Any other kind of file (a folder, a socket,
a block device) is refused."""

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt

# The process's own standard descriptors by the names a shell gives them.
_STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR_FOLDERS = ("/dev/fd/", "/proc/self/fd/")


def descriptor(path: Path | str) -> int | None:
    """The open descriptor of this process that `path` names (/dev/stdout: 1, /dev/fd/3: 3), else None."""
    text = os.path.normpath(os.path.abspath(path))
    if text in _STANDARD:
        return _STANDARD[text]
    for folder in _DESCRIPTOR_FOLDERS:
        if text.startswith(folder) and text[len(folder):].isdigit():
            return int(text[len(folder):])
    return None


def is_stream(path: Path | str) -> bool:
    """Whether writing `path` means writing into it as it is rather than putting a file there: one of
    the process's descriptors, a FIFO or a character device (itself, not a link to one)."""
    if descriptor(path) is not None:
        return True
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _not_a_file(path: Path | str) -> Exception:
    from huidesk.domain.errors import HuideskError
    from huidesk.domain.i18n import tr

    return HuideskError(tr(f"不能写入 {path}：它不是普通文件（目录、套接字或块设备）",
                           f"cannot write {path}: it is not a regular file (a folder, a socket or a block device)"))


def _open_stream(path: Path | str) -> int:
    """A descriptor to write the stream `path` through: a duplicate of the process's own descriptor, or
    the FIFO or character device opened for writing as it is (not created, not truncated, no link
    followed)."""
    from huidesk.domain.errors import HuideskError
    from huidesk.domain.i18n import tr

    n = descriptor(path)
    try:
        if n is not None:
            for stream in (sys.stdout, sys.stderr):  # what was printed before goes first
                stream.flush()
            return os.dup(n)
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NOCTTY)
    except OSError as e:
        raise HuideskError(tr(f"不能写入 {path}：{e.strerror}", f"cannot write {path}: {e.strerror}")) from None
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):  # swapped since it was looked at
        os.close(fd)
        raise _not_a_file(path)
    return fd


@contextmanager
def private_tmp(dest: Path | str) -> Iterator[Path]:
    """A new empty file (0600) to build what will be `dest` in, alone in a new folder (0700) made beside
    `dest` under an unpredictable name (.NAME.XXXXXXXX), or in the system's temp folder when `dest` is a
    stream. Nobody else can plant a name in that folder, so the file may be opened by name (SQLite
    does, with its journal beside it). On leaving, the folder goes with whatever is still in it:
    publish the file (`publish`) before leaving to keep it."""
    dest = Path(dest)
    where = None if is_stream(dest) else dest.parent
    folder = Path(tempfile.mkdtemp(prefix=f".{dest.name[:100]}.", dir=where))
    try:
        tmp = folder / (dest.name or "file")
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        yield tmp
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish(tmp: Path, dest: Path | str, overwrite: bool, streams: bool = True) -> None:
    """Put the finished file `tmp` (made by `private_tmp`) at `dest`, fsynced first.

    - `dest` a stream (`is_stream`; unless `streams` is False): `tmp`'s bytes copied into it.
    - `overwrite`: renamed over whatever file or link is at `dest` (a link is replaced, not followed).
    - else hard-linked to `dest`, which fails when anything is there, also a file or a link that
      appeared meanwhile (WouldOverwrite); on a file system without hard links (a FAT stick): looked
      at, then renamed.
    A folder, a socket or a block device at `dest` is refused."""
    from huidesk.domain.errors import WouldOverwrite

    dest = Path(dest)
    fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_a_file(tmp)
        os.fsync(fd)
        if streams and is_stream(dest):
            with os.fdopen(_open_stream(dest), "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            return
    _refuse_kind(dest)
    if overwrite:
        os.replace(tmp, dest)
    else:
        try:
            os.link(tmp, dest)
        except FileExistsError:
            raise WouldOverwrite(dest) from None
        except OSError:
            if os.path.lexists(dest):
                raise WouldOverwrite(dest) from None
            os.replace(tmp, dest)
    _fsync_folder(dest.parent)


def _refuse_kind(dest: Path | str) -> None:
    """Refuse a destination that is a folder, a socket or a block device: nothing to put a file over."""
    try:
        mode = os.lstat(dest).st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode) or stat.S_ISSOCK(mode) or stat.S_ISBLK(mode):
        raise _not_a_file(dest)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable; where a folder cannot be opened or synced, it is left to the system."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: Path | str, binary: bool = False, overwrite: bool = True, streams: bool = True) -> Iterator[IO]:
    """Write `path` whole or not at all (`private_tmp`, then `publish`; mode 0600): on any error (or
    Ctrl-C) it is left as it was. Without `overwrite`, an existing file or link is refused
    (WouldOverwrite) also when it appeared while writing. A stream (/dev/stdout, a FIFO, /dev/null) is
    written straight through, unless `streams` is False: then it is replaced like any file."""
    path = Path(path)
    text = {} if binary else {"encoding": "utf-8", "newline": ""}
    if streams and is_stream(path):
        with os.fdopen(_open_stream(path), "wb" if binary else "w", **text) as f:
            yield f
        return
    _refuse_kind(path)
    with private_tmp(path) as tmp:
        with open(tmp, "wb" if binary else "w", **text) as f:
            yield f
        publish(tmp, path, overwrite, streams=False)


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
    """Refuse to write over an existing file or a link (a dangling one too) unless `force`; refuse a
    folder, a socket or a block device always. A stream (`is_stream`) is written into, not over."""
    if is_stream(path):
        return
    _refuse_kind(path)
    if not force and os.path.lexists(path):
        from huidesk.domain.errors import WouldOverwrite

        raise WouldOverwrite(path)


def dated_name(folder: Path, stem: str, suffix: str, when: "dt.datetime") -> Path:
    """A file name in `folder` for something made at `when` (local time), never one that exists:
    ledger-20240708-0930.db, then ledger-20240708-0930-2.db..."""
    base = f"{stem}-{when:%Y%m%d-%H%M}"
    path, n = folder / f"{base}{suffix}", 1
    while os.path.lexists(path):  # a dangling link is taken too
        n += 1
        path = folder / f"{base}-{n}{suffix}"
    return path
