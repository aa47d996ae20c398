"""Counts as people type them: ASCII digits or a Chinese numeral (三, 十二, 二十, 一百零五, 两千, 1万)."""

_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def parse_count(text: str) -> int | None:
    """The whole number `text` names, or None when it names none (abc, 一二, -3, 1.5)."""
    s = text.strip()
    if s.isascii():
        return int(s) if s.isdigit() and len(s) <= 18 else None
    if s.endswith("万") and s[:-1].isascii():
        head = s[:-1]
        return int(head) * 10_000 if head.isdigit() and len(head) <= 12 else None
    total = section = 0
    digit: int | None = None
    last_unit = 10_000
    for ch in s:
        if ch in _DIGITS:
            if digit:  # two digits in a row (一二) name no number; 零 only fills a gap
                return None
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit:  # 十百, 五十十
                return None
            section += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif ch == "万" and total == 0 and (section or digit):
            total = (section + (digit or 0)) * 10_000
            section, digit, last_unit = 0, None, 10_000
        else:
            return None
    return total + section + (digit or 0)
