"""Text from outside never reaches a terminal as control sequences: the one rule every way out applies.

A ledger's text comes from people and files huidesk does not control: a bundle's source name, records
merged from another community, the recorder's name given with --by. Written raw, an ESC sequence
clears the screen or retitles the window, a CR or a line break forges a line (`\\r\\n伪造行`), and a
bidi override (U+202E) shows a text backwards. Commands refuse these characters where people type
and import, so a ledger's own records never hold them; whatever still carries one is shown with a
visible escape (`\\x1b`, `\\r`, `\\u202e`), never acted on:

- tables (huidesk.render.grid), messages and errors (stderr), report text (`screen_lines`): `visible`,
  each a single line;
- csv and tsv, to a terminal, a pipe or a file alike: `visible_row` — the cells as `visible` shows them,
  the tab between tsv cells and the line break that ends a row kept;
- json and jsonl: `json_escaped`, the same characters as JSON's own \\uXXXX escapes, so a program reads
  exactly the text the ledger holds.
"""

import re

# C0 controls (tab, CR and LF included), DEL and C1; Arabic letter mark; zero-width space, LRM and RLM;
# line and paragraph separators, bidi embeddings and overrides (U+202A-202E); word joiner and invisible
# operators, bidi isolates (U+2066-2069); the byte-order mark; interlinear annotation marks; lone
# surrogates (how Python carries the undecodable bytes of an argument), which no terminal can be sent.
_OTHER = ("\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
          "\ud800-\udfff")
UNSAFE = re.compile(f"[\x00-\x1f{_OTHER}]")
_IN_ROW = re.compile(f"[\x00-\x08\x0a-\x1f{_OTHER}]")  # all but the tab between tsv cells
_IN_JSON = re.compile(f"[{_OTHER}]")  # json.dumps escapes C0 itself; a line break outside strings is layout
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    ch = match[0]
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """`text` on one line of a terminal: every control, bidi and invisible format character (tab, CR and
    line break too) written as a visible escape; other text, Chinese included, as it is."""
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(_escape, text)


def visible_row(line: str) -> str:
    """A csv or tsv row as written (cells, separators, the final line break): a cell's unsafe characters
    made visible as `visible` makes them, the tabs that separate tsv cells and the row's end kept."""
    if UNSAFE.search(line) is None:
        return line
    end = "\n" if line.endswith("\n") else ""
    body = line[: len(line) - len(end)]
    return _IN_ROW.sub(_escape, body) + end


def _json_escape(match: re.Match) -> str:
    return f"\\u{ord(match[0]):04x}"  # every unsafe character is in the BMP: one escape each


def json_escaped(text: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False) with the unsafe characters it leaves raw — C1,
    bidi and format characters; C0 it escapes itself — written as \\uXXXX escapes: the same JSON
    value, safe on a terminal. The characters occur only inside strings, where the escape is valid."""
    if _IN_JSON.search(text) is None:
        return text
    return _IN_JSON.sub(_json_escape, text)
