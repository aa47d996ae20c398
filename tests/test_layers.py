"""The layers keep to their places: checked on the import graph, so a wrong import fails here."""

import itertools


def test_exchange_has_no_import_cycle():
    """No two modules of huidesk/exchange import each other, directly or through others (imports
    made only for type checking count too): the package reads as a chain of layers."""
    import grimp

    graph = grimp.build_graph("huidesk", exclude_type_checking_imports=False, cache_dir=None)
    modules = sorted(graph.find_descendants("huidesk.exchange") | {"huidesk.exchange"})
    cycles = []
    for a, b in itertools.combinations(modules, 2):
        there = graph.find_shortest_chain(importer=a, imported=b)
        back = graph.find_shortest_chain(importer=b, imported=a)
        if there and back:
            cycles.append(" -> ".join(there) + " | " + " -> ".join(back))
    assert cycles == []
