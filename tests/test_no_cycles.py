"""No import circle anywhere in huidesk: not between modules of one package (ledger's store -> migrations ->
integrity -> store was one), nor between packages. The layers contracts (pyproject.toml) keep the arrows
between the big packages pointing down; this keeps every module's imports a tree-like order too, so that any
module can be read, imported and tested after the ones it names.

Imports are read by grimp, as import-linter reads them: a lazy import inside a function runs, and counts;
an import made only for the type checker (`if TYPE_CHECKING:`) never runs, and closes no circle.
"""

import sys

import grimp


def cycles(package: str) -> list[list[str]]:
    """Each group of modules of `package` that import one another round in a circle (a strongly connected
    component of the import graph with more than one module, or a module importing itself), each sorted."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)
    return _circles({m: graph.find_modules_directly_imported_by(m) & graph.modules for m in graph.modules})


def package_cycles(package: str) -> list[list[str]]:
    """The same, with each subpackage (and top-level module) of `package` taken as one."""
    graph = grimp.build_graph(package, exclude_type_checking_imports=True, cache_dir=None)

    def unit(module: str) -> str:
        return ".".join(module.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module) & graph.modules:
            if unit(module) != unit(imported):
                edges.setdefault(unit(module), set()).add(unit(imported))
            edges.setdefault(unit(imported), set())
    return _circles(edges)


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in edges.get(node, ()):
                        found.append(sorted(group))
    return sorted(found)


def test_no_module_of_huidesk_imports_itself_back():
    assert cycles("huidesk") == []


def test_no_package_of_huidesk_imports_itself_back():
    assert package_cycles("huidesk") == []


def test_the_cycle_check_sees_lazy_and_package_circles_and_not_type_checking_ones(tmp_path, monkeypatch):
    package = tmp_path / "circles"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circles import b\n")
    (package / "b.py").write_text("def f():\n    from circles import c\n")
    (package / "c.py").write_text("import circles.a\n")
    (package / "d.py").write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from circles import e\n")
    (package / "e.py").write_text("from circles import d\n")
    (package / "inner").mkdir()  # a circle between packages only: inner.x -> g -> inner.y
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "x.py").write_text("from circles import g\n")
    (package / "inner" / "y.py").write_text("")
    (package / "g.py").write_text("from circles.inner import y\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("circles", None)
    assert cycles("circles") == [["circles.a", "circles.b", "circles.c"]]
    assert package_cycles("circles") == [["circles.a", "circles.b", "circles.c"], ["circles.g", "circles.inner"]]
