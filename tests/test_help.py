"""Help and usage errors as the secretary sees them: every help screen fits the terminal by display width
(a CJK character is two cells) at 80 and 60 columns, speaks one language — Click's and Typer's own words
too — and keeps each example whole; a usage error is one line in the user's language, exit 2."""

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from functools import cache
from pathlib import Path

import pytest
from conftest import run
from test_cli import SCRIPT

from huidesk.render.grid import display_width

WIDTHS = (80, 60)
# Click's and Typer's English, which must not show in Chinese help.
ENGLISH = ("Usage:", "Options:", "Arguments:", "Commands:", "Show this message", "Install completion",
           "Show completion", "[required]", "default:", "env var:", "[OPTIONS]", "COMMAND [ARGS]", "<str>", "<int>",
           "<path>", "Example:")
# Their Chinese, which must not show in English help.
CHINESE = ("用法：", "选项：", "参数：", "命令：", "显示本帮助", "补全", "[必填]", "默认：", "环境变量", "[选项]",
           "<文本>", "<整数>", "<路径>", "例：")

# Walk every registered command and group in a fresh process (the help texts are built in the language
# the process starts with), render each one's help with the terminal width forced as Click's test runner
# forces it (formatting.FORCED_WIDTH, which the runner itself sets to 80), and hand back the screens and
# the examples of each text. test_help_fits_a_real_terminal covers a real pty.
WALK = """
import contextlib, json, sys
sys.path.insert(0, {tests!r})
from typer._click import formatting
from typer.testing import CliRunner as Runner
from huidesk.cli import app
from huidesk.render.help import examples
from test_cli import _commands

leaves = list(_commands(app))
paths = {{(): ""}}
for path, command in leaves:
    for k in range(1, len(path)):
        paths.setdefault(path[:k], "")
    paths[path] = command.help or ""


class CliRunner(Runner):
    width = 80

    @contextlib.contextmanager
    def isolation(self, *args, **kwargs):
        with super().isolation(*args, **kwargs) as streams:
            formatting.FORCED_WIDTH = self.width
            yield streams


out = []
for path, text in paths.items():
    for width in {widths!r}:
        runner = CliRunner()
        runner.width = width
        result = runner.invoke(app, [*path, "--help"])
        out.append({{"path": list(path), "width": width, "code": result.exit_code, "screen": result.stdout,
                    "examples": examples(text)}})
print(json.dumps(out))
"""


@cache
def _screens(lang: str) -> list[dict]:
    env = {**os.environ, "HUIDESK_LANG": lang}
    code = WALK.format(tests=str(Path(__file__).parent), widths=WIDTHS)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(result.stdout)


def _logical(screen: str) -> set[str]:
    """The screen's lines with shell continuations (a trailing \\) joined, each stripped."""
    lines, joined = [], ""
    for line in screen.splitlines():
        if line.endswith(" \\"):
            joined += line[:-2].strip() + " "
            continue
        lines.append(" ".join((joined + line.strip()).split()))
        joined = ""
    return set(lines)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_help_fits_the_terminal_by_display_width(lang):
    screens = _screens(lang)
    assert len(screens) >= 2 * 60
    for s in screens:
        assert s["code"] == 0, s["path"]
        wide = [line for line in s["screen"].splitlines() if display_width(line) > s["width"]]
        assert not wide, (s["path"], s["width"], wide)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_help_speaks_one_language(lang):
    foreign = ENGLISH if lang == "zh" else CHINESE
    for s in _screens(lang):
        said = [phrase for phrase in foreign if phrase in s["screen"]]
        assert not said, (s["path"], s["width"], said)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_stays_whole_and_can_be_copied(lang):
    checked = 0
    for s in _screens(lang):
        shown = _logical(s["screen"])
        for example in s["examples"]:
            assert example in shown, (s["path"], s["width"], example, s["screen"])
            checked += 1
    assert checked >= 2 * 60


@pytest.mark.parametrize("lang, words", [
    ("zh", ["意见建议、民生问题、安全隐患", "巡查、走访、热线"]),
    ("en", ["suggestion, livelihood, safety_hazard", "patrol, visit, hotline"]),
])
def test_vocabulary_options_list_their_words_in_either_language(lang, words):
    screen = next(s["screen"] for s in _screens(lang) if s["path"] == ["issue", "open"] and s["width"] == 80)
    flat = "".join(line.strip() for line in screen.splitlines())
    assert all(w.replace(" ", "") in flat.replace(" ", "") for w in words), screen


