"""The command line as a whole: help texts, start-up imports, the installed script, the wheel."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ok, run

from huidesk.cli import app

SCRIPT = Path(sysconfig.get_path("scripts")) / "huidesk"
HEAVY = ("pydantic", "sqlite_utils", "dateutil", "rich.table", "openpyxl", "huidesk.ledger.store",
         "huidesk.domain.models")


def _commands(group, path=()):
    import typer.main

    command = typer.main.get_command(group) if not path else group
    for name, sub in command.commands.items():
        if hasattr(sub, "commands"):
            yield from _commands(sub, (*path, name))
        else:
            yield (*path, name), sub


def test_every_command_has_help_with_an_example():
    commands = list(_commands(app))
    assert len(commands) >= 20
    for path, command in commands:
        assert command.help and ("例" in command.help or "Example" in command.help), path


def test_version():
    from huidesk import __version__

    assert ok("--version").stdout == f"huidesk {__version__}\n"


def _imported_at_startup(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "huidesk", *args], capture_output=True, text=True, check=True
    )
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_help_does_not_import_heavy_modules():
    modules = _imported_at_startup("--help")
    assert "huidesk.cli" in modules
    assert not [m for m in HEAVY if m in modules]
    for args in (("member", "--help"), ("resident", "add", "--help")):
        modules = _imported_at_startup(*args)
        assert not [m for m in HEAVY if m in modules], args


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed in this environment")
@pytest.mark.parametrize("words, expected", [
    ("huidesk vi", ["visit"]),
    ("huidesk issue open --kind 民", ["民生问题"]),
    ("huidesk issue callback 3 --satisfaction ",
     ["满意", "satisfied", "基本满意", "basically", "不满意", "unsatisfied"]),
    ("huidesk activity add --theme 爱", ["爱心理发", "爱老助老"]),
])
def test_tab_completes_commands_and_vocabulary(words, expected):
    """bash's TAB runs the program with the words typed so far; vocabulary options complete to their
    Chinese names and slugs."""
    env = {**os.environ, "_HUIDESK_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    result = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.split() == expected, result


@pytest.mark.skipif(not (Path(sysconfig.get_path("scripts")) / "ruff").exists(),
                    reason="ruff is not installed (pip install .[test])")
def test_lint_is_clean():
    """Heavy libraries are imported where they are used (Ruff's TID253, configured in
    pyproject.toml), plus unused names, import order and lines within the project's 120 columns."""
    root = Path(__file__).parent.parent
    result = subprocess.run([str(Path(sysconfig.get_path("scripts")) / "ruff"), "check", "huidesk", "tests", "bench"],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_reading_does_not_import_pydantic(tmp_path):
    """pydantic validates what is written; a listing or a summary never needs it (Typer 0.29 would
    import it for every option: pyproject.toml keeps Typer below 0.29)."""
    db = str(tmp_path / "l.db")
    ok("--db", db, "init")
    for args in (("visit", "list", "--since", "7月1日", "--format", "json"), ("summary", "--format", "json")):
        modules = _imported_at_startup("--db", db, *args)
        assert "huidesk.ledger.store" in modules and "pydantic" not in modules, args


@pytest.mark.skipif(not SCRIPT.exists(), reason="the console script is not installed in this environment")
def test_installed_script_in_a_pipeline(tmp_path):
    env = {**os.environ, "HUIDESK_DB": str(tmp_path / "l.db"), "HUIDESK_TODAY": "2024-07-08"}

    def sh(*args):
        return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env)

    assert sh("init").returncode == 0
    assert sh("place", "add", "银川市/金凤区/黄河东路街道/金地花园/D区3号楼").stdout == "5\n"
    listing = sh("place", "list")  # stdout is a pipe: tsv with a header, in the user's language
    assert listing.stdout.splitlines()[0] == "编号\t地点\t层级\t服务队\t居民"
    assert [line.split("\t")[2] for line in listing.stdout.splitlines()[1:]] == ["市", "区", "街道", "小区", "楼栋"]
    assert len(listing.stdout.splitlines()) == 6
    data = json.loads(sh("place", "list", "--format", "json").stdout)
    assert data[-1]["path"].endswith("D区3号楼")
    if shutil.which("jq"):
        jq = subprocess.run(["jq", "-r", ".[].level"], input=sh("place", "list", "-f", "json").stdout,
                            capture_output=True, text=True)
        assert jq.stdout.split() == ["city", "district", "street", "compound", "building"]
    bad = sh("place", "add", "x", "--level", "省")
    assert bad.returncode == 1 and len(bad.stderr.splitlines()) == 1 and "Traceback" not in bad.stderr
    head = subprocess.run(f"'{SCRIPT}' log --format jsonl | head -n 1", shell=True, capture_output=True, text=True,
                          env=env)
    assert head.returncode == 0 and json.loads(head.stdout)["command"] == "place add" and head.stderr == ""


