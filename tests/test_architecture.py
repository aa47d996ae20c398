"""The layers of docs/architecture.md, checked: import-linter's contracts (pyproject.toml), no connection or SQL
outside the ledger, packages that say what they hold, modules of a readable size."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "huidesk"
PACKAGES = ("commands", "domain", "ledger", "reports", "render", "exchange")


def modules(*, outside: str | None = None) -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    return [f for f in files if outside is None or f.relative_to(PACKAGE).parts[0] != outside]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = [line for line in result.stdout.splitlines() if line.rstrip().endswith("KEPT")]
    assert len(kept) >= 4, result.stdout


def connection_uses(path: Path) -> list[str]:
    """Where a module touches a connection: `.conn`, `.execute*(`, `.cursor(` or `sqlite3`."""
    found = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("conn", "execute", "executemany", "executescript",
                                                              "cursor"):
            found.append(f"{where}:{node.lineno} .{node.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{where}:{node.lineno} import {n}" for n in names
                      if n.split(".")[0] in ("sqlite3", "sqlite_utils")]
    return found


def test_only_the_ledger_touches_a_connection():
    uses = [use for path in modules(outside="ledger") for use in connection_uses(path)]
    assert uses == []


# The store's own modules: the connection is theirs (huidesk/ledger/table.py says what the others get).
STORE_CORE = ("store.py", "table.py", "tx.py", "connect.py")


def test_inside_the_ledger_only_the_store_reaches_its_connection():
    """The other ledger modules read through `store.read` and the tables, and write through `store.write`:
    none names the store's connection (`_conn`; a Store has no `conn`)."""
    reached = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((PACKAGE / "ledger").glob("*.py")) if path.name not in STORE_CORE
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and (node.attr == "_conn" or node.attr == "conn"
                                                and "store" in ast.unparse(node.value).lower())
    ]
    assert reached == []


def test_the_read_helper_refuses_a_write(db):
    from conftest import ok

    from huidesk.ledger.store import Store

    ok("init")
    store = Store.open(db, "tester")
    try:
        before = store.read.value("SELECT count(*) FROM _settings")
        assert before and store.read.value("PRAGMA foreign_keys") == 1
        for sql in ("DELETE FROM _settings", " insert into units (name) values ('x')", "PRAGMA foreign_keys = OFF",
                    "DROP TABLE places"):
            with pytest.raises(ValueError, match="not a read"):
                store.read.all(sql)
        assert store.read.value("SELECT count(*) FROM _settings") == before
        assert store.read.value("PRAGMA foreign_keys") == 1
    finally:
        store.close()


def test_the_connection_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlite3\n\n\ndef f(store):\n    return store.conn.execute('SELECT 1')\n")
    assert len(connection_uses(bad)) == 3


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_says_what_it_holds_and_may_import(package):
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "import" in doc, package


def test_no_module_is_too_long_to_read():
    long = {str(p.relative_to(ROOT)): n for p in modules() if (n := len(p.read_text().splitlines())) > 600}
    assert long == {}


def test_the_ledger_names_fields_not_options():
    """The ledger raises errors naming its own fields (`date`); options are the command line's words."""
    spoken = []
    for path in modules():
        if path.relative_to(PACKAGE).parts[0] != "ledger":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("--")
                    and node.value[2:3].isalpha()):
                spoken.append(f"{path.name}:{node.lineno} {node.value}")
    assert spoken == []


def test_a_field_the_ledger_names_is_spelled_as_the_option_typed(db):
    from conftest import ok, rejected

    ok("place", "add", "银川市/金凤区/满城北街街道/平伏桥村")
    ok("member", "add", "王凤琴", "--joined", "2024-03-01")
    ok("team", "add", "橙色公益", "--place", "平伏桥村", "--leader", "王凤琴", "--founded", "2024-03-01")
    line = rejected(db, "member", "leave", "王凤琴", "--team", "橙色公益", "--date", "2024-02-01", mentions=("--date",))
    assert "2024-03-01" in line
    rejected(db, "team", "add", "橙色公益", "--place", "平伏桥村", mentions=("NAME",))
