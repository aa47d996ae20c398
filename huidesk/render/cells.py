"""Cell safety: what every sheet and delimited text we write does to a cell, so that Excel, WPS and
LibreOffice show text as text (OWASP's advice on CSV injection) and numbers stay numbers."""

JOIN = "、"  # how a list is written into one csv/tsv/xlsx cell
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting with one of these


def defuse(text: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading quote (and a cell
    that already looks defused gets one more, so that `undefuse` gives back exactly what it was)."""
    return "'" + text if text.startswith(FORMULA) or (text.startswith("'") and text[1:].startswith(FORMULA)) else text


def undefuse(text: str) -> str:
    """A defused cell's text as it was before `defuse`."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA) else text