def test_a_pipe_gets_the_users_language_and_json_gets_slugs(tmp_path):
    """`visit list | cat`: tsv for people, headers and words in --lang (独居 not living_alone, 否 not False);
    json for programs: keys, slugs and booleans."""
    env = {**os.environ, "HUIDESK_DB": str(tmp_path / "l.db"), "HUIDESK_TODAY": "2024-07-08"}
    env.pop("HUIDESK_LANG", None)

    def sh(*args):
        result = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def piped(command: str) -> list[list[str]]:
        result = subprocess.run(f"'{SCRIPT}' {command} | cat", shell=True, capture_output=True, text=True, env=env)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        return [line.split("\t") for line in result.stdout.splitlines()]

    sh("init")
    sh("place", "add", "银川市/金凤区/满城北街街道/平伏桥村/48号楼")
    sh("member", "add", "王凤琴", "--role", "党员")
    sh("team", "add", "“橙色公益”志愿服务队", "--place", "平伏桥村", "--leader", "王凤琴")
    sh("resident", "add", "丁学志", "--place", "48号楼", "--tag", "独居", "--tag", "高龄")
    sh("visit", "add", "丁学志", "--team", "橙色公益", "--member", "王凤琴", "--date", "2024-07-07", "--gift", "米")
    sh("activity", "add", "--theme", "政策宣传", "--team", "橙色公益", "--date", "2024-07-06")

    assert piped("visit list") == [
        ["编号", "日期", "服务队", "走访对象", "队员", "事由", "慰问品", "需跟进", "每人时长"],
        ["1", "2024-07-07", "“橙色公益”志愿服务队", "丁*志", "王凤琴", "", "米", "否", ""]]
    assert piped("--lang en visit list") == [
        ["id", "date", "team", "residents", "members", "purpose", "gifts", "follow-up", "hours each"],
        ["1", "2024-07-07", "“橙色公益”志愿服务队", "丁*志", "王凤琴", "", "米", "no", ""]]
    # visit list has no vocabulary column: its residents' tags, and an activity's theme, are words too
    assert [row[3] for row in piped("resident list")] == ["标签", "独居、高龄"]
    assert [row[3] for row in piped("--lang en resident list")] == ["tags", "living alone、advanced age"]
    assert [row[3] for row in piped("activity list")] == ["主题", "政策宣传"]
    assert [row[3] for row in piped("--lang en activity list")] == ["theme", "policy outreach"]
    everything = "".join(sh(*cmd, "list") for cmd in (["visit"], ["resident"], ["activity"]))
    words = set(everything.replace("、", "\t").split())
    assert not {"living_alone", "policy_outreach", "False", "false", "True"} & words

    for lang in ("zh", "en"):  # json is the same in either language
        visits = json.loads(sh("--lang", lang, "visit", "list", "--format", "json"))
        assert visits == [{"id": 1, "date": "2024-07-07", "team": "“橙色公益”志愿服务队", "residents": ["丁*志"],
                           "members": ["王凤琴"], "purpose": None, "gifts": "米", "follow_up": False,
                           "hours_each": None}]
        assert json.loads(sh("--lang", lang, "resident", "list", "--format", "json"))[0]["tags"] == (
            "living_alone,advanced_age")
        assert json.loads(sh("--lang", lang, "activity", "list", "--format", "json"))[0]["theme"] == "policy_outreach"