def _on_a_pty(args: list[str], columns: int) -> str:
    """What the installed script prints on a real terminal `columns` wide (COLUMNS unset)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([str(SCRIPT), *args], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(master)
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed in this environment")
@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("args", [["--help"], ["issue", "open", "--help"], ["--lang", "en", "activity", "add", "-h"]])
def test_help_fits_a_real_terminal(args, columns):
    screen = _on_a_pty(args, columns)
    assert "--help" in screen or "-h" in screen
    assert max(display_width(line) for line in screen.splitlines()) <= columns, screen


# Bad invocations: (arguments, what the one line must name). Each is also run under --lang en.
BAD = [
    (["activity", "add", "--volunteers", "x"], ["--volunteers", "x"]),
    (["log", "--limit", "abc"], ["--limit", "abc"]),
    (["log", "--limit", "0"], ["--limit", "0"]),
    (["issue", "close", "-1"], ["-1"]),
    (["issue", "open", "漏水"], ["--kind"]),
    (["issue", "show"], ["ID"]),
    (["member", "list", "--format", "xml"], ["--format", "xml", "table", "csv"]),
    (["--lang", "fr", "log"], ["--lang", "fr", "zh", "en"]),
    (["vist"], ["vist", "visit"]),
    (["log", "--limit"], ["--limit"]),
    (["wish", "claim", "abc", "--member", "x"], ["ID", "abc"]),
    (["init", "extra"], ["extra"]),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("args, named", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_a_usage_error_is_one_line_in_the_users_language(args, named, lang, monkeypatch):
    if lang == "en" and args[0] == "--lang":
        monkeypatch.setenv("HUIDESK_LANG", "en")  # the language the user set, as --lang itself is wrong
    elif lang == "en":
        args = ["--lang", "en", *args]
    result = run(*args)
    assert result.exit_code == 2, (args, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("错误：" if lang == "zh" else "error: "), line
    assert all(word in line for word in named), (line, named)
    if lang == "zh":
        foreign = ("Usage", "Try ", "Error", "Invalid", "Missing", "No such", "is not")
    else:
        foreign = ("错误", "需要", "没有")
    assert not [w for w in foreign if w in line], line


def test_counts_may_be_chinese_numerals(db):
    from conftest import ok

    ok("place", "add", "平伏桥村")
    ok("member", "add", "王凤琴")
    ok("team", "add", "橙色公益", "--place", "平伏桥村")
    out = ok("activity", "add", "--theme", "爱心理发", "--team", "橙色公益", "--volunteers", "三", "--served", "二十")
    listed = json.loads(ok("activity", "list", "--format", "json").stdout)
    assert out.stdout.strip() and (listed[0]["volunteers"], listed[0]["served"]) == (3, 20)
    assert ok("log", "--limit", "十二", "--format", "json").stdout.startswith("[")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed in this environment")
def test_the_installed_script_says_a_usage_error_in_one_line(tmp_path):
    env = {**os.environ, "HUIDESK_DB": str(tmp_path / "x.db")}
    result = subprocess.run([str(SCRIPT), "issue", "close", "-1"], capture_output=True, text=True, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "错误：没有选项 -1\n")


def test_display_width_agrees_with_rich():
    """grid measures common Chinese text itself (so help need not load rich's tables): the same as rich."""
    from rich.cells import cell_len

    for start, end in ((0xA0, 0x2FF), (0x2010, 0x2027), (0x2190, 0x21FF), (0x2500, 0x25FC), (0x3000, 0x303F),
                       (0x4E00, 0x9FFF), (0xFF01, 0xFF60)):
        for code in range(start, end + 1):
            assert display_width(chr(code)) == cell_len(chr(code)), hex(code)
    for text in ("惠民服务台：“橙色公益”→ 办结…", "a\u0301b", "表情😀", "\u200b零宽", "┃━╇│ 金东豪庭"):
        assert display_width(text) == cell_len(text), text
