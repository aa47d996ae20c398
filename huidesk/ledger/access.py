"""The keys Open311 clients post service requests with (`huidesk key add NAME`), in `_api_keys`.

A key is 32 random bytes, shown once when it is made and never kept: the ledger keeps its SHA-256 (a key
carries 256 bits of chance, so a plain hash is as good as a slow one, and a lookup is one indexed read),
the first characters to tell keys apart in a listing, when it was made and when it was revoked. Making
and revoking a key are writes like any other: one journal entry each, which `check` verifies.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from huidesk.domain.errors import InvalidTransition, InvalidValue, NotFound
from huidesk.domain.i18n import tr

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.ledger.tx import Tx

PREFIX = "hk_"  # what every key starts with, so one pasted in the wrong place is recognised
_SHOWN = 8  # the key's characters a listing shows after the prefix


def digest(key: str) -> str:
    """The SHA-256 of a key, as the ledger keeps it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 50 or not name.isprintable():
        raise InvalidValue("NAME", name, tr("1 到 50 个可显示的字符", "1 to 50 printable characters"))
    return name


def add(store: "Store", tx: "Tx", name: str) -> str:
    """A new key for `name` (a client: 12345平台, 街道网格系统); returns the key, which is shown once."""
    name = _name(name)
    if store.read.one("SELECT 1 FROM _api_keys WHERE name = ? AND revoked_at IS NULL", (name,)):
        raise InvalidValue("NAME", name, tr("已有同名的有效密钥（先 key revoke）",
                                            "a live key has this name (key revoke it first)"))
    key = PREFIX + secrets.token_urlsafe(32)
    tx.insert("_api_keys", {"name": name, "hash": digest(key), "prefix": key[:len(PREFIX) + _SHOWN],
                            "made_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    return key


def listed(store: "Store") -> list[dict]:
    """Every key, live and revoked, oldest first: name, its first characters, made, revoked."""
    rows = store.read.all("SELECT id, name, prefix, made_at, revoked_at FROM _api_keys ORDER BY id")
    return [dict(row) for row in rows]


def revoke(store: "Store", tx: "Tx", name: str) -> int:
    """Revoke the live key of `name` (or of the key whose first characters are `name`); returns its id."""
    ref = name.strip()
    rows = store.read.all("SELECT id FROM _api_keys WHERE revoked_at IS NULL AND (name = ? OR prefix = ?)",
                          (ref, ref))
    if not rows:
        if store.read.one("SELECT 1 FROM _api_keys WHERE name = ? OR prefix = ?", (ref, ref)):
            raise InvalidTransition(tr(f"密钥 {ref} 已吊销", f"key {ref} is already revoked"))
        raise NotFound(tr("密钥", "key"), ref, field="NAME")
    kid = rows[0]["id"]
    tx.update("_api_keys", kid, {"revoked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    return kid


def holder(store: "Store", key: str | None) -> str | None:
    """The name of the live key `key` is, or None (no key, a wrong one, a revoked one)."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    wanted = digest(key)
    row = store.read.one("SELECT name, hash FROM _api_keys WHERE hash = ? AND revoked_at IS NULL", (wanted,))
    if row is None or not hmac.compare_digest(row["hash"], wanted):
        return None
    return row["name"]
