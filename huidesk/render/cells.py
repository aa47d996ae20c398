"""Cell safety: what every sheet and delimited text we write does to a cell, so that Excel, WPS and
LibreOffice show text as text (OWASP's advice on CSV injection) and numbers stay numbers."""

from decimal import Decimal

JOIN = "、"  # how a list is written into one csv/tsv/xlsx cell
FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting with one of these


def defuse(text: str) -> str:
    """A cell a spreadsheet would run as a formula, made plain text with a leading quote."""
    return "'" + text if text.startswith(FORMULA) else text


def undefuse(text: str) -> str:
    """A defused cell's text as it was before `defuse`."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA) else text


def sheet_cell(value: object) -> object:
    """A value as a delimited-text cell: blank for none, true/false, numbers as they are (-3 is not
    a formula), lists joined, text defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, list):
        value = JOIN.join(str(x) for x in value)
    return defuse(str(value))
