"""Help for a terminal: paragraphs, option lists and examples laid out by display width (a CJK character
is two cells), in the user's language. Pure text: the command line hands in what Click would print."""

import re

from huidesk.domain.i18n import tr
from huidesk.render.grid import display_width, wrap

RAW = "\b"  # Click's mark of a paragraph that is not rewrapped (examples)
EXAMPLE = re.compile(r"^(例：|Examples?:\s*)(?=huidesk\b)")
CONTINUED = " \\"  # a shell line continued on the next line

# Click's and Typer's own words, as the user's language says them.
_PHRASES = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Install completion for the current shell.": "为当前 shell 安装 TAB 补全。",
    "Show completion for the current shell, to copy it or customize the installation.":
        "显示当前 shell 的补全脚本，可复制或自行安装。",
    "Show the version and exit.": "显示版本并退出。",
}
_HEADINGS = {"Usage": "用法", "Options": "选项", "Arguments": "参数", "Commands": "命令"}
_USAGE = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}
_TYPES = {"<str>": "<文本>", "<int>": "<整数>", "<integer>": "<整数>", "<float>": "<数字>", "<path>": "<路径>",
          "<bool>": "<是否>", "<file>": "<文件>"}
_EXTRA = re.compile(r"  \[((?:env var|default|required)[^\]]*)\]$")
_TAIL = re.compile(r"  \[[^\[\]]*\]$")
_EXTRA_WORDS = (("env var: ", "环境变量："), ("default: ", "默认："), ("required", "必填"), ("(dynamic)", "（动态）"),
                ("; ", "；"))


def heading(name: str) -> str:
    """A section heading (Options, Arguments, Commands, Usage) with its colon."""
    return tr(f"{_HEADINGS.get(name, name)}：", f"{name}:")


def phrase(text: str) -> str:
    """One of Click's help texts in the user's language, with its [default: …] [env var: …] [required]."""
    if tr("zh", "en") == "en":
        return text
    match = _EXTRA.search(text)
    extra = ""
    if match:
        text, extra = text[: match.start()], match.group(1)
        for en, zh in _EXTRA_WORDS:
            extra = extra.replace(en, zh)
        extra = f"  [{extra}]"
    return _PHRASES.get(text, text) + extra


def term(text: str) -> str:
    """An option's name and metavar (-k, --kind <str>) or a usage line's pieces in the user's language."""
    if tr("zh", "en") == "en":
        return text
    for en, zh in (*_USAGE.items(), *_TYPES.items()):
        text = text.replace(en, zh)
    return text


def usage(prog: str, args: str, width: int, indent: int = 0) -> list[str]:
    """`用法：huidesk issue open [选项] ID`, the arguments wrapped under themselves."""
    prefix = " " * indent + tr("用法：", "Usage: ") + prog + " "
    room = width - display_width(prefix)
    if room < 20:
        return [prefix.rstrip(), *(" " * (indent + 4) + line for line in wrap(term(args), width - indent - 4, " "))]
    lines = wrap(term(args), room, " ")
    return [prefix + lines[0], *(" " * display_width(prefix) + line for line in lines[1:])]


def paragraphs(text: str, width: int, indent: int = 0) -> list[str]:
    """Help text as Click lays it out — paragraphs rewrapped, a paragraph opened by a line of \\b kept line
    by line — by display width. An example (例：huidesk … / Example: huidesk …) gets a line of its own
    under its label, and one too long for the terminal is broken between words with a trailing \\, so it
    can still be copied and run."""
    out: list[str] = []
    for block in _blocks(text):
        if out:
            out.append("")
        raw = block[0].strip() == RAW
        if raw:
            out.extend(_raw(block[1:], width, indent))
            continue
        lead = len(block[0]) - len(block[0].lstrip())
        joined = ""
        for line in block:
            line = line.strip()
            glue = "" if not joined or (not joined[-1].isascii() and not line[:1].isascii()) else " "
            joined += glue + line
        pad = " " * (indent + lead)
        out.extend(pad + line for line in wrap(joined, max(width - indent - lead, 10)))
    return out


