"""The journal's hash chain: canonical record content, digests and entry hashes.

An entry's hash is the SHA-256 of a header line (its id, time, actor, command and the previous
entry's hash, as canonical JSON) followed by one line per record it wrote
(table, id, operation, digest of the record's canonical content). Records are hashed as they are
written, so a write of a million rows never holds them all in memory.
"""

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from functools import cache
from json.encoder import encode_basestring

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
def fixed_digester(table: str, columns: tuple[str, ...], words: frozenset[str] = frozenset()) -> Callable[..., str]:
    """`content_digest` of rows of these columns (given in this order), each an int or, for a column
    in `words`, a plain word (letters, digits and _, which JSON writes as it is): the same bytes,
    formatted without a dict and the JSON encoder per row — an import or a merge of a million
    records writes millions of link and provenance rows. No value may be None."""
    position = {c: i for i, c in enumerate(columns)}
    fields = ",".join(f'"{c}":' + (f'"{{{position[c]}}}"' if c in words else f"{{{position[c]}}}")
                      for c in sorted(columns))
    template = table + "\n{{" + fields + "}}"

    def fixed_digest(*values: object) -> str:
        return hashlib.sha256(template.format(*values).encode()).hexdigest()

    return fixed_digest


def row_digester(table: str, names: list[str]) -> Callable[[tuple], str]:
    """`digest` of a row of `table` given as a tuple in `names` order, the same bytes as the journal's
    canonical JSON of its non-NULL columns (keys sorted, no spaces, text as is), formatted from a
    template of the table's sorted keys instead of a dict and the JSON encoder for each row; a link
    row of three integers (visit_residents, visit_members) through `fixed_digester`. A
    value of another type (none in huidesk's STRICT tables) goes the general way."""
    generic = functools.partial(content_digest, table)
    order = sorted(range(len(names)), key=lambda i: names[i])
    keys = [(canonical(names[i]) + ":", i) for i in order]
    text = encode_basestring
    head = f"{table}\n{{"

    def record(row: tuple) -> str:
        parts = []
        for key, i in keys:
            value = row[i]
            kind = type(value)
            if kind is str:
                parts.append(key + text(value))
            elif kind is int:
                parts.append(key + str(value))
            elif value is not None:
                return generic({k: v for k, v in zip(names, row, strict=True) if v is not None})
        return hashlib.sha256((head + ",".join(parts) + "}").encode()).hexdigest()

    if len(names) == 3 and names[0] == "id":
        link = fixed_digester(table, ("id", names[1], names[2]))

        def link_row(row: tuple) -> str:
            if type(row[1]) is int and type(row[2]) is int:
                return link(*row)
            return record(row)

        return link_row
    return record


class EntryHash:
    """Builds one entry's hash incrementally, in the order its records were written."""

    def __init__(self, entry_id: int, at: str, actor: str, command: str, prev: str) -> None:
        header = {"id": entry_id, "at": at, "actor": actor, "command": command, "prev": prev}
        self._h = hashlib.sha256(canonical(header).encode())

    def add(self, table: str, rid: int, op: str, record_digest: str) -> None:
        self._h.update(f"\n{table}\t{rid}\t{op}\t{record_digest}".encode())

    def hexdigest(self) -> str:
        return self._h.hexdigest()
