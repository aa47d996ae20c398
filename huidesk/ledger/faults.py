"""SQLite's failures in the domain's words, so that no layer above the ledger needs sqlite3."""

import sqlite3
from pathlib import Path

from huidesk.domain.errors import HuideskError, LedgerError
from huidesk.domain.i18n import tr


class DamagedLedger(LedgerError):
    """The ledger file is damaged (truncated, overwritten): SQLite cannot read it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(tr(f"账本文件损坏：{path}（{reason}）", f"the ledger file is damaged: {path} ({reason})"))


def domain_error(e: BaseException) -> HuideskError | None:
    """The error a user should see for a database failure; None for anything else."""
    if isinstance(e, sqlite3.OperationalError):
        text = str(e)
        if "locked" in text or "busy" in text:
            return LedgerError(
                tr("账本正被另一个程序长时间占用，请稍后再试", "the ledger is busy in another program; try again")
            )
        if "full" in text:
            return LedgerError(tr(f"磁盘已满，未写入任何内容：{text}", f"disk full, nothing was written: {text}"))
        return LedgerError(tr(f"账本出错，未写入任何内容：{text}", f"ledger error, nothing was written: {text}"))
    if isinstance(e, sqlite3.DatabaseError):
        return LedgerError(tr(f"账本出错，未写入任何内容：{e}", f"ledger error, nothing was written: {e}"))
    return None
