"""The journal's hash chain: canonical record content, digests and entry hashes.

An entry's hash is the SHA-256 of a header line (its id, time, actor, command and the previous
entry's hash, as canonical JSON) followed by one line per record it wrote
(table, id, operation, digest of the record's canonical content). Records are hashed as they are
written, so a write of a million rows never holds them all in memory.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from functools import cache

GENESIS = "0" * 64


# One encoder for every call: json.dumps would build a new one each time (a journal of millions of rows).
canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def digest(table: str, row: Mapping[str, object]) -> str:
    """SHA-256 of a record's canonical content; NULL columns are left out, so adding a
    nullable column in a migration leaves every existing digest valid."""
    content = {k: v for k, v in row.items() if v is not None}
    return content_digest(table, content)


def content_digest(table: str, content: Mapping[str, object]) -> str:
    """`digest` of a record whose NULL columns are already left out."""
    return hashlib.sha256(f"{table}\n{canonical(content)}".encode()).hexdigest()


@cache
def link_digester(table: str, parent: str, child: str) -> Callable[[int, int, int], str]:
    """`content_digest` of a link row {"id": id, parent: parent_id, child: child_id} of three ints,
    formatted without a dict and the JSON encoder per row: the same bytes (keys sorted, ints as digits)."""
    position = {"id": 0, parent: 1, child: 2}
    template = table + "\n{{" + ",".join(f'"{k}":{{{position[k]}}}' for k in sorted(position)) + "}}"

    def link_digest(rid: int, parent_id: int, child_id: int) -> str:
        return hashlib.sha256(template.format(rid, parent_id, child_id).encode()).hexdigest()

    return link_digest


class EntryHash:
    """Builds one entry's hash incrementally, in the order its records were written."""

    def __init__(self, entry_id: int, at: str, actor: str, command: str, prev: str) -> None:
        header = {"id": entry_id, "at": at, "actor": actor, "command": command, "prev": prev}
        self._h = hashlib.sha256(canonical(header).encode())

    def add(self, table: str, rid: int, op: str, record_digest: str) -> None:
        self._h.update(f"\n{table}\t{rid}\t{op}\t{record_digest}".encode())

    def hexdigest(self) -> str:
        return self._h.hexdigest()
