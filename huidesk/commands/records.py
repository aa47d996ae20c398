"""What the work-record commands (visit, activity, wish, card, pair) share: the masking of residents'
names in listings."""

from collections.abc import Iterable, Iterator


def masked_rows(rows: Iterable, with_pii: bool, key: str = "resident") -> Iterator[dict]:
    """Rows with the resident's name in `key` masked unless --with-pii."""
    for r in rows:
        row = dict(r)
        row[key] = masked(row[key], with_pii)
        yield row


def masked(name: str | None, with_pii: bool) -> str | None:
    """A resident's name as a listing may show it: 丁*志 unless --with-pii."""
    from huidesk.domain.privacy import shown

    return shown("resident", "name", name, with_pii)