def definitions(rows: list[tuple[str, str]], width: int, indent: int = 0, spacing: int = 2) -> list[str]:
    """Options or commands, each name with its help beside it (or under it when the name is long)."""
    if not rows:
        return []
    longest = max(display_width(first) for first, _ in rows)
    column = min(longest, 30, max((width - indent) // 3, 8)) + spacing
    room = max(width - indent - column, 10)
    out = []
    for first, second in rows:
        name = " " * indent + first
        extra = _TAIL.search(second)
        if extra:
            second = second[: extra.start()]
        lines = paragraphs(second, room) if second else []
        if extra:  # [必填] [默认：zh] stay whole: beside the help when they fit, else on a line of their own
            tail = extra.group(0).strip()
            if lines and display_width(lines[-1]) + 2 + display_width(tail) <= room:
                lines[-1] += "  " + tail
            else:
                lines.extend(wrap(tail, room, "；") if display_width(tail) > room else [tail])
        if not lines:
            out.append(name)
            continue
        if display_width(first) <= column - spacing:
            out.append(name + " " * (column - display_width(first)) + lines[0])
            lines = lines[1:]
        else:
            out.append(name)
        out.extend((" " * (indent + column) + line) if line else "" for line in lines)
    return out


def example(command: str, width: int, indent: int = 0) -> list[str]:
    """One shell command in lines of at most `width` cells: whole when it fits, else broken between
    its words (never inside quotes) with a trailing \\ and the rest indented."""
    pad = " " * indent
    if display_width(pad + command) <= width:
        return [pad + command]
    lines: list[str] = []
    line = pad
    more = " " * (indent + 4)
    for word in _words(command):
        candidate = line + (" " if line.strip() else "") + word
        if line.strip() and display_width(candidate) + len(CONTINUED) > width:
            lines.append(line + CONTINUED)
            line = more + word
        else:
            line = candidate
    return [*lines, line]


def _blocks(text: str) -> list[list[str]]:
    """Paragraphs: runs of lines between empty ones."""
    blocks: list[list[str]] = [[]]
    for line in text.expandtabs().splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _raw(lines: list[str], width: int, indent: int) -> list[str]:
    """A \\b paragraph: examples on lines of their own, other lines wrapped but not joined."""
    logical: list[str] = []
    for line in lines:
        if logical and logical[-1].endswith(CONTINUED):
            logical[-1] = logical[-1][: -len(CONTINUED)] + " " + line.strip()
        else:
            logical.append(line.rstrip())
    out: list[str] = []
    label_indent = None
    for line in logical:
        stripped = line.strip()
        lead = len(line) - len(line.lstrip())
        found = EXAMPLE.match(stripped)
        if found:
            label_indent = indent + lead
            out.append(" " * label_indent + found.group(1).strip())
            out.extend(example(stripped[found.end():], width, label_indent + 2))
        elif stripped.startswith("huidesk ") and label_indent is not None:
            out.extend(example(stripped, width, label_indent + 2))
        else:
            label_indent = None
            pad = " " * (indent + lead)
            out.extend(pad + part for part in wrap(stripped, max(width - indent - lead, 10)))
    return out


def _words(command: str) -> list[str]:
    """A command line's words as typed, quotes kept: `--at '7月7日 9:00'` is two words."""
    words, word, quote = [], "", ""
    for ch in command:
        if quote:
            word += ch
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            word += ch
            quote = ch
        elif ch == " ":
            if word:
                words.append(word)
            word = ""
        else:
            word += ch
    if word:
        words.append(word)
    return words


def examples(text: str) -> list[str]:
    """The example commands of a help text, each whole on one line (for tests and for checking a layout)."""
    found: list[str] = []
    for block in _blocks(text):
        if block[0].strip() != RAW:
            continue
        logical: list[str] = []
        for line in block[1:]:
            if logical and logical[-1].endswith(CONTINUED):
                logical[-1] = logical[-1][: -len(CONTINUED)] + " " + line.strip()
            else:
                logical.append(line.strip())
        for line in logical:
            match = EXAMPLE.match(line)
            if match or (found and line.startswith("huidesk ")):
                found.append(" ".join(_words(line[match.end():] if match else line)))
    return found