def test_wheel_ships_the_schema(tmp_path):
    """Build the wheel, install it (not editable) into a fresh venv and run `huidesk init` there."""
    root = Path(__file__).resolve().parent.parent
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(root)],
                   check=True, capture_output=True)
    wheel = next(wheels.glob("huidesk-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    # The dependencies come from this environment; huidesk itself only from the wheel.
    deps = sysconfig.get_path("purelib")
    (site / "deps.pth").write_text(deps + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    python = venv / "bin" / "python"
    where = subprocess.run([str(python), "-c", "import huidesk; print(huidesk.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert where.startswith(str(site))
    db = tmp_path / "w.db"
    result = subprocess.run([str(python), "-m", "huidesk", "--db", str(db), "init"], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    check = subprocess.run([str(python), "-m", "huidesk", "--db", str(db), "check"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert check.returncode == 0 and "账本完好" in check.stdout


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_static_listing_matches_each_command(lang):
    """`huidesk --help` lists commands from a static table, without importing them: it must say what
    each command says of itself."""
    code = (
        "import json, huidesk.cli as c\n"
        "out = {}\n"
        "for name in c.COMMANDS:\n"
        "    cmd = c.load_command(name)\n"
        "    first = (cmd.help or '').split('\\n\\n')[0]\n"
        "    listed = c.SHORT_HELP.get(name) or c.LISTED.get(name)\n"
        "    out[name] = [cmd.short_help or first, listed and listed[0 if c.tr('zh', 'en') == 'zh' else 1]]\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "HUIDESK_LANG": lang}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    pairs = json.loads(result.stdout)
    assert pairs and (
        {name: own for name, (own, _) in pairs.items()} == {name: listed for name, (_, listed) in pairs.items()}
    )


def test_help_lists_every_command_without_loading_any():
    import typer.main

    from huidesk.cli import COMMANDS

    group = typer.main.get_command(app)
    assert list(group.list_commands(None)) == list(COMMANDS)
    assert not group.commands.loaded
    result = ok("--help")
    listed = [line.split()[0] for line in result.stdout.split("命令：")[1].splitlines() if line[2:3].strip()]
    assert listed == list(COMMANDS)
    modules = _imported_at_startup("--help")
    assert not [m for m in modules if m.startswith("huidesk.commands.")]


def test_quiet_keeps_data_and_errors_and_drops_success_messages(db):
    """-q is for cron: a mail only when something went wrong."""
    loud = ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    assert loud.stderr  # 已添加地点 …
    quiet = ok("-q", "place", "add", "平伏桥村/48号楼")
    assert quiet.stderr == "" and quiet.stdout.strip()  # the new id is data
    assert ok("-q", "place", "list", "--format", "tsv").stdout.count("\n") == 6
    refused = run("-q", "team", "add", "X", "--place", "不存在")
    assert refused.exit_code == 1 and "不存在" in refused.stderr


def test_log_shows_times_in_the_ledgers_zone_not_utc(db):
    import datetime as dt
    import zoneinfo

    entry = ok("log", "--format", "json").stdout
    import json

    at = dt.datetime.fromisoformat(json.loads(entry)[0]["at"])
    shown = at.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert shown in ok("log", "--format", "table").stdout
    assert at.utcoffset() == dt.timedelta(0) or "+08:00" in entry  # json keeps ISO with its offset
    # people read a log in a sheet too: csv and tsv write the same local time as the table
    assert ok("log", "--format", "tsv").stdout.splitlines()[1].split("\t")[1] == shown
    assert ok("--lang", "en", "log", "--format", "csv").stdout.splitlines()[1].split(",")[1] == shown
